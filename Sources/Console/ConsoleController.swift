import Foundation
import MasteringAI
import MasteringDSP
import Playback

/// What the console needs of the playback engine: transport, A/B, offsets and meters.
public protocol ConsoleEngine: AnyObject {
    var snapshot: MeterSnapshot { get }
    func togglePlay()
    func seek(bySeconds seconds: Double)
    func nextSection()
    func previousSection()
    func loopSection(_ on: Bool)
    var isLooping: Bool { get }
    func setBypass(_ on: Bool)
    /// A/B against the reference the session loaded (level-matched).
    func listenToReference(_ on: Bool)
    func setAdjustment(_ parameter: ChainParameter, offset: Double)
    func adjustment(_ parameter: ChainParameter) -> Double
}

extension PlaybackEngine: ConsoleEngine {}

/// What the console needs of the AI side: the emotion graph, the suggestions, the style, export.
public protocol ConsoleSession: AnyObject {
    var sections: [ConsoleState.Section] { get }
    var targetLUFS: Double { get }
    var ceilingDBTP: Double { get }
    /// The AI's settings at a time (the learned style included).
    func suggestion(atSeconds seconds: Double) -> ChainSettings
    /// What the learned style added to the AI's settings at a time (after clamping; nothing
    /// where it added nothing): the panel's style column, and tweaks are recorded against the
    /// suggestion before it.
    func styleShift(atSeconds seconds: Double) -> [ChainParameter: Double]
    /// A section's emotion from the user (nil: back to the estimate); the plan is remade.
    func setEmotion(_ emotion: Emotion?, section: Int)
    /// Ends a learning session: the tweaks go to the trainer and the profile is saved.
    func saveLearning(_ records: [TweakRecord]) throws -> String
    var profile: StyleProfile { get }
    /// Starts an offline export with the user's offsets; returns the output's name.
    func startExport(adjustments: [ChainParameter: Double]) -> String
    /// "exporting … 42 %" or the result, while there is something to say.
    var exportStatus: String? { get }

    /// What `r` offers, in order: saved targets, the `--reference` files, audio files nearby.
    var referenceChoices: [ReferenceChoice] { get }
    /// Matches a choice (nil: back to the AI's own master). Learning runs in the background;
    /// `referenceStatus` says how it goes and `update` applies it.
    func chooseReference(_ choice: ReferenceChoice?)
    /// The reference being matched, if any.
    var referenceName: String? { get }
    /// Whether the reference has audio to A/B against (a saved target has none).
    var canListenToReference: Bool { get }
    /// "learning x.wav …", "matching x.wav: …", or an error, while there is something to say.
    var referenceStatus: String? { get }
    /// A chosen reference is still being learned: an export started now would be made without it.
    var isLearningReference: Bool { get }
    /// Applies background work that has finished (a learned reference), on the console's thread.
    func update()
}

/// One thing `r` can match: a target saved in the style profile, or an audio file.
public struct ReferenceChoice: Equatable, Sendable {
    public enum Source: Equatable, Sendable { case saved(String), file(String) }
    public var source: Source
    /// What the list shows.
    public var label: String
    public init(source: Source, label: String) { self.source = source; self.label = label }
}

/// A key, decoded from the terminal in one place.
public enum Key: Equatable, Sendable {
    case character(Character)
    case left, right, shiftLeft, shiftRight, up, down
    case resize
}

/// Turns keys into actions on the engine and the session, and keeps `state` current.
public final class ConsoleController {
    public enum Effect { case none, redraw, quit }

    public private(set) var state = ConsoleState()
    private let engine: ConsoleEngine
    private let session: ConsoleSession
    private let themes: [String]
    private var records: [TweakRecord] = []
    private var sessionID = ""
    private var lastSequence = -1
    private var messageUntil = 0.0
    private var choices: [ReferenceChoice] = []
    /// Applies the theme named; returns what was wrong in its file, said instead of its name.
    public var onThemeChange: ((String) -> String?)?

    public init(engine: ConsoleEngine, session: ConsoleSession, fileName: String, noAudio: Bool,
                themes: [String], theme: String, learning: Bool) {
        self.engine = engine
        self.session = session
        self.themes = themes
        state.fileName = fileName
        state.noAudio = noAudio
        state.themeName = theme
        state.targetLUFS = session.targetLUFS
        state.ceilingDBTP = session.ceilingDBTP
        state.styleProfile = session.profile
        if learning { startLearning() }
        _ = refresh()
    }

    /// Pulls the meters and the AI's values; true when something on screen may have changed.
    public func refresh() -> Bool {
        let snapshot = engine.snapshot
        var changed = snapshot.sequence != lastSequence
        lastSequence = snapshot.sequence
        state.meters = snapshot
        if let lost = snapshot.outputLost, !state.noAudio {
            // Nothing plays or meters any more; the session (learning, export) still works.
            state.noAudio = true
            say("\(lost): playback stopped; q saves and quits")
            changed = true
        }
        session.update()
        state.sections = session.sections
        state.targetLUFS = session.targetLUFS
        let suggestion = session.suggestion(atSeconds: snapshot.playheadSeconds)
        // What the style added, not what it holds: the ceiling and an asked-for target take none.
        let style = session.styleShift(atSeconds: snapshot.playheadSeconds)
        state.parameters = ChainParameter.allCases.map { parameter in
            let offset = engine.adjustment(parameter)
            return ConsoleState.ParameterRow(parameter: parameter,
                                             value: parameter.spec.clamped(suggestion[parameter] + offset),
                                             suggestion: suggestion[parameter],
                                             styleOffset: style[parameter] ?? 0)
        }
        let export = session.exportStatus
        if export != state.exportStatus { state.exportStatus = export; changed = true }
        let reference = session.referenceName, referenceStatus = session.referenceStatus
        if reference != state.referenceName || referenceStatus != state.referenceStatus {
            state.referenceName = reference; state.referenceStatus = referenceStatus; changed = true
        }
        if state.message != nil && Date().timeIntervalSince1970 > messageUntil { state.message = nil; changed = true }
        return changed
    }

    /// Shows a message for a few seconds (start-up notices, results).
    public func announce(_ message: String) { say(message) }

    private func say(_ message: String) {
        state.message = message
        messageUntil = Date().timeIntervalSince1970 + 5
    }

    public func handle(_ key: Key) -> Effect {
        if state.view == .reference, key != .resize { return handleReferenceKey(key) }
        if state.view != .main, key != .resize {
            // Any key closes help and My Style (q still quits).
            if key == .character("q") { return .quit }
            state.view = .main
            return .redraw
        }
        switch key {
        case .resize: return .redraw
        case .character(" "): engine.togglePlay()
        case .left: engine.seek(bySeconds: -5)
        case .right: engine.seek(bySeconds: 5)
        case .shiftLeft: engine.seek(bySeconds: -30)
        case .shiftRight: engine.seek(bySeconds: 30)
        case .character("n"): engine.nextSection()
        case .character("p"): engine.previousSection()
        case .character("l"):
            engine.loopSection(!engine.isLooping)
            say(engine.isLooping ? "looping section \(state.currentSection + 1)" : "loop off")
        case .up, .character("k"): state.selected = (state.selected + ChainParameter.allCases.count - 1) % ChainParameter.allCases.count
        case .down, .character("j"): state.selected = (state.selected + 1) % ChainParameter.allCases.count
        case .character("+"), .character("="): tweak(steps: 1)
        case .character("-"), .character("_"): tweak(steps: -1)
        case .character("]"): tweak(steps: 0.2)
        case .character("["): tweak(steps: -0.2)
        case .character("}"): tweak(steps: 5)
        case .character("{"): tweak(steps: -5)
        case .character("0"): setOffset(0)
        case .character(let c) where ("1"..."5").contains(c):
            let emotion = [Emotion.powerful, .calm, .dreamy, .dark, .bright][Int(String(c))! - 1]
            session.setEmotion(emotion, section: state.currentSection)
            say("section \(state.currentSection + 1) is \(emotion.rawValue) now: the AI re-planned it")
        case .character("e"):
            session.setEmotion(nil, section: state.currentSection)
            say("section \(state.currentSection + 1) back to the estimated emotion")
        case .character("b"):
            if state.meters.isReferenceHeard { engine.listenToReference(false) }
            engine.setBypass(!state.meters.isBypassed)
        case .character("L"): if state.learning { stopLearning() } else { startLearning() }
        case .character("m"): state.styleProfile = session.profile; state.view = .myStyle
        case .character("?"): state.view = .help
        case .character("s"): state.wideScale.toggle()
        case .character("r"):
            choices = session.referenceChoices
            state.referenceChoices = ["none: the AI's own master"] + choices.map(\.label)
            let current = choices.firstIndex { $0.label == session.referenceName }
            state.referenceSelected = current.map { $0 + 1 } ?? 0
            state.view = .reference
        case .character("a"): toggleReference()
        case .character("t"):
            let index = themes.firstIndex(of: state.themeName).map { ($0 + 1) % themes.count } ?? 0
            if !themes.isEmpty {
                state.themeName = themes[index]
                let problem = onThemeChange?(state.themeName) ?? nil
                say(problem ?? "theme: \(state.themeName)")
            }
        case .character("w"):
            var adjustments: [ChainParameter: Double] = [:]
            for parameter in ChainParameter.allCases where engine.adjustment(parameter) != 0 { adjustments[parameter] = engine.adjustment(parameter) }
            // The master the user chose: not the one before the reference they have just picked.
            if session.isLearningReference {
                say("the reference is still being learned: press w once it is matched")
            } else {
                let name = session.startExport(adjustments: adjustments)
                say("exporting \(name) in the background")
            }
        case .character("q"): return .quit
        default: return .none
        }
        _ = refresh()
        return .redraw
    }

    /// The reference panel: ↑↓ choose, enter matches, a toggles the A/B, anything else returns.
    private func handleReferenceKey(_ key: Key) -> Effect {
        let count = state.referenceChoices.count
        switch key {
        case .up, .character("k"): state.referenceSelected = (state.referenceSelected + count - 1) % max(1, count)
        case .down, .character("j"): state.referenceSelected = (state.referenceSelected + 1) % max(1, count)
        case .character("\n"), .character("\r"):
            let index = state.referenceSelected
            let choice = index == 0 || index > choices.count ? nil : choices[index - 1]
            session.chooseReference(choice)
            say(choice.map { "learning \($0.label): the AI will match it" } ?? "no reference: the AI's own master")
            state.view = .main
        case .character("a"): toggleReference()
        case .character("q"): return .quit
        default: state.view = .main
        }
        _ = refresh()
        return .redraw
    }

    /// A/B between the master and the reference, both at the master's loudness.
    private func toggleReference() {
        guard session.canListenToReference else {
            say(session.referenceName == nil ? "no reference yet: press r to choose one"
                                             : "a saved target has no audio to A/B: choose a file with r")
            return
        }
        let on = !state.meters.isReferenceHeard
        if on && state.meters.isBypassed { engine.setBypass(false) }
        engine.listenToReference(on)
        say(on ? "A/B: the reference \(session.referenceName ?? ""), level-matched to the master" : "A/B: the master")
    }

    private func tweak(steps: Double) {
        let parameter = ChainParameter.allCases[state.selected]
        let spec = parameter.spec
        let step = spec.unit == .choice ? (steps > 0 ? 1.0 : -1.0) : spec.step * steps
        let row = state.parameters[state.selected]
        let new = spec.clamped(row.value + step)
        guard new != row.value else { return }
        setOffset(new - row.suggestion)
    }

    /// Sets the selected parameter's offset; in learning mode the tweak is recorded.
    private func setOffset(_ offset: Double) {
        let parameter = ChainParameter.allCases[state.selected]
        let row = state.parameters[state.selected]
        engine.setAdjustment(parameter, offset: offset)
        let new = parameter.spec.clamped(row.suggestion + offset)
        if state.learning, new != row.value, !state.sections.isEmpty {
            let section = state.sections[state.currentSection]
            let seconds = state.meters.playheadSeconds
            // The trainer learns what the user chose over the AI's own suggestion, the style not
            // included (`MasterModel.Decision.styleShift` says why).
            let suggested = row.suggestion - session.styleShift(atSeconds: seconds)[parameter, default: 0]
            records.append(TweakRecord(session: sessionID, parameter: parameter, old: row.value, new: new,
                                       suggested: suggested, emotion: section.emotion, intensity: section.intensity,
                                       time: seconds))
            state.tweaksThisSession = records.count
        }
    }

    private func startLearning() {
        state.learning = true
        records = []
        state.tweaksThisSession = 0
        sessionID = "console-\(Int(Date().timeIntervalSince1970))-\(getpid())"
        say("learning: your tweaks are recorded (L again or q ends the session and saves)")
    }

    /// Ends the learning session: saves what was recorded. Returns what was said.
    @discardableResult
    public func stopLearning() -> String {
        state.learning = false
        defer { records = []; state.tweaksThisSession = 0 }
        guard !records.isEmpty else {
            say("learning off: nothing was recorded")
            return state.message!
        }
        do {
            // The profile now holds these tweaks, so the style's share of the AI's suggestion
            // grows toward them; the offsets shrink by as much, or ending the session would add
            // them a second time and change what is heard (and exported) without a key pressed.
            // (The style's share, not the whole suggestion: the re-plan's loudness is not yet
            // settled, and that is no reason to move the user's offset.)
            let seconds = state.meters.playheadSeconds
            let before = session.styleShift(atSeconds: seconds)
            let result = try session.saveLearning(records)
            let after = session.styleShift(atSeconds: seconds)
            for parameter in Set(records.map(\.parameter)) {
                let offset = engine.adjustment(parameter)
                let moved = after[parameter, default: 0] - before[parameter, default: 0]
                guard offset != 0, moved != 0 else { continue }
                engine.setAdjustment(parameter, offset: offset - moved)
            }
            state.styleProfile = session.profile
            say(result)
        } catch {
            say("could not save the style profile: \(error)")
            saveFailure = state.message
        }
        return state.message!
    }

    /// What the last learning session that could not be saved said (the console then exits 1).
    public private(set) var saveFailure: String?

    /// On quit: ends a learning session (saving it). Returns what was said, if anything.
    public func finish() -> String? {
        state.learning ? stopLearning() : nil
    }
}
