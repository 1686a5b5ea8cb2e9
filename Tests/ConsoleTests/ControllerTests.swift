import Console
import MasteringAI
import MasteringDSP
import Playback
import Testing

/// Small fakes at the console's two seams: what keys do, and what learning records.
final class FakeEngine: ConsoleEngine {
    var meters = MeterSnapshot()
    var offsets: [ChainParameter: Double] = [:]
    var bypassed = false, looping = false, toggles = 0, seeks: [Double] = [], hearingReference = false
    var snapshot: MeterSnapshot { var s = meters; s.isBypassed = bypassed; s.isReferenceHeard = hearingReference; return s }
    func listenToReference(_ on: Bool) { hearingReference = on }
    func togglePlay() { toggles += 1 }
    func seek(bySeconds seconds: Double) { seeks.append(seconds) }
    func nextSection() {}
    func previousSection() {}
    func loopSection(_ on: Bool) { looping = on }
    var isLooping: Bool { looping }
    func setBypass(_ on: Bool) { bypassed = on }
    func setAdjustment(_ parameter: ChainParameter, offset: Double) { offsets[parameter] = offset }
    func adjustment(_ parameter: ChainParameter) -> Double { offsets[parameter] ?? 0 }
}

final class FakeSession: ConsoleSession {
    var sections = [ConsoleState.Section(start: 0, end: 30, emotion: .dark, intensity: 0.6)]
    var targetLUFS = -10.0
    var ceilingDBTP = -1.0
    var saved: [[TweakRecord]] = []
    var emotions: [(Emotion?, Int)] = []
    var profile = StyleProfile()
    var exportStatus: String?
    var exports: [[ChainParameter: Double]] = []
    /// The style's part of the high shelf, and where a save takes it (the real session re-plans
    /// with the learned style): the suggestion is the AI's own -2.0 dB plus it.
    var highShelfStyle = 0.5, highShelfStyleAfterSave: Double?
    func suggestion(atSeconds seconds: Double) -> ChainSettings {
        var settings = ChainSettings()
        settings[.highShelfGain] = -2.0 + highShelfStyle
        return settings
    }
    func styleShift(atSeconds seconds: Double) -> [ChainParameter: Double] { [.highShelfGain: highShelfStyle] }
    func setEmotion(_ emotion: Emotion?, section: Int) { emotions.append((emotion, section)) }
    struct SaveFailed: Error, CustomStringConvertible { var description: String { "the disk is full" } }
    var failsToSave = false
    func saveLearning(_ records: [TweakRecord]) throws -> String {
        if failsToSave { throw SaveFailed() }
        saved.append(records); profile.learn(session: records)
        if let highShelfStyleAfterSave { highShelfStyle = highShelfStyleAfterSave }
        return "saved \(records.count)"
    }
    func startExport(adjustments: [ChainParameter: Double]) -> String { exports.append(adjustments); return "x-master.wav" }
    var referenceChoices = [ReferenceChoice(source: .saved("warm"), label: "warm (saved target)"),
                            ReferenceChoice(source: .file("/music/hit.wav"), label: "hit.wav")]
    var chosen: [ReferenceChoice?] = []
    var referenceName: String?
    var canListenToReference = false
    var referenceStatus: String?
    var isLearningReference = false
    var updates = 0
    func chooseReference(_ choice: ReferenceChoice?) { chosen.append(choice) }
    func update() { updates += 1 }
}

struct ControllerTests {
    func make(learning: Bool = false) -> (ConsoleController, FakeEngine, FakeSession) {
        let engine = FakeEngine(), session = FakeSession()
        engine.meters.playheadSeconds = 12
        let controller = ConsoleController(engine: engine, session: session, fileName: "x.wav", noAudio: false,
                                           themes: ["ansi16", "midnight"], theme: "midnight", learning: learning)
        return (controller, engine, session)
    }

    @Test func learningRecordsEveryTweakWithTheAISuggestionAndSavesWhenItEnds() {
        let (controller, engine, session) = make()
        _ = controller.handle(.character("L"))
        #expect(controller.state.learning)
        for _ in 0..<3 { _ = controller.handle(.down) }
        #expect(ChainParameter.allCases[controller.state.selected] == .highShelfGain)
        for _ in 0..<3 { _ = controller.handle(.character("+")) }
        #expect(abs(engine.offsets[.highShelfGain]! - 1.5) < 1e-9, "three steps of 0.5 dB over the AI's value")
        #expect(controller.state.parameters[controller.state.selected].value == 0)
        _ = controller.handle(.character("L"))
        #expect(!controller.state.learning)
        let records = try! #require(session.saved.first)
        #expect(records.count == 3)
        // Against the AI's own suggestion, the style's +0.5 dB not included: the trainer learns
        // the whole of the user's taste, not what the style has not yet given.
        #expect(records.allSatisfy { $0.parameter == .highShelfGain && $0.suggested == -2.0 && $0.emotion == .dark && $0.time == 12 })
        #expect(records.map(\.new) == [-1.0, -0.5, 0.0])
        #expect(controller.state.message == "saved 3")
    }

    /// The saved tweaks move the AI's suggestion toward them; what is heard must not move too.
    @Test func endingASessionKeepsWhatIsHeardAsTheStyleMovesTheSuggestion() {
        let (controller, engine, session) = make()
        session.highShelfStyleAfterSave = 1.5   // the style learned +1 dB more of the +2 dB chosen
        _ = controller.handle(.character("L"))
        for _ in 0..<3 { _ = controller.handle(.down) }
        for _ in 0..<4 { _ = controller.handle(.character("+")) }
        #expect(controller.state.parameters[controller.state.selected].value == 0.5)
        _ = controller.handle(.character("L"))
        #expect(controller.state.message == "saved 4")
        let row = controller.state.parameters[controller.state.selected]
        #expect(row.suggestion == -0.5)
        #expect(row.value == 0.5, "the high shelf stays where the user put it: \(row.value) dB")
        #expect(abs(engine.offsets[.highShelfGain]! - 1.0) < 1e-9, "the offset is what is left over the new suggestion")
        #expect(engine.offsets[.lowShelfGain, default: 0] == 0, "a parameter not tweaked keeps no offset")
    }

    @Test func quittingEndsTheSessionAndTweaksOutsideLearningAreNotRecorded() {
        let (controller, _, session) = make(learning: true)
        _ = controller.handle(.character("+"))
        #expect(controller.handle(.character("q")) == .quit)
        #expect(controller.finish() != nil)
        #expect(session.saved.count == 1)
        let (other, _, otherSession) = make()
        _ = other.handle(.character("+"))
        #expect(other.finish() == nil && otherSession.saved.isEmpty)
    }

    /// A session that could not be saved is said, and remembered for the exit status, even when
    /// a later one saves.
    @Test func aSessionThatCouldNotBeSavedIsRemembered() {
        let (controller, _, session) = make(learning: true)
        session.failsToSave = true
        _ = controller.handle(.character("+"))
        _ = controller.handle(.character("L"))
        #expect(controller.state.message == "could not save the style profile: the disk is full")
        #expect(controller.saveFailure == controller.state.message)
        session.failsToSave = false
        _ = controller.handle(.character("L"))
        _ = controller.handle(.character("+"))
        #expect(controller.finish() == "saved 1" && controller.saveFailure == "could not save the style profile: the disk is full")
        let (clean, _, _) = make(learning: true)
        _ = clean.handle(.character("+"))
        #expect(clean.finish() == "saved 1" && clean.saveFailure == nil)
    }

    /// The sound server went away mid-session: the header says "no audio" and a message says why.
    @Test func aLostSoundServerIsShownAndTheSessionGoesOn() {
        let (controller, engine, _) = make()
        #expect(!controller.state.noAudio)
        engine.meters.outputLost = "the sound server went away (Connection terminated)"
        #expect(controller.refresh())
        #expect(controller.state.noAudio)
        #expect(controller.state.message?.contains("sound server went away") == true)
        #expect(controller.state.message?.contains("q saves and quits") == true)
        let header = String(ScreenView.draw(controller.state, width: 100, height: 30).text.split(separator: "\n")[0])
        #expect(header.contains("■ stopped") && !header.contains("playing"), "\(header)")
    }

    /// `w` while a chosen reference is still being learned would export the master without it,
    /// while the console goes on to play it with: it says to wait instead, and exports once matched.
    @Test func anExportWaitsForTheReferenceBeingLearned() {
        let (controller, _, session) = make()
        session.isLearningReference = true
        _ = controller.handle(.character("w"))
        #expect(session.exports.isEmpty)
        #expect(controller.state.message == "the reference is still being learned: press w once it is matched", "\(controller.state.message ?? "")")
        session.isLearningReference = false
        _ = controller.handle(.character("w"))
        #expect(session.exports.count == 1 && controller.state.message == "exporting x-master.wav in the background")
    }

    @Test func keysReachTheEngineAndTheSession() {
        let (controller, engine, session) = make()
        _ = controller.handle(.character(" "))
        _ = controller.handle(.left); _ = controller.handle(.shiftRight)
        _ = controller.handle(.character("b"))
        _ = controller.handle(.character("3")); _ = controller.handle(.character("e"))
        _ = controller.handle(.character("]")); _ = controller.handle(.character("}"))
        _ = controller.handle(.character("w"))
        _ = controller.handle(.character("t"))
        #expect(engine.toggles == 1 && engine.seeks == [-5, 30] && engine.bypassed)
        #expect(session.emotions.count == 2 && session.emotions[0].0 == .dreamy && session.emotions[1].0 == nil)
        #expect(abs(engine.offsets[.inputTrim]! - (0.1 + 2.5)) < 1e-9, "fine is a fifth of a step, coarse five steps")
        #expect(session.exports == [[.inputTrim: engine.offsets[.inputTrim]!]])
        #expect(controller.state.themeName == "ansi16")
        _ = controller.handle(.character("?"))
        #expect(controller.state.view == .help)
        _ = controller.handle(.character("x"))
        #expect(controller.state.view == .main)
        _ = controller.handle(.character("m"))
        #expect(controller.state.view == .myStyle)
    }

    @Test func rChoosesAReferenceAndAPlaysItInsteadOfTheMaster() {
        let (controller, engine, session) = make()
        _ = controller.handle(.character("a"))
        #expect(!engine.hearingReference && controller.state.message == "no reference yet: press r to choose one")
        _ = controller.handle(.character("r"))
        #expect(controller.state.view == .reference)
        #expect(controller.state.referenceChoices == ["none: the AI's own master", "warm (saved target)", "hit.wav"])
        let screen = ScreenView.draw(controller.state, width: 100, height: 30).text
        #expect(screen.contains("REFERENCE") && screen.contains("› ● none") && screen.contains("hit.wav"))
        _ = controller.handle(.down); _ = controller.handle(.down)
        _ = controller.handle(.character("\n"))
        #expect(session.chosen == [ReferenceChoice(source: .file("/music/hit.wav"), label: "hit.wav")])
        #expect(controller.state.view == .main)
        // The session learned it in the background: the header names it, and a plays it level-matched.
        session.referenceName = "hit.wav"; session.canListenToReference = true
        engine.bypassed = true
        _ = controller.refresh()
        _ = controller.handle(.character("a"))
        #expect(engine.hearingReference && !engine.bypassed, "the reference replaces the bypass")
        let header = ScreenView.draw(controller.state, width: 100, height: 30).lines[0]
        #expect(header.contains("A/B: R reference") && header.contains("≈ hit.wav"), "\(header)")
        _ = controller.handle(.character("b"))
        #expect(!engine.hearingReference && engine.bypassed, "b goes to the original")
        // A saved target has no audio: a says so; none clears the reference.
        session.canListenToReference = false
        _ = controller.handle(.character("a"))
        #expect(controller.state.message == "a saved target has no audio to A/B: choose a file with r")
        _ = controller.handle(.character("r")); _ = controller.handle(.up); _ = controller.handle(.up)
        _ = controller.handle(.character("\r"))
        #expect(session.chosen.last == .some(nil))
        #expect(session.updates > 0, "background work is applied on the console's thread")
    }
}
