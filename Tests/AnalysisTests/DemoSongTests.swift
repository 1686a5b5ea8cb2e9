import Analysis
import DemoSong
import MasteringDSP
import Testing

/// The built-in demo song: length, format, determinism, and five sections whose measured
/// character fits the emotion each was written for.
@Suite struct DemoSongTests {
    static func render(from start: Double = 0, to end: Double = DemoArrangement.durationSeconds) throws -> [Float] {
        let song = DemoSongSource()
        var samples: [Float] = []
        var buffer = [Float](repeating: 0, count: 4096 * 2)
        while true {
            let frames = try buffer.withUnsafeMutableBufferPointer { try song.read(into: $0) }
            if frames == 0 { break }
            samples += buffer[0..<frames * 2]
        }
        return Array(samples[(Int(start * 44100) * 2)..<(Int(end * 44100) * 2)])
    }

    static func analyze(_ samples: [Float]) throws -> AnalysisReport {
        var source = SampleBufferSource(samples: samples, channelCount: 2, sampleRate: 44100)
        return try Analyzer.analyze(&source)
    }

    @Test func isEightySecondsOfStereoAt44kHzInFiveSections() throws {
        let song = DemoSongSource()
        #expect(song.sampleRate == 44100 && song.channelCount == 2)
        #expect(song.frameCount == 80 * 44100)
        #expect(DemoArrangement.sections.map(\.emotion) == ["calm", "powerful", "dreamy", "dark", "bright"])
        #expect(DemoArrangement.sections.map(\.startSeconds) == [0, 16, 32, 48, 64])
    }

    @Test func itsLoudnessAndRangeMatchLibebur128sOwnGating() throws {
        let samples = try Self.render()
        let meter = try LoudnessMeter(channelCount: 2, sampleRate: 44100, layout: [.left, .right], measures: .loudness)
        try samples.withUnsafeBufferPointer { try meter.add($0) }
        let report = try Self.analyze(samples)
        #expect(abs(report.integratedLUFS - meter.integratedLUFS) < 1e-6, "\(report.integratedLUFS) vs \(meter.integratedLUFS)")
        #expect(abs(report.loudnessRangeLU - meter.loudnessRangeLU) < 1e-6, "\(report.loudnessRangeLU) vs \(meter.loudnessRangeLU)")
    }

    @Test func isTheSameEveryTimeWhateverTheBlockSize() throws {
        let first = try Self.render()
        let second = DemoSongSource()
        var samples: [Float] = []
        var buffer = [Float](repeating: 0, count: 333 * 2) // an odd block size
        while true {
            let frames = try buffer.withUnsafeMutableBufferPointer { try second.read(into: $0) }
            if frames == 0 { break }
            samples += buffer[0..<frames * 2]
        }
        #expect(samples == first)
        #expect(first.allSatisfy { $0.isFinite && abs($0) < 1 }, "no clipping, no NaN")
    }

    @Test func sectionsSoundLikeTheirEmotions() throws {
        let song = try Self.render()
        var reports: [String: AnalysisReport] = [:]
        for section in DemoArrangement.sections {
            // Skip a second at each edge so reverb tails and fades do not blur the character.
            let start = Int((section.startSeconds + 1) * 44100) * 2, end = Int((section.endSeconds - 1) * 44100) * 2
            reports[section.emotion] = try Self.analyze(Array(song[start..<end]))
        }
        let calm = reports["calm"]!, powerful = reports["powerful"]!, dreamy = reports["dreamy"]!
        let dark = reports["dark"]!, bright = reports["bright"]!
        // Loudness: powerful is the loudest section, calm the quietest.
        for other in [calm, dreamy, dark, bright] { #expect(powerful.integratedLUFS > other.integratedLUFS) }
        for other in [powerful, dreamy, dark, bright] { #expect(calm.integratedLUFS < other.integratedLUFS - 2) }
        // Dynamics: the powerful chorus is dense (low crest factor), the calm intro is not.
        #expect(powerful.crestFactorDB < calm.crestFactorDB - 3)
        // Tone: bright is the brightest, dark the darkest; dreamy's highs are rolled off.
        for other in [calm, powerful, dreamy, dark] { #expect(bright.spectralCentroidHz > other.spectralCentroidHz) }
        for other in [calm, powerful, dreamy, bright] { #expect(dark.spectralCentroidHz < other.spectralCentroidHz) }
        #expect(dreamy.bands.high.share < powerful.bands.high.share / 10)
        #expect(dark.bands.low.share > 0.9)
        // Width: dark is narrow, calm and dreamy wide.
        #expect(dark.stereo.width < 0.15)
        #expect(calm.stereo.width > 0.3 && dreamy.stereo.width > 0.3)
        // A mixed track, not a master: peaks below full scale.
        let whole = try Self.analyze(song)
        #expect(whole.truePeakDBTP < -1, "true peak \(whole.truePeakDBTP) dBTP")
    }
}
