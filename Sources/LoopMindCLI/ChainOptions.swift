import ArgumentParser
import AudioIO
import DemoSong
import Foundation
import MasteringAI
import MasteringDSP
import Rendering
import StyleStore

/// The options every command that drives the chain shares (`master`, `play`, `console`):
/// where the emotion graph comes from, the loudness target and ceiling, and the style.
struct ChainOptions: ParsableArguments {
    @Option(help: "powerful, calm, dreamy, dark, bright or auto.")
    var emotion: String = "auto"

    @Option(parsing: .unconditional, help: "How strongly the emotion shapes the master, 0…1.")
    var intensity: Double?

    // `.unconditional`: the next word is the value even when it starts with a dash, so
    // `--target -14` and `--ceiling -2` mean what a mastering engineer types (not "missing value").
    @Option(parsing: .unconditional, help: "Integrated loudness target, LUFS, e.g. -14 (overrides the emotion's).")
    var target: Double?

    @Option(help: "A platform's target and ceiling: \(Platform.allCases.map(\.rawValue).joined(separator: ", ")).")
    var platform: String?

    @Option(parsing: .unconditional, help: "True-peak ceiling, dBTP (default -1, or the platform's).")
    var ceiling: Double?

    @Option(name: .customLong("emotion-map"),
            help: "A JSON emotion map {\"sections\":[{\"start\":0,\"emotion\":\"calm\",\"intensity\":0.4}, …]}; wins over --emotion.")
    var emotionMap: String?

    @Option(parsing: .unconditional, help: "Seconds over which settings crossfade at each section boundary.")
    var transition: Double = 2

    @Option(help: "The style profile to apply: a name (default 'default') or a path.")
    var profile: String?

    @Flag(name: .customLong("no-style"), help: "Do not apply the learned style.")
    var noStyle = false

    @Option(name: .customLong("reference"),
            help: "A master whose tone, loudness, dynamics and width to match (repeat to average several).")
    var references: [String] = []

    @Option(name: .customLong("reference-target"),
            help: "A reference target saved with 'loopmind style reference add' (instead of --reference files).")
    var referenceTarget: String?

    @Option(name: .customLong("match-amount"), parsing: .unconditional,
            help: "How far to match the reference, 0 (the AI's own master) … 1 (the full match).")
    var matchAmount: Double?

    func validate() throws {
        if let intensity, !(0...1).contains(intensity) {
            throw ValidationError("--intensity must be between 0 and 1 (got \(intensity))")
        }
        if emotion != "auto" && Emotion(rawValue: emotion) == nil {
            throw ValidationError("unknown emotion '\(emotion)'; use \(Emotion.allCases.map(\.rawValue).joined(separator: ", ")) or auto")
        }
        if let platform, Platform(rawValue: platform) == nil {
            throw ValidationError("unknown platform '\(platform)'; use \(Platform.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if target != nil && platform != nil {
            throw ValidationError("give --target or --platform, not both")
        }
        if let target, !(target <= 0 && target >= -40) {
            throw ValidationError("--target must be between -40 and 0 LUFS (got \(target))")
        }
        if let ceiling, !(ceiling <= 0 && ceiling >= -6) {
            throw ValidationError("--ceiling must be between -6 and 0 dBTP (got \(ceiling))")
        }
        if profile != nil && noStyle {
            throw ValidationError("give --profile or --no-style, not both")
        }
        if !references.isEmpty && referenceTarget != nil {
            throw ValidationError("give --reference or --reference-target, not both")
        }
        if let matchAmount {
            guard matchAmount >= 0 && matchAmount <= 1 else {
                throw ValidationError("--match-amount must be between 0 and 1 (got \(matchAmount))")
            }
            guard !references.isEmpty || referenceTarget != nil else {
                throw ValidationError("--match-amount needs --reference or --reference-target")
            }
        }
        if let referenceTarget, !StyleProfile.isReferenceName(referenceTarget) {
            throw ValidationError("'\(referenceTarget)' is not a reference name (letters, digits, - and _)")
        }
        if !(transition >= 0 && transition <= 30) {
            throw ValidationError("--transition must be between 0 and 30 seconds (got \(transition))")
        }
    }

    /// A failure as the user reads it: map errors (parsing, or a section after the end found
    /// when the track is measured) name the map.
    func failure(_ error: any Error) -> CommandFailure {
        if let failure = error as? CommandFailure { return failure }
        if let error = error as? EmotionGraph.MapError {
            return CommandFailure("bad emotion map '\(emotionMap ?? "")': \(error.description)")
        }
        return CommandFailure(error)
    }

    var platformChoice: Platform? { platform.flatMap(Platform.init(rawValue:)) }
    /// `+ 0` makes a typed `-0` zero, so it is not reported as "-0.0 dBTP" or "-0.0 LUFS".
    var ceilingDBTP: Double { (ceiling ?? platformChoice?.ceilingDBTP ?? -1) + 0 }
    var targetLUFS: Double? { (target ?? platformChoice?.targetLUFS).map { $0 + 0 } }

    /// The offline master's job for `input` ('demo': the built-in song). Reads the emotion map
    /// and the style profile (a bad map is a `CommandFailure` naming it; a bad profile is kept
    /// aside with a warning). `profileMayBeNew`: a `--profile` path not made yet is a fresh
    /// profile (the console's learning makes it), not a "no such file".
    func job(input: String, outputPath: String, encoding: SampleEncoding? = nil, profileMayBeNew: Bool = false) throws -> OfflineMaster.Job {
        let openSource: () throws -> any AudioSource = {
            input == "demo" ? DemoSongSource() : try SoundFileReader(path: input)
        }
        let choice: OfflineMaster.EmotionChoice
        if let emotionMap {
            do {
                let data = try AtomicFile.read(emotionMap, limit: 1 << 20, kind: "an emotion map")
                choice = .map(try EmotionGraph.parseMap(data))
            } catch let error as EmotionGraph.MapError {
                throw CommandFailure("bad emotion map '\(emotionMap)': \(error.description)")
            }
        } else if let named = Emotion(rawValue: emotion) {
            choice = .whole(named, intensity: intensity)
        } else {
            choice = .auto(intensity: intensity)
        }
        var style: StyleProfile?
        if !noStyle {
            style = try store().load(givenFileMayBeNew: profileMayBeNew)
        }
        return OfflineMaster.Job(openSource: openSource, inputName: input, outputPath: outputPath, emotions: choice,
                                 targetLUFS: targetLUFS, ceilingDBTP: ceilingDBTP,
                                 style: { emotion in style?.offsets(for: emotion) ?? StyleOffsets() },
                                 encoding: encoding, transitionSeconds: transition,
                                 reference: try referenceChoice(profileMayBeNew: profileMayBeNew), matchAmount: matchAmount ?? 1)
    }

    private func store() throws -> StyleStore {
        try StyleStore(profile: profile) { warning in
            StandardError.say("warning: \(warning)")
        }
    }

    /// What to match: the `--reference` files learned now (averaged), or a saved target.
    func referenceChoice(profileMayBeNew: Bool = false) throws -> ReferenceTarget? {
        if !references.isEmpty {
            do {
                return try ReferenceLearner.learn(paths: references) { StandardError.warnIfCutShort($1, name: $0) }
            } catch { throw CommandFailure(error) }
        }
        guard let referenceTarget else { return nil }
        let saved = try store().load(givenFileMayBeNew: profileMayBeNew).references
        guard let target = saved[referenceTarget] else { throw Style.Reference.notSaved(referenceTarget, among: saved.keys) }
        return target
    }
}
