import Analysis
import MasteringDSP
import Testing
import TestSupport

/// EBU Tech 3341 (loudness, true peak) and Tech 3342 (loudness range) minimum
/// requirements, with the test signals generated from their published definitions.
@Suite struct EBUComplianceTests {
    static func analyze(_ samples: [Float], channels: Int = 2, sampleRate: Double = 48000) throws -> AnalysisReport {
        var source = TestSignals.source(samples, channels: channels, sampleRate: sampleRate)
        return try Analyzer.analyze(&source)
    }

    // MARK: Tech 3341, integrated loudness (±0.1 LU)

    static let integratedCases: [(name: String, segments: [(Double, Double)])] = [
        ("case 1: -23 dBFS for 20 s", [(-23, 20)]),
        ("case 2: -33 dBFS for 20 s", [(-33, 20)]),
        ("case 3: -36/-23/-36 dBFS, 10/60/10 s", [(-36, 10), (-23, 60), (-36, 10)]),
        ("case 4: -72/-36/-23/-36/-72 dBFS, 10/10/60/10/10 s", [(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)]),
        ("case 5: -26/-20/-26 dBFS, 20/20.1/20 s", [(-26, 20), (-20, 20.1), (-26, 20)]),
    ]

    @Test(arguments: 0..<5)
    func tech3341IntegratedLoudness(caseIndex: Int) throws {
        let testCase = Self.integratedCases[caseIndex]
        let expected = caseIndex == 1 ? -33.0 : -23.0
        let report = try Self.analyze(TestSignals.levelSequence(testCase.segments.map { ($0.0, $0.1) }))
        #expect(abs(report.integratedLUFS - expected) <= 0.1,
                "\(testCase.name): measured \(report.integratedLUFS) LUFS, expected \(expected)")
    }

    @Test func tech3341Case6FiveChannels() throws {
        // L, R at -28 dBFS; C at -24 dBFS; Ls, Rs at -30 dBFS; 1 kHz, 20 s → -23.0 LUFS.
        let samples = TestSignals.sine(frequency: 1000, seconds: 20, channels: 5,
                                       channelLevelsDBFS: [-28, -28, -24, -30, -30])
        let report = try Self.analyze(samples, channels: 5)
        #expect(abs(report.integratedLUFS + 23) <= 0.1, "measured \(report.integratedLUFS) LUFS")
    }

    @Test func sixChannelFileIgnoresTheLFE() throws {
        // Case 6 again as 5.1 with a loud LFE: BS.1770 leaves the LFE out.
        let samples = TestSignals.sine(frequency: 1000, seconds: 20, channels: 6,
                                       channelLevelsDBFS: [-28, -28, -24, -6, -30, -30])
        let report = try Self.analyze(samples, channels: 6)
        #expect(abs(report.integratedLUFS + 23) <= 0.1, "measured \(report.integratedLUFS) LUFS")
    }

    @Test func monoIsOneFrontLoudspeaker() throws {
        // A mono -23 dBFS sine is one channel at weight 1.0: 3 dB below the stereo case.
        let report = try Self.analyze(TestSignals.sine(frequency: 1000, levelDBFS: -23, seconds: 10, channels: 1), channels: 1)
        #expect(abs(report.integratedLUFS - (-23 - 3.01)) <= 0.1, "measured \(report.integratedLUFS) LUFS")
    }

    // MARK: Tech 3341, true peak (+0.2 / −0.4 dB)

    static let truePeakCases: [(name: String, divisor: Double, amplitude: Double, phase: Double, expected: Double)] = [
        ("case 15: fs/4, 0.5 FS, 0°", 4, 0.5, 0, -6),
        ("case 16: fs/4, 0.5 FS, 45°", 4, 0.5, 45, -6),
        ("case 17: fs/6, 0.5 FS, 60°", 6, 0.5, 60, -6),
        ("case 18: fs/8, 0.5 FS, 67.5°", 8, 0.5, 67.5, -6),
        ("case 19: fs/4, 1.41 FS, 45°", 4, 1.41, 45, 3),
    ]

    @Test(arguments: 0..<5)
    func tech3341TruePeak(caseIndex: Int) throws {
        let testCase = Self.truePeakCases[caseIndex]
        // A 20 ms raised-cosine fade-in: a sine switched on abruptly is not band-limited, and its
        // reconstruction rings above the sine's own peak at the switch-on (the Gibbs overshoot).
        var samples = TestSignals.sine(frequency: 48000 / testCase.divisor, levelDBFS: Decibels.fromAmplitude(testCase.amplitude),
                                       seconds: 2, phaseDegrees: testCase.phase)
        TestSignals.fadeIn(&samples, channels: 2, frames: 960)
        let report = try Self.analyze(samples)
        let error = report.truePeakDBTP - testCase.expected
        #expect(error <= 0.2 && error >= -0.4, "\(testCase.name): measured \(report.truePeakDBTP) dBTP")
        if caseIndex == 4 {
            #expect(report.samplePeakDBFS < 0.1, "case 19's samples stay near full scale; only the true peak is above it")
        }
    }

    // MARK: Tech 3342, loudness range (±1 LU)

    static let rangeCases: [(name: String, segments: [(Double, Double)], expected: Double)] = [
        ("case 1: -20/-30 dBFS", [(-20, 20), (-30, 20)], 10),
        ("case 2: -20/-15 dBFS", [(-20, 20), (-15, 20)], 5),
        ("case 3: -40/-20 dBFS", [(-40, 20), (-20, 20)], 20),
        ("case 4: -50/-35/-20/-35/-50 dBFS", [(-50, 20), (-35, 20), (-20, 20), (-35, 20), (-50, 20)], 15),
    ]

    @Test(arguments: 0..<4)
    func tech3342LoudnessRange(caseIndex: Int) throws {
        let testCase = Self.rangeCases[caseIndex]
        let report = try Self.analyze(TestSignals.levelSequence(testCase.segments.map { ($0.0, $0.1) }))
        #expect(abs(report.loudnessRangeLU - testCase.expected) <= 1,
                "\(testCase.name): measured \(report.loudnessRangeLU) LU, expected \(testCase.expected)")
    }

    // MARK: Momentary and short-term maxima, timeline

    @Test func momentaryAndShortTermMaximaFollowTheLoudestWindow() throws {
        // 10 s at -30 dBFS, 4 s at -20 dBFS, 10 s at -30 dBFS (stereo 1 kHz: dBFS ≈ LUFS).
        let report = try Self.analyze(TestSignals.levelSequence([(-30, 10), (-20, 4), (-30, 10)]))
        #expect(abs(report.momentaryMaxLUFS + 20) <= 0.1, "momentary max \(report.momentaryMaxLUFS)")
        #expect(abs(report.shortTermMaxLUFS + 20) <= 0.1, "short-term max \(report.shortTermMaxLUFS)")
    }

    @Test func timelineHasAReadingEvery100Milliseconds() throws {
        let samples = TestSignals.sine(frequency: 1000, levelDBFS: -23, seconds: 5)
        var source = TestSignals.source(samples, channels: 2, sampleRate: 48000)
        let report = try Analyzer.analyze(&source, options: .init(timeline: true), blockFrames: 1000)
        let timeline = try #require(report.timeline)
        #expect(timeline.count == 50)
        #expect(abs(timeline[0].seconds - 0.1) < 1e-9 && abs(timeline[49].seconds - 5.0) < 1e-9)
        for point in timeline where point.seconds >= 0.5 {
            #expect(abs(point.momentaryLUFS + 23) <= 0.1, "momentary at \(point.seconds) s: \(point.momentaryLUFS)")
        }
        for point in timeline where point.seconds >= 3 {
            #expect(abs(point.shortTermLUFS + 23) <= 0.1)
        }
    }
}
