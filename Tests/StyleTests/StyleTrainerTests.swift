import Analysis
import Foundation
import MasteringAI
import MasteringDSP
import Testing
import TestSupport

/// The learning rule and how the AI applies what it learned.
@Suite struct StyleTrainerTests {
    static let mix: AnalysisReport = {
        let mono = TestSignals.pinkNoise(seconds: 6)
        var samples: [Float] = []
        for sample in mono { samples.append(sample); samples.append(sample * 0.8) }
        var source = SampleBufferSource(samples: samples, channelCount: 2, sampleRate: 44100)
        return try! Analyzer.analyze(&source)
    }()

    static func suggestion(_ emotion: Emotion, _ profile: StyleProfile?) -> ChainSettings {
        MasterModel().decide(for: mix, .init(emotion: emotion, intensity: 0.6,
                                             style: profile?.offsets(for: emotion) ?? StyleOffsets())).settings
    }

    /// A user who, in every session, nudges the dark high shelf up twice and settles 2 dB above the AI.
    static func scriptedSessions(_ count: Int) -> [[TweakRecord]] {
        let ai = suggestion(.dark, nil)[.highShelfGain]
        return (1...count).map { index in
            [TweakRecord(session: "s\(index)", parameter: .highShelfGain, old: ai, new: ai + 1, suggested: ai,
                         emotion: .dark, intensity: 0.6, time: 50),
             TweakRecord(session: "s\(index)", parameter: .highShelfGain, old: ai + 1, new: ai + 2, suggested: ai,
                         emotion: .dark, intensity: 0.6, time: 52)]
        }
    }

    @Test func aUserWhoAlwaysBrightensDarkSectionsIsLearned() {
        var profile = StyleProfile()
        for session in Self.scriptedSessions(10) { profile.learn(session: session) }
        let before = Self.suggestion(.dark, nil), after = Self.suggestion(.dark, profile)
        let chosen = before[.highShelfGain] + 2
        #expect(abs(after[.highShelfGain] - chosen) <= 0.6, "suggests \(after[.highShelfGain]) for a choice of \(chosen)")
        for emotion in Emotion.allCases where emotion != .dark {
            let plain = Self.suggestion(emotion, nil), styled = Self.suggestion(emotion, profile)
            for parameter in ChainParameter.allCases {
                #expect(abs(styled[parameter] - plain[parameter]) <= 0.2, "\(emotion) \(parameter.spec.name) moved")
            }
        }
        let learned = profile.emotions[.dark]![.highShelfGain]!
        #expect(learned.tweaks == 20 && learned.sessions == 10 && learned.up == 10 && abs(learned.offset - 2) < 1e-9)
        #expect(profile.sessions == 10)
        // The move says so.
        let moves = MasterModel().decide(for: Self.mix, .init(emotion: .dark, intensity: 0.6, style: profile.offsets(for: .dark))).moves
        #expect(moves.contains { $0.reason == "your style: +1.7 dB high shelf in dark sections, from 20 tweaks" }, "\(moves.map(\.reason))")
        print(String(format: "scripted user: dark high shelf suggested %+.2f dB for a choice of %+.2f dB (AI alone %+.2f)",
                     after[.highShelfGain], chosen, before[.highShelfGain]))
    }

    @Test func theAverageIsBoundedAndFollowsAChangeOfTaste() {
        var profile = StyleProfile()
        // An absurd session: +100 dB is clamped to a quarter of the range (±6 dB for a shelf).
        profile.learn(session: [TweakRecord(session: "a", parameter: .highShelfGain, old: 0, new: 12, suggested: -12,
                                            emotion: .bright, intensity: 0.5, time: 0)])
        #expect(profile.emotions[.bright]![.highShelfGain]!.offset == 6)
        // The trim reaches −96 dB to stage float files, but a taste is a quarter of the ±24 dB a person turns it through.
        profile.learn(session: [TweakRecord(session: "t", parameter: .inputTrim, old: 0, new: -40, suggested: 0,
                                            emotion: .bright, intensity: 0.5, time: 0)])
        #expect(profile.emotions[.bright]![.inputTrim]!.offset == -12)
        // Then the user settles on −2: the first sessions average, later ones move 30 % of the way.
        for index in 0..<12 {
            profile.learn(session: [TweakRecord(session: "b\(index)", parameter: .highShelfGain, old: 0, new: -2, suggested: 0,
                                                emotion: .bright, intensity: 0.5, time: 0)])
        }
        let offset = profile.emotions[.bright]![.highShelfGain]!.offset
        #expect(offset > -2 && offset < -1.9, "\(offset)")
        #expect(profile.emotions[.bright]![.highShelfGain]!.down == 12)
    }

    @Test func anOverallTasteAppliesToOtherEmotionsOnlyWhenSeveralShowIt() {
        var profile = StyleProfile()
        for (index, emotion) in [Emotion.dark, .calm, .dreamy].enumerated() {
            profile.learn(session: [TweakRecord(session: "\(index)", parameter: .stereoWidth, old: 1, new: 1.2, suggested: 1,
                                                emotion: emotion, intensity: 0.5, time: 0)])
            let bright = profile.offsets(for: .bright).offsets[.stereoWidth]
            #expect((bright != nil) == (index == 2), "after \(index + 1) emotions")
        }
    }

    @Test func mergeWeighsByEvidence() {
        var mine = StyleProfile(), theirs = StyleProfile()
        for index in 0..<3 {
            mine.learn(session: [TweakRecord(session: "m\(index)", parameter: .tilt, old: 0, new: 2, suggested: 0,
                                             emotion: .calm, intensity: 0.5, time: 0)])
        }
        theirs.learn(session: [TweakRecord(session: "t", parameter: .tilt, old: 0, new: -1, suggested: 0,
                                           emotion: .calm, intensity: 0.5, time: 0)])
        var plain = mine
        plain.merge(theirs)
        #expect(abs(plain.emotions[.calm]![.tilt]!.offset - 1.25) < 1e-9)   // (3·2 + 1·(−1)) / 4
        #expect(plain.emotions[.calm]![.tilt]!.sessions == 4 && plain.sessions == 4)
        var weighted = mine
        weighted.merge(theirs, weight: 2)
        #expect(abs(weighted.emotions[.calm]![.tilt]!.offset - 0.8) < 1e-9)  // (3·2 + 2·(−1)) / 5
        #expect(weighted.emotions[.calm]![.tilt]!.sessions == 5 && weighted.sessions == 5, "their one session counts as two")
    }

    /// The weight is how much their evidence counts, so it holds for everything of theirs: an
    /// offset only they have comes in with their sessions × weight (it once came in whole, so a
    /// friend's taste at --weight 0.1 was applied as strongly as at 1), and a weight of 0 leaves
    /// what master applies as it was (it once added their sessions, making mine weigh more).
    @Test func aMergeWeighsTheirEvidenceEverywhere() {
        var mine = StyleProfile(), theirs = StyleProfile()
        for index in 0..<2 {
            mine.learn(session: [TweakRecord(session: "m\(index)", parameter: .tilt, old: 0, new: 1, suggested: 0,
                                             emotion: .calm, intensity: 0.5, time: 0)])
        }
        for index in 0..<8 {
            theirs.learn(session: [TweakRecord(session: "t\(index)", parameter: .tilt, old: 0, new: -1, suggested: 0,
                                               emotion: .calm, intensity: 0.5, time: 0),
                                   TweakRecord(session: "t\(index)", parameter: .highShelfGain, old: 0, new: 2, suggested: 0,
                                               emotion: .dark, intensity: 0.5, time: 0)])
        }
        let applied = { (profile: StyleProfile) in
            Emotion.allCases.map { profile.offsets(for: $0).offsets.mapValues(\.value) }
        }
        var none = mine
        none.merge(theirs, weight: 0)
        #expect(none == mine, "a weight of 0 changes nothing")
        #expect(applied(none) == applied(mine))

        var light = mine
        light.merge(theirs, weight: 0.25)
        let shelf = light.emotions[.dark]![.highShelfGain]!, theirShelf = theirs.emotions[.dark]![.highShelfGain]!
        #expect(shelf.sessions == 2 && shelf.tweaks == 8 && shelf.offset == theirShelf.offset && theirShelf.offset > 1, "\(shelf)")
        // Two sessions of evidence apply it at half weight; their eight, whole, gave 8/10.
        let darkShelf = light.offsets(for: .dark).offsets[.highShelfGain]!.value
        #expect(abs(darkShelf - theirShelf.offset / 2) < 1e-9, "\(darkShelf)")
        let tilt = light.emotions[.calm]![.tilt]!
        #expect(tilt.sessions == 4 && abs(tilt.offset - 0) < 1e-9, "(2·1 + 2·(−1)) / 4: \(tilt)")
        #expect(light.sessions == 4)
    }

    /// Counts stop at `countLimit` instead of overflowing (a trap that ended the process) and the
    /// profile still reads back.
    @Test func countsStopAtTheirLimit() throws {
        var profile = StyleProfile(), other = StyleProfile()
        let tweak = TweakRecord(session: "s", parameter: .tilt, old: 0, new: 1, suggested: 0, emotion: .calm, intensity: 0.5, time: 0)
        profile.learn(session: [tweak])
        other.learn(session: [tweak])
        let limit = StyleProfile.countLimit
        other.sessions = limit
        other.emotions[.calm]![.tilt]!.sessions = limit
        other.emotions[.calm]![.tilt]!.tweaks = limit
        other.overall[.tilt]!.up = limit
        profile.merge(other, weight: 100)
        profile.learn(session: [tweak])
        #expect(profile.sessions == limit && profile.emotions[.calm]![.tilt]!.sessions == limit
                && profile.emotions[.calm]![.tilt]!.tweaks == limit && profile.overall[.tilt]!.up == limit)
        #expect(try StyleProfile.decode(profile.encoded()) == profile)
    }

    /// The exciter's mode is a choice: what the user picks is a vote, and enough votes switch
    /// the AI's pick. (A quarter of its range, the bound a number gets, could never switch it:
    /// ten sessions that all chose tube left the AI on tape, with a "+0.2 … tape → tape" move.)
    @Test func aChoiceIsLearnedAsAVote() throws {
        let mode = { (emotion: Emotion, profile: StyleProfile?) -> (Double, [AIMove]) in
            let decision = MasterModel().decide(for: Self.mix, .init(emotion: emotion, intensity: 0.6,
                                                                      style: profile?.offsets(for: emotion) ?? StyleOffsets()))
            return (decision.settings[.exciterMode], decision.moves.filter { $0.parameter == "exciter.mode" && $0.reason.hasPrefix("your style") })
        }
        #expect(mode(.powerful, nil).0 == 0 && mode(.dark, nil).0 == 1, "the AI's own picks: tape for powerful, tube for dark")
        var profile = StyleProfile()
        func session(_ index: Int, _ emotion: Emotion, from ai: Double, to chosen: Double) {
            profile.learn(session: [TweakRecord(session: "s\(index)", parameter: .exciterMode, old: ai, new: chosen, suggested: ai,
                                                emotion: emotion, intensity: 0.6, time: 10)])
        }
        // One session is a third of a vote: no switch, and no move that changes nothing.
        session(1, .powerful, from: 0, to: 1)
        #expect(mode(.powerful, profile).0 == 0 && mode(.powerful, profile).1.isEmpty, "\(mode(.powerful, profile).1)")
        #expect(StyleTrends(profile).sentences() == ["You like tube colour in powerful sections (exciter mode, 1 tweak)"])
        // Two sessions are half a vote: the AI now picks tube, and says why.
        session(2, .powerful, from: 0, to: 1)
        let (picked, moves) = mode(.powerful, profile)
        #expect(picked == 1)
        #expect(moves.map(\.reason) == ["your style: exciter mode tube in powerful sections, from 2 tweaks"] && moves.first?.from == 0 && moves.first?.to == 1)
        // Either way: two sessions that took dark's tube back to tape.
        session(3, .dark, from: 1, to: 0); session(4, .dark, from: 1, to: 0)
        #expect(mode(.dark, profile).0 == 0 && mode(.dark, profile).1.first?.reason == "your style: exciter mode tape in dark sections, from 2 tweaks")
        // Other emotions are untouched (two emotions are not an overall taste).
        #expect(mode(.calm, profile).0 == mode(.calm, nil).0 && mode(.calm, profile).1.isEmpty)
    }

    @Test func trendsAreSentences() {
        var profile = StyleProfile()
        for session in Self.scriptedSessions(4) { profile.learn(session: session) }
        #expect(StyleTrends(profile).sentences() == ["You like brighter highs in dark sections (+2.0 dB high shelf, 8 tweaks)"])
    }

    /// The ceiling is a limit the user sets for a run, and the model never moves it: a ceiling
    /// trend says so, or "You like more headroom under the ceiling" reads as a promise.
    @Test func aCeilingTrendSaysItIsNeverApplied() {
        var profile = StyleProfile()
        for index in 1...2 {
            profile.learn(session: [TweakRecord(session: "s\(index)", parameter: .limiterCeiling, old: -1, new: -2, suggested: -1,
                                                emotion: .dark, intensity: 0.6, time: 10)])
        }
        #expect(StyleTrends(profile).sentences()
            == ["You like more headroom under the ceiling in dark sections (−1.0 dBTP ceiling, 2 tweaks; never applied: --ceiling sets it)"])
        let moves = MasterModel().decide(for: Self.mix, .init(emotion: .dark, intensity: 0.6, style: profile.offsets(for: .dark))).moves
        #expect(!moves.contains { $0.parameter == "limiter.ceiling_dbtp" }, "\(moves)")
    }
}
