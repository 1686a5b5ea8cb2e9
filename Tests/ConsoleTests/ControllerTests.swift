import Console
import MasteringAI
import MasteringDSP
import Playback
import Testing

/// Small fakes at the console's two seams: what keys do, and what learning records.
final class FakeEngine: ConsoleEngine {
    var meters = MeterSnapshot()
    var offsets: [ChainParameter: Double] = [:]
    var bypassed = false, looping = false, toggles = 0, seeks: [Double] = []
    var snapshot: MeterSnapshot { var s = meters; s.isBypassed = bypassed; return s }
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
    func suggestion(atSeconds seconds: Double) -> ChainSettings {
        var settings = ChainSettings()
        settings[.highShelfGain] = -1.5
        return settings
    }
    func styleOffsets(for emotion: Emotion) -> StyleOffsets { StyleOffsets([.highShelfGain: .init(value: 0.5, evidence: 3)]) }
    func setEmotion(_ emotion: Emotion?, section: Int) { emotions.append((emotion, section)) }
    func saveLearning(_ records: [TweakRecord]) throws -> String { saved.append(records); profile.learn(session: records); return "saved \(records.count)" }
    func startExport(adjustments: [ChainParameter: Double]) -> String { exports.append(adjustments); return "x-master.wav" }
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
        #expect(records.allSatisfy { $0.parameter == .highShelfGain && $0.suggested == -1.5 && $0.emotion == .dark && $0.time == 12 })
        #expect(records.map(\.new) == [-1.0, -0.5, 0.0])
        #expect(controller.state.message == "saved 3")
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
}
