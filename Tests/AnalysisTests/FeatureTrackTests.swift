@testable import Analysis
import Glibc
import MasteringDSP
import Testing
import TestSupport

/// The 100 ms feature track is gathered eight frames to a vector and its onset flux takes
/// `logOnePlus` instead of libm's `log1pf`: neither may change what it measures.
@Suite struct FeatureTrackTests {
    /// `logOnePlus` against libm's log1p in Double, from 0 and the smallest magnitudes (where
    /// 1 + x rounds to 1) up to 10⁷ (the flux's γ|X| stays far under that).
    @Test func logOnePlusIsLog1pWithinAFewUnitsInTheLastPlace() {
        var values: [Float] = [0, 1e-30, 1e-12, 3e-8, 6e-8, 1e-6, 0.2928, 0.2929, 0.4142, 0.4143, 1, 2, 3]
        var x = 1e-9
        while x < 1e7 { values.append(Float(x)); x *= 1.0071 }
        var worst = 0.0, worstAt: Float = 0
        for start in stride(from: 0, to: values.count, by: 8) {
            var lanes = SIMD8<Float>()
            for lane in 0..<8 { lanes[lane] = values[min(start + lane, values.count - 1)] }
            let result = logOnePlus(lanes)
            for lane in 0..<8 {
                let exact = log1p(Double(lanes[lane]))
                let error = exact == 0 ? abs(Double(result[lane])) : abs(Double(result[lane]) - exact) / exact
                if error > worst { worst = error; worstAt = lanes[lane] }
            }
        }
        #expect(worst < 3e-7, "relative error \(worst) at \(worstAt)")
    }

    /// Every 100 ms frame's mean square, peak, mid and side energy equal a plain sum over its
    /// samples, and the track is the same however the stream is cut into blocks (odd sizes
    /// end the vector runs anywhere: mid-vector, mid-frame, mid-onset hop).
    @Test func theTrackMeasuresEachFrameWhateverTheBlockSize() throws {
        let rate = 44100.0
        var samples = TestSignals.whiteNoise(seconds: 3, sampleRate: rate, channels: 2, rmsDBFS: -24)
        for index in samples.indices where index % 2 == 1 { samples[index] *= 0.3 }   // a side to measure
        for frame in stride(from: 5000, to: samples.count / 2, by: 13_230) { samples[frame * 2] = -0.9 }   // peaks
        var tracks: [FeatureTrack] = []
        for block in [1, 7, 441, 4096, 16384] {
            var source = SampleBufferSource(samples: samples, channelCount: 2, sampleRate: rate)
            tracks.append(try #require(try Analyzer.analyze(&source, options: .init(features: true), blockFrames: block).features))
        }
        let reference = tracks[0]
        #expect(reference.frameCount == 30)
        func close(_ a: Float, _ b: Double) -> Bool { abs(Double(a) - b) <= 1e-4 * abs(b) }
        for frame in 0..<reference.frameCount {
            var squares = 0.0, peak: Float = 0, mid = 0.0, side = 0.0
            let frames = (frame * 4410)..<((frame + 1) * 4410)
            for index in frames {
                let left = Double(samples[2 * index]), right = Double(samples[2 * index + 1])
                squares += left * left + right * right
                peak = max(peak, abs(samples[2 * index]), abs(samples[2 * index + 1]))
                mid += (left + right) * (left + right) / 4
                side += (left - right) * (left - right) / 4
            }
            let count = Double(frames.count)
            for (block, track) in zip([1, 7, 441, 4096, 16384], tracks) {
                #expect(close(track.meanSquares[frame], squares / (2 * count)), "block \(block), frame \(frame)")
                #expect(track.peaks[frame] == peak, "block \(block), frame \(frame)")
                #expect(close(track.midEnergies[frame], mid / count) && close(track.sideEnergies[frame], side / count),
                        "block \(block), frame \(frame)")
            }
        }
        // The spectra and onsets read the mono mix, which is the same sample for sample.
        for track in tracks.dropFirst() {
            #expect(track.bandPowers == reference.bandPowers)
            #expect(track.onsets == reference.onsets)
        }
    }
}
