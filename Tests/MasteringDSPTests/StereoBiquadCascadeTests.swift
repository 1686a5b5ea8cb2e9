import MasteringDSP
import Testing

/// The wavefront cascade must be the plain cascade of `StereoBiquad`s to the bit, whatever the
/// block size: the match EQ's sound may not depend on how its work is scheduled.
@Suite struct StereoBiquadCascadeTests {
    static let stageCount = MatchCurve.bandCount

    /// The match EQ's bells and shelf, with gains that differ from stage to stage and channel to channel.
    static func coefficients(stage: Int, channel: Int) -> BiquadCoefficients {
        MatchCurve.coefficients(band: stage, sampleRate: 44100, gainDB: Double((stage * 7 + channel * 5) % 13) - 6)
    }

    /// Deterministic noise with some low end (a random walk) so the low bells ring too.
    static func input(frames: Int) -> (first: [Float], second: [Float]) {
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 2_000_000
        }
        var walk: Float = 0
        var first: [Float] = [], second: [Float] = []
        for _ in 0..<frames {
            walk = 0.995 * walk + 0.05 * next()
            first.append(0.5 * next() + walk)
            second.append(0.3 * next() - walk)
        }
        return (first, second)
    }

    @Test func theWavefrontIsThePlainCascadeBitForBitForAnyBlockSize() {
        let frames = 6000
        let (first, second) = Self.input(frames: frames)
        // The plain cascade, sample by sample.
        var plain = (0..<Self.stageCount).map { stage in
            var biquad = StereoBiquad()
            biquad.setCoefficients(Self.coefficients(stage: stage, channel: 0), Self.coefficients(stage: stage, channel: 1))
            return biquad
        }
        var expected = (first: first, second: second)
        for index in 0..<frames {
            var sample = SIMD2(first[index], second[index])
            for stage in plain.indices { sample = plain[stage].process(sample) }
            expected.first[index] = sample[0]
            expected.second[index] = sample[1]
        }
        #expect(expected.first != first, "the bells changed the signal")

        for blockFrames in [1, 2, 5, 23, 24, 25, 256, 4096] {
            var cascade = StereoBiquadCascade()
            for stage in 0..<Self.stageCount {
                cascade.setCoefficients(stage: stage, Self.coefficients(stage: stage, channel: 0), Self.coefficients(stage: stage, channel: 1))
            }
            var a = first, b = second
            a.withUnsafeMutableBufferPointer { a in
                b.withUnsafeMutableBufferPointer { b in
                    var start = 0
                    while start < frames {
                        let count = min(blockFrames, frames - start)
                        cascade.process(a.baseAddress! + start, b.baseAddress! + start, count: count)
                        start += count
                    }
                }
            }
            let differing = (0..<frames).filter { a[$0] != expected.first[$0] || b[$0] != expected.second[$0] }.count
            let firstDifference = (0..<frames).first { a[$0] != expected.first[$0] || b[$0] != expected.second[$0] }
            #expect(differing == 0, "\(differing) of \(frames) frames differ with blocks of \(blockFrames), first at \(firstDifference ?? -1): \(firstDifference.map { (a[$0], expected.first[$0]) } as Any)")
        }
    }

    @Test func stagesNeverSetPassTheSignalThroughExactly() {
        let (first, second) = Self.input(frames: 1000)
        var cascade = StereoBiquadCascade()
        var a = first, b = second
        a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeMutableBufferPointer { b in cascade.process(a.baseAddress!, b.baseAddress!, count: 1000) }
        }
        #expect(a == first && b == second)
    }
}
