import AudioIO
import Foundation
import MasteringAI
import MasteringDSP
import Playback
import Rendering

/// What `play` and the console play: a file as it is, or the demo song written to a temporary
/// WAV first (the engine streams and seeks a file; the synthesizer cannot seek). The temporary
/// file is removed when this goes away.
final class LiveInput {
    let path: String
    /// How the input is named to the user.
    let name: String
    private let isTemporary: Bool

    init(_ input: String?) throws {
        guard let input, input != "demo" else {
            let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("loopmind-demo-\(getpid()).wav")
            try Demo.write(to: path, encoding: .float32)
            self.path = path
            name = "demo song"
            isTemporary = true
            return
        }
        path = input
        name = (input as NSString).lastPathComponent
        isTemporary = false
    }

    deinit {
        if isTemporary { unlink(path) }
    }
}

/// The plan a live session plays: the offline master's analysis, emotion graph and AI
/// decisions for the input, optionally with its loudness loop closed (as `master` would write).
struct LivePlan {
    var plan: MasterPlan
    var job: OfflineMaster.Job

    init(input: LiveInput, options: ChainOptions, settle: Bool, progress: ((Double) -> Void)? = nil) throws {
        job = try options.job(input: input.path, outputPath: "")
        job.inputName = input.name == "demo song" ? "demo" : input.path
        var master = OfflineMaster()
        master.progress = progress
        plan = try master.plan(job)
        if settle { try master.settle(&plan, job: job) }
    }

    /// The frames the input's analysis read: what the engine plays, whatever the header says.
    var heldFrames: Int { Int((plan.input.durationSeconds * plan.input.sampleRate).rounded()) }

    var automation: ChainAutomation {
        plan.automation(ceilingDBTP: job.ceilingDBTP, transitionSeconds: job.transitionSeconds)
    }
}
