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
        /// Bumped by every new plan: a settling thread whose plan is stale throws its work away.
        var generation = 0
    }

    private let shared: Locked<Shared>
    private var job: OfflineMaster.Job
    private let estimated: EmotionGraph
    private let store: StyleStore?
    private let inputName: String
    private let inputPath: String
    weak var engine: PlaybackEngine?

    init(plan: LivePlan, input: LiveInput, store: StyleStore?, profile: StyleProfile) {
        job = plan.job
        estimated = plan.plan.graph
        self.store = store
        inputName = input.name
        inputPath = input.path
        shared = Locked(Shared(plan: plan.plan, automation: plan.automation, profile: profile))
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

    func suggestion(atSeconds seconds: Double) -> ChainSettings {
        shared.withLock { state in
            state.automation.value(at: Int(seconds * state.plan.input.sampleRate)).settings
        }
    }

    func styleOffsets(for emotion: Emotion) -> StyleOffsets { job.style(emotion) }

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
            let move = AIMove(time: sections[index].start, parameter: .loudnessTarget, from: 0, to: 0,
                              reason: "you: section \(index + 1) \(old.rawValue) → \(sections[index].emotion.rawValue)\(emotion == nil ? " (auto)" : ""); the AI re-planned it")
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
        let updated = try store.update { profile in profile.learn(session: records) }
        shared.withLock { $0.profile = updated }
        // The AI now suggests with the new style.
        replan(shared.withLock { $0.plan.graph })
        let parameters = Set(records.map(\.parameter)).count
        return "style saved: \(records.count) tweak\(records.count == 1 ? "" : "s") on \(parameters) parameter\(parameters == 1 ? "" : "s") → \(store.path)"
    }

    func startExport(adjustments: [ChainParameter: Double]) -> String {
        let base = inputName == "demo song" ? "demo" : ((inputName as NSString).deletingPathExtension)
        let output = base + "-master.wav"
        let busy = shared.withLock { state -> Bool in
            if let status = state.exportStatus, status.hasPrefix("exporting") { return true }
            state.exportStatus = "exporting \(output) 0 %"
            return false
        }
        guard !busy else { return output }
        var job = self.job
        let graph = shared.withLock { $0.plan.graph }
        let path = inputPath
        job.openSource = { try SoundFileReader(path: path) }
        job.outputPath = output
        job.emotions = .map(graph)
        job.encoding = nil
        let learned = job.style
        // The user's offsets ride on the style's, so the offline model applies both.
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
                    $0.exportStatus = String(format: "exported %@: %.1f LUFS, true peak %.1f dBTP", output,
                                             result.output.integratedLUFS, result.output.truePeakDBTP)
                }
            } catch {
                shared.withLock { $0.exportStatus = "export failed: \(error)" }
            }
        }
        return output
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
