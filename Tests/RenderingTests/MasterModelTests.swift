import Analysis
import DemoSong
import MasteringAI
import MasteringDSP
import Testing
import TestSupport

/// The AI master model's rules: the emotion table, and decisions that depend on the input.
@Suite struct MasterModelTests {
    static func report(_ samples: [Float], channels: Int = 2) throws -> AnalysisReport {
        var source = SampleBufferSource(samples: samples, channelCount: channels, sampleRate: 44100)
        return try Analyzer.analyze(&source)
    }

    /// Pink-ish noise shaped by a shelf: a stand-in mix whose brightness we control.
    static func mix(highShelfDB: Double, crestSpikes: Bool = false, width: Double = 0.5) throws -> AnalysisReport {
        let mono = TestSignals.pinkNoise(seconds: 8)
        var shelf = Biquad(.highShelf(sampleRate: 44100, frequency: 3000, gainDB: highShelfDB))
        var sideShelf = shelf
        let other = TestSignals.pinkNoise(seconds: 8, seed: 77)
        var samples: [Float] = []
        samples.reserveCapacity(mono.count * 2)
        for index in mono.indices {
            var mid = shelf.process(mono[index])
            if crestSpikes && index % 11025 < 40 { mid *= 8 }   // transients: a spiky mix
            let side = sideShelf.process(other[index]) * Float(width) * 0.2
            samples.append(mid + side); samples.append(mid - side)
        }
        return try Self.report(samples)
    }

    @Test func anAlreadyDarkMixIsNotDarkenedFurther() throws {
        let model = MasterModel()
        // A typical mix's highs sit ~15 dB under its mids (1/3-octave levels); −30 dB is very dark.
        let neutral = model.decide(for: try Self.mix(highShelfDB: -15), .init(emotion: .dark))
        let dark = model.decide(for: try Self.mix(highShelfDB: -30), .init(emotion: .dark))
        #expect(neutral.settings[.highShelfGain] < -1, "a neutral mix gets the dark cut")
        #expect(dark.settings[.highShelfGain] > neutral.settings[.highShelfGain] / 3, "a dark mix much less of it")
        // In between, the cut is partial and the move says why.
        let darkish = model.decide(for: try Self.mix(highShelfDB: -21), .init(emotion: .dark))
        #expect(darkish.moves.contains { $0.parameter == "eq.high_shelf_db" && $0.reason.contains("already dark") })
    }

    @Test func anAlreadyBrightMixIsNotBrightenedFurther() throws {
        let model = MasterModel()
        let neutral = model.decide(for: try Self.mix(highShelfDB: -15), .init(emotion: .bright))
        let bright = model.decide(for: try Self.mix(highShelfDB: 0), .init(emotion: .bright))
        #expect(neutral.settings[.highShelfGain] > 1, "a typical mix gets the bright boost")
        #expect(bright.settings[.highShelfGain] < neutral.settings[.highShelfGain] / 3, "a bright one much less")
    }

    @Test func aDenseMixGetsLessCompressionThanASpikyOne() throws {
        let model = MasterModel()
        let dense = try Self.mix(highShelfDB: 0), spiky = try Self.mix(highShelfDB: 0, crestSpikes: true)
        #expect(spiky.crestFactorDB > dense.crestFactorDB + 6)
        let denseRatio = model.decide(for: dense, .init(emotion: .powerful)).settings[.compRatio]
        let spikyRatio = model.decide(for: spiky, .init(emotion: .powerful)).settings[.compRatio]
        #expect(denseRatio < spikyRatio, "dense \(denseRatio):1, spiky \(spikyRatio):1")
    }

    /// The ratio's reason calls a mix dense only when its crest factor says so (a 11.6 dB mix
    /// was once "already dense", a word for under 10 dB).
    @Test(arguments: [(6.0, "already dense (crest factor 6.0 dB"), (11.6, "only moderately dynamic (crest factor 11.6 dB"),
                      (20.0, "crest factor 20.0 dB leaves room")])
    func theRatiosReasonNamesTheDensityItMeasured(crest: Double, words: String) throws {
        var mix = try Self.mix(highShelfDB: 0)
        mix.crestFactorDB = crest
        let reason = try #require(MasterModel().decide(for: mix, .init(emotion: .powerful)).reasons[.compRatio])
        #expect(reason.contains(words), "\(reason)")
    }

    /// The tone rules' words follow the share of the table's shelf they leave: "already dark"
    /// / "bright" / "heavy" under half of it, "a little" above (highs 15 dB under the mids were
    /// once "already bright" while taking 75 % of the boost).
    @Test(arguments: [(Emotion.dark, ChainParameter.highShelfGain, -22.0, "the mix is already dark (highs 22 dB under"),
                      (.dark, .highShelfGain, -15.0, "the top is already a little dull (highs 15 dB under"),
                      (.bright, .highShelfGain, -3.0, "the mix is already bright (highs -3 dB re"),
                      (.bright, .highShelfGain, -15.0, "the highs are already a little forward (highs -15 dB re"),
                      (.powerful, .lowShelfGain, 9.0, "the low end is already heavy (+9 dB re"),
                      (.powerful, .lowShelfGain, 3.0, "the low end is already a little full (+3 dB re")])
    func theToneRulesWordsFollowTheShareTheyLeave(emotion: Emotion, parameter: ChainParameter, measured: Double, words: String) throws {
        var mix = MasterModel.MixProfile(try Self.mix(highShelfDB: -15))
        if parameter == .lowShelfGain { mix.tone.lowExcessDB = measured } else { mix.tone.highTiltDB = measured }
        let reason = try #require(MasterModel().decide(for: mix, .init(emotion: emotion, intensity: 1)).reasons[parameter])
        #expect(reason.contains(words), "\(reason)")
    }

    @Test func aNarrowMixIsWidenedLessThanAWideOne() throws {
        let model = MasterModel()
        let narrow = model.decide(for: try Self.mix(highShelfDB: 0, width: 0.1), .init(emotion: .calm))
        let wide = model.decide(for: try Self.mix(highShelfDB: 0, width: 2), .init(emotion: .calm))
        #expect(narrow.settings[.stereoWidth] - 1 < (wide.settings[.stereoWidth] - 1) / 2)
    }

    /// A mono mix (a mono file, or both channels the same) has no side for width to act on: no
    /// width move for any emotion, dreamy's polish or the style, and the reason says why. The
    /// moves said "width 0.81, dark wants a narrow image" for a mono file the chain left as it was.
    @Test func aMonoMixGetsNoWidthMove() throws {
        let mono = try Self.report(TestSignals.pinkNoise(seconds: 8), channels: 1)
        let dualMono = try Self.mix(highShelfDB: 0, width: 0)
        #expect(mono.stereo.width == 0 && dualMono.stereo.width == 0)
        let style = StyleOffsets([.stereoWidth: .init(value: 0.3, evidence: 4), .highShelfGain: .init(value: 1, evidence: 4)])
        for input in [mono, dualMono] {
            for emotion in Emotion.allCases {
                let decision = MasterModel().decide(for: input, .init(emotion: emotion, intensity: 0.9, style: style))
                #expect(decision.settings[.stereoWidth] == 1, "\(emotion)")
                #expect(!decision.moves.contains { $0.parameter == ChainParameter.stereoWidth.spec.name }, "\(emotion)")
                #expect(decision.styleShift[.stereoWidth] == nil && decision.styleShift[.highShelfGain] == 1, "\(emotion)")
                #expect(decision.reasons[.stereoWidth]?.hasSuffix("width 1.00, the mix is mono (no side), so width changes nothing") == true,
                        "\(decision.reasons[.stereoWidth] ?? "none")")
            }
        }
        // A hair of side is an image: the narrowing emotions still narrow it.
        let barely = try Self.mix(highShelfDB: 0, width: 0.05)
        #expect(barely.stereo.width >= StereoImage.monoWidth)
        #expect(MasterModel().decide(for: barely, .init(emotion: .dark, intensity: 0.9)).settings[.stereoWidth] < 1)
    }

    /// A mix whose side outweighs its mid (the channels leaning out of phase: a right channel with
    /// its polarity flipped measured side/mid 2.61, correlation -0.74) is not widened: not by an
    /// emotion, dreamy's polish or a learned widening, since more side only costs it in mono. It
    /// was widened in full, as the widest of mixes (calm 1.18, dreamy 1.26). Narrowing still
    /// applies, and from side/mid 0.8 the widening eases off.
    @Test func aMixWhoseSideOutweighsItsMidIsNotWidened() throws {
        var input = try Self.mix(highShelfDB: 0)
        let wider = StyleOffsets([.stereoWidth: .init(value: 0.3, evidence: 4)])
        let narrower = StyleOffsets([.stereoWidth: .init(value: -0.2, evidence: 4)])
        for width in [1.0, 2.61, .infinity] {
            input.stereo.width = width
            for emotion in Emotion.allCases {
                let decision = MasterModel().decide(for: input, .init(emotion: emotion, intensity: 0.9, style: wider))
                let reason = decision.reasons[.stereoWidth] ?? "none"
                if emotion == .dark {
                    #expect(decision.settings[.stereoWidth] < 1, "side/mid \(width): dark still narrows")
                } else {
                    #expect(decision.settings[.stereoWidth] == 1, "side/mid \(width), \(emotion): \(decision.settings[.stereoWidth])")
                    #expect(reason.contains("side already outweighs its mid") && reason.contains("wider would cost it in mono"), "\(reason)")
                    #expect(!decision.moves.contains { $0.parameter == ChainParameter.stereoWidth.spec.name }, "\(emotion): \(decision.moves)")
                }
            }
            let narrowed = MasterModel().decide(for: input, .init(emotion: .calm, intensity: 0.9, style: narrower))
            #expect(narrowed.settings[.stereoWidth] < 1, "a learned narrowing still applies")
        }
        input.stereo.width = 0.5
        let full = MasterModel().decide(for: input, .init(emotion: .calm, intensity: 0.9)).settings[.stereoWidth]
        input.stereo.width = 0.9
        let eased = MasterModel().decide(for: input, .init(emotion: .calm, intensity: 0.9))
        #expect(full > 1.1 && abs((eased.settings[.stereoWidth] - 1) - (full - 1) / 2) < 1e-9, "\(eased.settings[.stereoWidth]) against \(full)")
        #expect(eased.reasons[.stereoWidth]?.contains("the mix is already wide (side/mid 0.90), widened by 50 % of the table's") == true,
                "\(eased.reasons[.stereoWidth] ?? "none")")
    }

    @Test func emotionTableAndIntensity() throws {
        let model = MasterModel(), input = try Self.mix(highShelfDB: -6)
        for emotion in Emotion.allCases {
            let soft = model.decide(for: input, .init(emotion: emotion, intensity: 0))
            let strong = model.decide(for: input, .init(emotion: emotion, intensity: 1))
            #expect(strong.targetLUFS > soft.targetLUFS, "\(emotion): more intensity is louder")
            #expect(abs(strong.settings[.lowShelfGain]) >= abs(soft.settings[.lowShelfGain]), "\(emotion): further from neutral")
        }
        let powerful = model.decide(for: input, .init(emotion: .powerful))
        let calm = model.decide(for: input, .init(emotion: .calm))
        let dark = model.decide(for: input, .init(emotion: .dark))
        let dreamy = model.decide(for: input, .init(emotion: .dreamy))
        #expect(powerful.settings[.compRatio] > calm.settings[.compRatio])
        #expect(dark.settings[.stereoWidth] < 1 && calm.settings[.stereoWidth] > 1)
        #expect(dreamy.settings[.compAttack] > dark.settings[.compAttack])
        #expect(dreamy.moves.contains { $0.reason.contains("polish") })
        for move in powerful.moves { #expect(!move.reason.isEmpty) }
    }

    /// Every move reads "section label: parameter value, why", and the why is its own: not the
    /// parameter's name again, not the value again, not one sentence pasted on several parameters.
    @Test func everyMoveSaysWhyInItsOwnWords() throws {
        let model = MasterModel()
        let mixes = [try Self.mix(highShelfDB: -15), try Self.mix(highShelfDB: -30), try Self.mix(highShelfDB: 0, crestSpikes: true),
                     try Self.mix(highShelfDB: -6, width: 0.05)]
        for input in mixes {
            for emotion in Emotion.allCases {
                for intensity in [0.0, 0.5, 1.0] {
                    let label = "\(emotion.rawValue) (\(String(format: "%.1f", intensity)))"
                    let decision = model.decide(for: input, .init(emotion: emotion, intensity: intensity))
                    var whys: [String: String] = [:]
                    for move in decision.moves where move.reason.hasPrefix(label) {
                        let spec = ChainParameter.allCases.first { $0.spec.name == move.parameter }!.spec
                        let named = move.reason.drop { $0 != ":" }.dropFirst(2)
                        #expect(named.hasPrefix(spec.label + " "), "\(move.reason)")
                        let amount = named.dropFirst(spec.label.count + 1).prefix { $0 != "," }
                        let why = String(named.dropFirst(spec.label.count + 1 + amount.count + 2))
                        #expect(!why.isEmpty && why != spec.label && !why.contains(amount.split(separator: " ")[0]),
                                "\(move.reason): the why repeats the name or the value")
                        #expect(!amount.contains("-0.0") && !amount.contains("−"), "\(move.reason)")
                        if spec.range.lowerBound >= 0 { #expect(!amount.hasPrefix("+"), "a size has no sign: \(move.reason)") }
                        if let other = whys[why] { Issue.record("\(spec.name) and \(other) give one reason: \(why)") }
                        whys[why] = spec.name
                    }
                    #expect(whys.count >= 5, "\(label): \(decision.moves.map(\.reason))")
                }
            }
        }
    }

    /// Values read as printed: a hair under zero is "+0.0", a knee has no sign, whole corners no decimals.
    @Test func describedValuesReadAsPrinted() {
        #expect(MasterModel.describe(.highShelfGain, -0.03, "x: why") == "x: high shelf +0.0 dB, why")
        #expect(MasterModel.describe(.highShelfGain, -0.33, "x: why") == "x: high shelf -0.3 dB, why")
        #expect(MasterModel.describe(.compKnee, 12, "x: why") == "x: knee 12.0 dB, why")
        #expect(MasterModel.describe(.highShelfFrequency, 9000, "x: why") == "x: high corner 9000 Hz, why")
        #expect(MasterModel.describe(.compAttack, 2.5, "x: why") == "x: attack 2.5 ms, why")
        #expect(MasterModel.describe(.exciterDrive, -0.001, "x: why") == "x: drive 0.00, why")
    }

    /// A parameter the rules hold where it is still has its why, so a section that returns it
    /// there (a dark section after a bright one, its low boost withheld) does not claim the default.
    @Test func aWithheldMoveKeepsItsReason() throws {
        var heavy = MasterModel.MixProfile(try Self.mix(highShelfDB: -15))
        heavy.tone.lowExcessDB = 20
        let decision = MasterModel().decide(for: heavy, .init(emotion: .dark, intensity: 0.9))
        #expect(decision.settings[.lowShelfGain] == 0)
        #expect(!decision.moves.contains { $0.parameter == "eq.low_shelf_db" })
        #expect(decision.reasons[.lowShelfGain]?.contains("the low end is already heavy (+20 dB re the mids), so the boost is 0 %") == true,
                "\(decision.reasons[.lowShelfGain] ?? "none")")
        #expect(ChainParameter.allCases.allSatisfy { $0 == .inputTrim || decision.reasons[$0] != nil },
                "every parameter the rules decide has a reason")
    }

    @Test func styleOffsetsAreAddedClampedAndExplained() throws {
        let model = MasterModel(), input = try Self.mix(highShelfDB: -6)
        let plain = model.decide(for: input, .init(emotion: .powerful))
        let styled = model.decide(for: input, .init(emotion: .powerful, style: StyleOffsets([
            .highShelfGain: .init(value: 1.5, evidence: 12),
            .stereoWidth: .init(value: 5, evidence: 3),
        ])))
        #expect(abs(styled.settings[.highShelfGain] - (plain.settings[.highShelfGain] + 1.5)) < 1e-9)
        #expect(styled.settings[.stereoWidth] == 2, "clamped to the parameter's range")
        #expect(styled.moves.contains { $0.reason == "your style: +1.5 dB high shelf in powerful sections, from 12 tweaks" })
    }

    /// The console records a tweak against the suggestion before the style, so the decision
    /// says exactly what the style added: after the range's clamp, and a choice by whole steps.
    @Test func theStylesShiftIsWhatItAddedAfterTheClamp() throws {
        let model = MasterModel(), input = try Self.mix(highShelfDB: -6)
        let plain = model.decide(for: input, .init(emotion: .powerful))
        let styled = model.decide(for: input, .init(emotion: .powerful, style: StyleOffsets([
            .highShelfGain: .init(value: 1.5, evidence: 12),
            .stereoWidth: .init(value: 5, evidence: 3),
            .exciterMode: .init(value: 0.7, evidence: 3),
            .compRatio: .init(value: 0.2, evidence: 0),
        ])))
        #expect(plain.styleShift.isEmpty)
        for parameter in ChainParameter.allCases {
            let added = styled.settings[parameter] - plain.settings[parameter]
            #expect(abs(styled.styleShift[parameter, default: 0] - added) < 1e-12, "\(parameter.spec.name)")
        }
        #expect(abs(styled.styleShift[.highShelfGain]! - 1.5) < 1e-9)
        #expect(styled.styleShift[.stereoWidth]! < 5 && styled.settings[.stereoWidth] == 2, "what the clamp let through")
        #expect(plain.settings[.exciterMode] == 0 && styled.styleShift[.exciterMode] == 1, "tape to tube, one whole step")
    }

    /// What the request fixes is not the style's to move: the ceiling always (a limit, not a
    /// taste), the target when one is asked for. The moves claimed -14 -> -12.8 LUFS for a master
    /// made at -14, and a ceiling of -0.4 dBTP for one limited at -1.
    @Test func theStyleLeavesTheCeilingAndAnAskedForTargetAlone() throws {
        let model = MasterModel(), input = try Self.mix(highShelfDB: -6)
        let style = StyleOffsets([.loudnessTarget: .init(value: 1.2, evidence: 3), .limiterCeiling: .init(value: -0.6, evidence: 3)])
        let asked = model.decide(for: input, .init(emotion: .powerful, targetLUFS: -14, style: style))
        #expect(asked.settings[.loudnessTarget] == -14 && asked.settings[.limiterCeiling] == -1)
        #expect(asked.styleShift.isEmpty)
        #expect(!asked.moves.contains { $0.reason.hasPrefix("your style") })
        let own = model.decide(for: input, .init(emotion: .powerful, style: style))
        #expect(abs(own.settings[.loudnessTarget] - (model.decide(for: input, .init(emotion: .powerful)).targetLUFS + 1.2)) < 1e-9,
                "the emotion's own target takes the style")
        #expect(own.settings[.limiterCeiling] == -1 && own.styleShift[.limiterCeiling] == nil)
    }

    /// A style move says what it adds in the parameter's own precision, and never prints a real
    /// offset as zero (the console listed "your style: +0.0 width" and "+0.0 :1 ratio").
    @Test func aStyleMoveSaysItsAmountInThePrecisionItNeeds() throws {
        let styled = MasterModel().decide(for: try Self.mix(highShelfDB: -6), .init(emotion: .calm, style: StyleOffsets([
            .highShelfGain: .init(value: -1.5, evidence: 12),
            .stereoWidth: .init(value: 0.004, evidence: 3),
            .compRatio: .init(value: 0.03, evidence: 3),
            .exciterDrive: .init(value: 0.02, evidence: 3),
            .compRelease: .init(value: -2.84, evidence: 3),
        ])))
        let reasons = styled.moves.map(\.reason).filter { $0.hasPrefix("your style") }
        for expected in ["your style: -1.5 dB high shelf in calm sections, from 12 tweaks",
                         "your style: +0.004 width in calm sections, from 3 tweaks",
                         "your style: +0.03 ratio in calm sections, from 3 tweaks",
                         "your style: +0.02 drive in calm sections, from 3 tweaks",
                         "your style: -2.8 ms release in calm sections, from 3 tweaks"] {
            #expect(reasons.contains(expected), "\(reasons)")
        }
        #expect(ChainParameter.stereoWidth.spec.signedAmount(0) == "+0.00" && ChainParameter.tilt.spec.signedAmount(-0.0001) == "-0.0001 dB")
    }
}
