import Analysis
import Foundation
import Testing

/// The console's live analyser: calibrated levels, and the same reading however the audio is cut.
struct RunningToneCurveTests {
    static func sine(hz: Double, amplitude: Float, frames: Int, sampleRate: Double) -> [Float] {
        (0..<frames).map { amplitude * Float(sin(2 * Double.pi * hz * Double($0) / sampleRate)) }
    }

    @Test func aFullScaleSineReadsMinusThreeInItsBand() {
        let rate = 44100.0
        let curve = RunningToneCurve(sampleRate: rate)
        let tone = Self.sine(hz: 1000, amplitude: 1, frames: 44100, sampleRate: rate)
        tone.withUnsafeBufferPointer { curve.add(left: $0.baseAddress!, right: $0.baseAddress!, count: $0.count) }
        let bands = curve.bandsDB
        let band = ThirdOctaveBands.exactCentresHz.enumerated().min { abs(log2($0.element / 1000)) < abs(log2($1.element / 1000)) }!.offset
        #expect(abs(bands[band] - -3.01) < 0.5, "1 kHz band \(bands[band]) dB")
        #expect(bands[band - 4] < -50 && bands[band + 4] < -50, "leakage \(bands[band - 4]) / \(bands[band + 4]) dB")
    }

    @Test func theReadingDoesNotDependOnBlockSizes() {
        let rate = 48000.0
        let left = Self.sine(hz: 220, amplitude: 0.5, frames: 30000, sampleRate: rate)
        let right = Self.sine(hz: 5000, amplitude: 0.25, frames: 30000, sampleRate: rate)
        func reading(blocks: [Int]) -> [Double] {
            let curve = RunningToneCurve(sampleRate: rate)
            var offset = 0, index = 0
            while offset < left.count {
                let count = min(blocks[index % blocks.count], left.count - offset)
                left.withUnsafeBufferPointer { l in right.withUnsafeBufferPointer { r in
                    curve.add(left: l.baseAddress! + offset, right: r.baseAddress! + offset, count: count)
                } }
                offset += count; index += 1
            }
            return curve.bandsDB
        }
        let whole = reading(blocks: [30000])
        for blocks in [[1], [7, 4096, 333], [8192], [1023, 1]] {
            let cut = reading(blocks: blocks)
            for band in whole.indices where whole[band].isFinite {
                #expect(abs(cut[band] - whole[band]) < 1e-9, "blocks \(blocks) band \(band)")
            }
        }
        // Both channels count, as powers averaged over the two: the 220 Hz left (−9 dB of power)
        // reads −12 dB around its band, the 5 kHz right (−15 dB) reads −18 dB around its.
        func around(_ hz: Double) -> Double {
            let centres = ThirdOctaveBands.exactCentresHz
            let power = whole.indices.filter { abs(log2(centres[$0] / hz)) < 0.4 }.map { pow(10, whole[$0] / 10) }.reduce(0, +)
            return 10 * log10(power)
        }
        #expect(abs(around(220) - -12.04) < 0.5, "220 Hz: \(around(220)) dB")
        #expect(abs(around(5000) - -18.06) < 0.5, "5 kHz: \(around(5000)) dB")
    }
}
