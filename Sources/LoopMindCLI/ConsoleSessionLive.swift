import AudioIO
import Console
import Foundation
import MasteringAI
import MasteringDSP
import Playback
import Rendering
import StyleStore
import Synchronization

/// The console's AI side on the real parts: the offline master's plan (remade when the user
/// sets an emotion, its loudness loop settled on a background thread and handed to the engine),
/// the style store (learning sessions saved atomically), and exports through the offline master.
final class LiveConsoleSession: ConsoleSession, @unchecked Sendable {
    private struct Shared {
        var plan: MasterPlan
        var automation: ChainAutomation
        var chosen: Set<Int> = []
        var profile: StyleProfile
        var exportStatus: String?
        /// The file the running export writes (nil when none runs), and its stop switch.
        var exporting: String?
        var exportStop: CancelFlag?
        /// Bumped by every new plan: a settling thread whose plan is stale throws its work away.
        var generation = 0
        var referenceName: String?
        var referenceStatus: String?
        var referenceHasAudio = false
        /// A reference learned in the background, waiting for `update` (on the console's thread).
        var learned: LearnedReference?
        /// Bumped by every choice: a learning thread whose choice is stale throws its work away.
        var referenceGeneration = 0
        /// From a choice until `update` applies it (or its learning fails).
        var learningReference = false
    }

    /// What a learning thread hands back.
    struct LearnedReference {
        var name: String
        var target: ReferenceTarget?
        var clip: ReferenceClip?
        /// Set when the file ended well before its header's length (learned from what it holds).
        var cutShort: ShortEnding?
    }

    private let shared: Locked<Shared>
    private var job: OfflineMaster.Job
    private let estimated: EmotionGraph
    private let store: StyleStore?
    private let inputName: String
    private let inputPath: String
    weak var engine: PlaybackEngine?
    private let referenceFiles: [String]

    /// `referenceFiles`: the `--reference` files (their average is matched from the start, and
    /// the first is loaded for A/B); `referenceName`: what the header calls the reference in force.
    init(plan: LivePlan, input: LiveInput, store: StyleStore?, profile: StyleProfile,
         referenceFiles: [String] = [], referenceName: String? = nil) {
        self.referenceFiles = referenceFiles
        job = plan.job
        estimated = plan.plan.graph
        self.store = store
        inputName = input.name
        inputPath = input.path
        shared = Locked(Shared(plan: plan.plan, automation: plan.automation, profile: profile, referenceName: referenceName))
        // The AI reads the profile as it is now (a saved session changes the next plan).
        job.style = { [shared] emotion in shared.withLock { $0.profile.offsets(for: emotion) } }
    }

    var sections: [ConsoleState.Section] {
        shared.withLock { state in
            let graph = state.plan.graph
            let spans = graph.spans(duration: state.plan.input.durationSeconds)
            return graph.sections.enumerated().map { index, section in
                ConsoleState.Section(start: spans[index].lowerBound, end: spans[index].upperBound, emotion: section.emotion,
                                     intensity: section.intensity, chosen: state.chosen.contains(index))
            }
        }
    }

    var targetLUFS: Double { shared.withLock { $0.plan.targetLUFS } }
    var ceilingDBTP: Double { job.ceilingDBTP }
    var profile: StyleProfile { shared.withLock { $0.profile } }
    var exportStatus: String? { shared.withLock { $0.exportStatus } }

    /// Waits for a running export to end, for the console's quit: the user asked for the file.
    /// `cancel` is asked as it waits; when it says so, the export stops at its next read and
    /// leaves nothing behind. Returns the export's last word, or nil when none was running.
    func waitForExport(announce: (String) -> Void, cancel: () -> Bool) -> String? {
        guard let running = shared.withLock({ $0.exporting }) else { return nil }
        announce(cancel() ? "stopping the export of \(running)" : "finishing the export of \(running) (Ctrl-C stops it)")
        while shared.withLock({ $0.exporting }) != nil {
            if cancel() { shared.withLock { $0.exportStop?.set() } }
            usleep(50_000)
        }
        return shared.withLock { $0.exportStatus }
    }

    func suggestion(atSeconds seconds: Double) -> ChainSettings {
        shared.withLock { state in
            state.automation.value(at: Int(seconds * state.plan.input.sampleRate)).settings
        }
    }

    func styleShift(atSeconds seconds: Double) -> [ChainParameter: Double] {
        shared.withLock { state in
            let sections = state.plan.sections
            return (sections.last { $0.span.lowerBound <= seconds } ?? sections.first)?.decision.styleShift ?? [:]
        }
    }

    // MARK: - Reference

    var referenceChoices: [ReferenceChoice] {
        var choices = shared.withLock { $0.profile.references.keys.sorted() }.map {
            ReferenceChoice(source: .saved($0), label: "\($0) (saved target)")
        }
        var seen = Set<String>()
        let folder = inputName == "demo song" ? FileManager.default.currentDirectoryPath
                                              : (inputPath as NSString).deletingLastPathComponent
        let nearby = AudioFileFormat.openableFiles(inFolder: folder)
            .map { folder.isEmpty ? $0 : (folder as NSString).appendingPathComponent($0) }
        for path in referenceFiles + nearby where seen.insert((path as NSString).standardizingPath).inserted {
            guard !AtomicFile.isSameFile(path, inputPath) else { continue }
            choices.append(ReferenceChoice(source: .file(path), label: (path as NSString).lastPathComponent))
        }
        return choices
    }

    var referenceName: String? { shared.withLock { $0.referenceName } }
    var canListenToReference: Bool { shared.withLock { $0.referenceHasAudio } }
    var referenceStatus: String? { shared.withLock { $0.referenceStatus } }
    var isLearningReference: Bool { shared.withLock { $0.learningReference } }

    func chooseReference(_ choice: ReferenceChoice?) {
        guard let choice else {
            shared.withLock { state in
                state.referenceGeneration += 1
                state.referenceName = nil; state.referenceHasAudio = false; state.referenceStatus = nil
                state.learned = nil; state.learningReference = false
            }
            job.reference = nil
            engine?.setReference(nil)
            replan(shared.withLock { $0.plan.graph })
            return
        }
        let generation = shared.withLock { state -> Int in
            state.referenceGeneration += 1
            state.referenceStatus = "learning \(choice.label) …"
            state.learningReference = true
            return state.referenceGeneration
        }
        let saved = shared.withLock { $0.profile.references }
        let work = Handover((job, shared.withLock { $0.plan }, engine?.sampleRate, engine?.channelCount ?? 2))
        Thread.detachNewThread { [shared] in
            let (job, plan, sampleRate, channels) = work.value
            var learned = LearnedReference(name: choice.label)
            do {
                switch choice.source {
                case .saved(let name):
                    guard let target = saved[name] else { throw CommandFailure("no saved reference target '\(name)'") }
                    learned.target = target
                    learned.name = name
                case .file(let path):
                    learned.target = try ReferenceLearner.learn(path: path) { learned.cutShort = $1 }
                    // The A/B clip, level-matched to the loudness the new master will aim at.
                    var matched = job
                    matched.reference = learned.target
                    let aim = plan.replanned(graph: plan.graph, job: matched).targetLUFS
                    if let sampleRate {
                        learned.clip = try ReferenceClip(path: path, name: choice.label, sampleRate: sampleRate, matchedLUFS: aim,
                                                     masterChannels: channels)
                    }
                }
                shared.withLock { state in
                    guard state.referenceGeneration == generation else { return }
                    state.learned = learned
                }
            } catch {
                shared.withLock { state in
                    guard state.referenceGeneration == generation else { return }
                    state.referenceStatus = "\(error)"
                    state.learningReference = false
                }
            }
        }
    }

    func update() {
        guard let learned = shared.withLock({ state -> LearnedReference? in
            defer { state.learned = nil }
            return state.learned
        }) else { return }
        job.reference = learned.target
        // No clip (a saved target) also ends listening: the renderer never plays a missing clip.
        engine?.setReference(learned.clip)
        shared.withLock { state in
            state.learningReference = false
            state.referenceName = learned.name
            state.referenceHasAudio = learned.clip != nil
            let gain = learned.clip.map { String(format: "; A/B (a) plays its loudest %.0f s at %+.1f dB", Double($0.frameCount) / (self.engine?.sampleRate ?? 44100), $0.gainDB) } ?? ""
            // On stderr, the warning would be under the screen: the status says it.
            // First, so that a narrow status line still shows it.
            let cut = learned.cutShort.map {
                String(format: ": it may have been cut short, holding %.1f s of the %.1f s its header announces", $0.heldSeconds, $0.announcedSeconds)
            } ?? ""
            state.referenceStatus = "matching \(learned.name) (amount \(String(format: "%.2f", self.job.matchAmount)))\(cut)\(gain)"
        }
        let move = AIMove(time: engine?.playheadSeconds ?? 0, parameter: .loudnessTarget, from: 0, to: 0,
                          reason: "you: match \(learned.name); the AI re-planned toward its tone, loudness, width and dynamics")
        replan(shared.withLock { $0.plan.graph }, announce: [move])
    }

    /// At start with `--reference` files: loads the first for A/B (the match is in the plan already).
    func loadStartingReferenceClip() {
        guard let path = referenceFiles.first, let sampleRate = engine?.sampleRate, let channels = engine?.channelCount else { return }
        let aim = shared.withLock { $0.plan.targetLUFS }
        let name = (path as NSString).lastPathComponent
        Thread.detachNewThread { [shared, weak self] in
            guard let clip = try? ReferenceClip(path: path, name: name, sampleRate: sampleRate, matchedLUFS: aim, masterChannels: channels) else { return }
            let current = shared.withLock { state -> Bool in
                guard state.referenceGeneration == 0 else { return false }
                state.referenceHasAudio = true
                return true
            }
            if current { self?.engine?.setReference(clip) }
        }
    }

    /// Starts settling the current plan's loudness loop in the background; the result replaces
    /// the automation if nothing newer came in the meantime.
    func settleInBackground() {
        let (plan, generation) = shared.withLock { ($0.plan, $0.generation) }
        let work = Handover((plan, self.job))
        Thread.detachNewThread { [weak self] in
            let (plan, job) = work.value
            var settled = plan
            guard (try? OfflineMaster().settle(&settled, job: job)) != nil, let self else { return }
            let automation = settled.automation(ceilingDBTP: job.ceilingDBTP, transitionSeconds: job.transitionSeconds)
            let current = self.shared.withLock { state -> Bool in
                guard state.generation == generation else { return false }
                state.plan = settled
                state.automation = automation
                return true
            }
            guard current else { return }
            let note = AIMove(time: self.engine?.playheadSeconds ?? 0, parameter: .loudnessTarget, from: plan.targetLUFS, to: settled.targetLUFS,
                              reason: String(format: "loudness loop settled in %d passes: every section at its aim under the %.1f dBTP ceiling",
                                             settled.passes, job.ceilingDBTP))
            self.engine?.replaceAutomation(automation, moves: settled.moves, announce: [note])
        }
    }

    func setEmotion(_ emotion: Emotion?, section index: Int) {
        // The graph is changed under the lock; the plan is remade outside it (the AI reads the
        // style profile, which takes the same lock).
        let change: (graph: EmotionGraph, move: AIMove)? = shared.withLock { state in
            var sections = state.plan.graph.sections
            guard index < sections.count else { return nil }
            let old = sections[index].emotion
            if let emotion {
                sections[index].emotion = emotion
                sections[index].reason = "set by you"
                state.chosen.insert(index)
            } else {
                let start = sections[index].start
                let estimate = estimated.sections[estimated.sectionIndex(at: start + 0.01)]
                sections[index].emotion = estimate.emotion
                sections[index].intensity = estimate.intensity
                sections[index].reason = estimate.reason
                state.chosen.remove(index)
            }
            let new = sections[index].emotion.rawValue + (emotion == nil ? " (auto)" : "")
            // Choosing the emotion a section already has keeps it ("stays"), not "calm → calm".
            let change = old == sections[index].emotion ? "stays \(new)" : "\(old.rawValue) → \(new)"
            let move = AIMove(time: sections[index].start, parameter: .loudnessTarget, from: 0, to: 0,
                              reason: "you: section \(index + 1) \(change); the AI re-planned it")
            return (EmotionGraph(sections: sections), move)
        }
        guard let change else { return }
        replan(change.graph, announce: [change.move])
    }

    /// Remakes the plan for `graph` (open loop), hands it to the engine, and settles it in the background.
    private func replan(_ graph: EmotionGraph, announce: [AIMove] = []) {
        let current = shared.withLock { $0.plan }
        let plan = current.replanned(graph: graph, job: job)
        let automation = plan.automation(ceilingDBTP: job.ceilingDBTP, transitionSeconds: job.transitionSeconds)
        shared.withLock { state in
            state.plan = plan
            state.automation = automation
            state.generation += 1
        }
        engine?.replaceAutomation(automation, moves: plan.moves, announce: announce)
        settleInBackground()
    }

    func saveLearning(_ records: [TweakRecord]) throws -> String {
        guard let store else { return "learning: \(records.count) tweak\(records.count == 1 ? "" : "s") not saved (--no-style)" }
        let updated: StyleProfile
        do {
            updated = try store.update { profile in profile.learn(session: records) }
        } catch {
            throw LearningNotSaved(reason: "\(error)", count: records.count, keptAt: Self.keep(records))
        }
        shared.withLock { $0.profile = updated }
        // The AI now suggests with the new style.
        replan(shared.withLock { $0.plan.graph })
        let parameters = Set(records.map(\.parameter)).count
        return "style saved: \(records.count) tweak\(records.count == 1 ? "" : "s") on \(parameters) parameter\(parameters == 1 ? "" : "s") → \(store.path)"
    }

    /// A learning session the profile could not take (its folder cannot be made or written, say):
    /// the tweaks are not lost with it, but kept where `style learn` can feed them in later.
    struct LearningNotSaved: Error, CustomStringConvertible {
        let reason: String
        let count: Int
        let keptAt: String?
        var description: String {
            let tweaks = "\(count) tweak\(count == 1 ? "" : "s")"
            guard let keptAt else { return "\(reason); its \(tweaks) could not be kept either" }
            return "\(reason); its \(tweaks) are kept in \(keptAt), for 'loopmind style learn' once the profile can be written"
        }
    }

    /// Writes `records` as `style learn`'s JSON lines, `loopmind-tweaks-<session>.jsonl` in the
    /// current folder (where `w` exports) or, when that cannot be written, the temporary folder.
    /// Returns the path, or nil when neither could be written.
    static func keep(_ records: [TweakRecord], folders: [String] = [FileManager.default.currentDirectoryPath, NSTemporaryDirectory()]) -> String? {
        let session = String((records.first?.session ?? "session").map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        let name = "loopmind-tweaks-\(session).jsonl"
        let data = TweakRecord.jsonLines(records)
        for folder in folders {
            let path = (folder.hasSuffix("/") ? folder : folder + "/") + name
            if (try? AtomicFile.write(data, to: path)) != nil { return path }
        }
        return nil
    }

    /// Where `w` writes: `<input name>-master.wav` in the current folder (`demo-master.wav` for
    /// the demo), or `-master-2.wav`, `-3`, … when that name is taken, so an export never replaces a
    /// file: not a master made elsewhere under that name, nor an earlier export. The name is not
    /// claimed while the export runs (an empty file claimed it, and a console killed meanwhile
    /// left it); the export lands only if the name is still free (`Job.replacesOutput`).
    static func exportPath(base: String) -> String {
        for number in 1...999 {
            let path = base + (number == 1 ? "-master.wav" : "-master-\(number).wav")
            var status = stat()
            // Taken (a file, a folder, even a dangling link): try the next. Any other answer
            // (a folder that cannot be read) is the export's to report, with its reason.
            if lstat(path, &status) != 0 { return path }
        }
        return base + "-master-1000.wav"
    }

    func startExport(adjustments: [ChainParameter: Double]) -> String {
        // One export at a time: `w` during one names the file it is writing.
        if let running = shared.withLock({ $0.exporting }) { return running }
        let base = inputName == "demo song" ? "demo" : ((inputName as NSString).deletingPathExtension)
        let output = Self.exportPath(base: base)
        let cancelled = CancelFlag()
        shared.withLock { $0.exporting = output; $0.exportStop = cancelled; $0.exportStatus = "exporting \(output) 0 %" }
        var job = self.job
        let graph = shared.withLock { $0.plan.graph }
        let path = inputPath
        job.openSource = { CancellableSource(try SoundFileReader(path: path), cancelled: cancelled) }
        job.outputPath = output
        job.replacesOutput = false
        job.emotions = .map(graph)
        job.encoding = nil
        // The ceiling, and a target the plan holds fixed (asked for, or a reference's), are the
        // job's, not the model's (the style leaves them alone): the user's offsets move them
        // here, as the engine plays them. The export came out at -1 dBTP after a -2 dBTP was set.
        var adjustments = adjustments
        if let lift = adjustments.removeValue(forKey: .limiterCeiling) {
            job.ceilingDBTP = ChainParameter.limiterCeiling.spec.clamped(job.ceilingDBTP + lift)
        }
        if job.targetLUFS != nil || (job.reference != nil && job.matchAmount > 0),
           let louder = adjustments.removeValue(forKey: .loudnessTarget) {
            let planned = shared.withLock { $0.plan.targetLUFS }
            job.targetLUFS = ChainParameter.loudnessTarget.spec.clamped(planned + louder)
            job.targetReason = String(format: "your offset in the console: %.1f LUFS, %+.1f LU on the plan's %.1f",
                                      job.targetLUFS!, louder, planned)
        }
        let learned = job.style
        // The user's other offsets ride on the style's, so the offline model applies both.
        job.style = { emotion in
            var offsets = learned(emotion)
            for (parameter, value) in adjustments {
                let old = offsets.offsets[parameter]
                offsets.offsets[parameter] = .init(value: (old?.value ?? 0) + value, evidence: old?.evidence ?? 0)
            }
            return offsets
        }
        let work = Handover(job)
        Thread.detachNewThread { [shared] in
            let job = work.value
            var master = OfflineMaster()
            var lastPercent = -1
            master.progress = { fraction in
                let percent = Int(fraction * 100)
                guard percent != lastPercent else { return }
                lastPercent = percent
                shared.withLock { $0.exportStatus = "exporting \(output) \(percent) %" }
            }
            do {
                let result = try master.run(job)
                shared.withLock {
                    $0.exporting = nil; $0.exportStop = nil
                    $0.exportStatus = String(format: "exported %@: %.1f LUFS, true peak %.1f dBTP", output,
                                             result.output.integratedLUFS, result.output.truePeakDBTP)
                }
            } catch {
                let words = error is CancellableSource.Cancelled ? "export of \(output) stopped; nothing written" : "export failed: \(error)"
                shared.withLock { $0.exporting = nil; $0.exportStop = nil; $0.exportStatus = words }
            }
        }
        return output
    }
}

/// A one-way switch shared between the thread that asks for a stop and the one that obeys.
final class CancelFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// A source that stops with `Cancelled` once its flag is set: how an export is stopped. The
/// offline master fails as on any read error, so its threads end and its temporary file goes.
struct CancellableSource: AudioSource {
    struct Cancelled: Error, CustomStringConvertible { var description: String { "stopped" } }
    private var source: any AudioSource
    private let cancelled: CancelFlag

    init(_ source: any AudioSource, cancelled: CancelFlag) { self.source = source; self.cancelled = cancelled }

    var sampleRate: Double { source.sampleRate }
    var channelCount: Int { source.channelCount }
    var frameCount: Int? { source.frameCount }
    var channelLayout: [SpeakerPosition]? { source.channelLayout }

    mutating func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
        if cancelled.isSet { throw Cancelled() }
        return try source.read(into: buffer)
    }
}

/// Hands a value that is not Sendable to one new thread, which then owns it alone.
struct Handover<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A value behind a lock, shareable as a reference (the console's control side; never the audio thread).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
