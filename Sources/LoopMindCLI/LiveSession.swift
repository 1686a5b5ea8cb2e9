import AudioIO
import Foundation
import MasteringAI
import MasteringDSP
import Playback
import Rendering

/// What `play` and the console play: a file as it is, or the demo song written to a temporary
/// WAV first (the engine streams and seeks a file; the synthesizer cannot seek).
///
/// The temporary file (28 MB) is unlinked as soon as it is written and held open, and every
/// reader opens it again through `/proc/self/fd`: nothing is left behind however the process
/// ends. Removing it when this went away missed a crash, a SIGKILL or an out-of-memory kill,
/// and each left one in the temporary folder. Without `/proc` it is removed at the end instead.
final class LiveInput {
    let path: String
    /// How the input is named to the user.
    let name: String
    /// The demo's unlinked file, held open (-1: none).
    private let heldDescriptor: Int32
    /// The demo's file on disk, removed at the end (nil: none, or already unlinked).
    private let temporaryPath: String?

    /// Writing the demo song takes about two seconds: a progress line shows it (at a terminal).
    init(_ input: String?) throws {
        guard let input, input != "demo" else {
            let folder = NSTemporaryDirectory()
            Self.removeDemosOfGoneProcesses(in: folder)
            let written = (folder as NSString).appendingPathComponent("loopmind-demo-\(getpid()).wav")
            let progress = ProgressLine(label: "writing the demo song")
            defer { progress.clear() }
            try Demo.write(to: written, encoding: .float32, progress: progress.update)
            let descriptor = open(written, O_RDONLY | O_CLOEXEC)
            let held = "/proc/self/fd/\(descriptor)"
            if descriptor >= 0 && access(held, R_OK) == 0 {
                unlink(written)
                path = held; heldDescriptor = descriptor; temporaryPath = nil
            } else {
                if descriptor >= 0 { close(descriptor) }
                path = written; heldDescriptor = -1; temporaryPath = written
            }
            name = "demo song"
            return
        }
        path = input
        name = (input as NSString).lastPathComponent
        heldDescriptor = -1; temporaryPath = nil
    }

    deinit {
        if heldDescriptor >= 0 { close(heldDescriptor) }
        if let temporaryPath { unlink(temporaryPath) }
    }

    /// Removes what the demo sessions of processes that are gone left in `folder`: a song killed
    /// in the two seconds it takes to write (its writer's temporary file), or a whole song from a
    /// version that removed it only on a clean exit. A file whose process is alive, or cannot be
    /// told to be gone, is kept.
    static func removeDemosOfGoneProcesses(in folder: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            guard let process = demoProcess(ofFileNamed: name), kill(process, 0) == -1, errno == ESRCH else { continue }
            unlink((folder as NSString).appendingPathComponent(name))
        }
    }

    /// The process a demo session's file belongs to: `loopmind-demo-<pid>.wav`, or its writer's
    /// temporary `.loopmind-demo-<pid>.wav.loopmind-…`; nil for any other name.
    static func demoProcess(ofFileNamed name: String) -> pid_t? {
        // Every other name is turned away before a regex sees it: a Regex literal costs about
        // half a millisecond a name, and a temporary folder of 4,600 names held the console's
        // first screen 2 s.
        guard name.utf8.starts(with: "loopmind-demo-".utf8) || name.utf8.starts(with: ".loopmind-demo-".utf8) else { return nil }
        let digits = name.wholeMatch(of: /loopmind-demo-([0-9]{1,9})\.wav/)?.output.1
            ?? name.wholeMatch(of: /\.loopmind-demo-([0-9]{1,9})\.wav\.loopmind-.+/)?.output.1
        return digits.flatMap { pid_t($0) }.flatMap { $0 > 0 ? $0 : nil }
    }
}

/// The plan a live session plays: the offline master's analysis, emotion graph and AI
/// decisions for the input, optionally with its loudness loop closed (as `master` would write).
struct LivePlan {
    var plan: MasterPlan
    var job: OfflineMaster.Job

    init(input: LiveInput, options: ChainOptions, settle: Bool, profileMayBeNew: Bool = false, progress: ((Double) -> Void)? = nil) throws {
        job = try options.job(input: input.path, outputPath: "", profileMayBeNew: profileMayBeNew)
        job.inputName = input.name == "demo song" ? "demo" : input.path
        var master = OfflineMaster()
        // Without the loop, planning is the input's analysis: the whole bar is that.
        master.progress = settle ? progress : progress.map { report in { report(min($0 / OfflineMaster.analysisShare, 1)) } }
        plan = try master.plan(job)
        if settle { try master.settle(&plan, job: job) }
    }

    /// The frames the input's analysis read: what the engine plays, whatever the header says.
    var heldFrames: Int { Int((plan.input.durationSeconds * plan.input.sampleRate).rounded()) }

    var automation: ChainAutomation {
        plan.automation(ceilingDBTP: job.ceilingDBTP, transitionSeconds: job.transitionSeconds)
    }
}
