import AudioIO
import DemoSong
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
            let song = DemoSongSource()
            let writer = try SoundFileWriter(path: path, sampleRate: Int(song.sampleRate), channelCount: song.channelCount,
                                             encoding: .float32)
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 8192 * song.channelCount)
            defer { buffer.deallocate() }
            var source = song
            while true {
                let frames = try source.read(into: buffer)
                if frames == 0 { break }
                try writer.write(UnsafeBufferPointer(rebasing: buffer[0..<frames * song.channelCount]))
            }
            try writer.commit()
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

    var automation: ChainAutomation {
        plan.automation(ceilingDBTP: job.ceilingDBTP, transitionSeconds: job.transitionSeconds)
    }
}
