import Analysis
import AudioIO
import DemoSong
import Foundation
import MasteringAI
import MasteringDSP
@testable import Playback
import Rendering
import Testing
import TestSupport

/// The demo song on disk, its settled plan (what `play` plays) and the offline master of the
/// same job (what `master` writes), made once for the playback tests.
final class PlaybackFixture: Sendable {
    /// Removed when the test process exits.
    private let scratch: ScratchFolder
    var directory: URL { URL(fileURLWithPath: scratch.path) }
    let songPath: String
    let masterPath: String
    let automation: ChainAutomation
    let moves: [AIMove]
    let sampleRate = 44100.0

    static let shared: Result<PlaybackFixture, any Error> = Result { try PlaybackFixture() }

    private init() throws {
        scratch = try ScratchFolder("playback", untilExit: true)
        songPath = scratch.file("demo.wav")
        masterPath = scratch.file("master.wav")
        let song = DemoSongSource()
        let writer = try SoundFileWriter(path: songPath, sampleRate: 44100, channelCount: 2, encoding: .float32)
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 16384)
        defer { buffer.deallocate() }
        while true {
            let frames = try song.read(into: buffer)
            if frames == 0 { break }
            try writer.write(UnsafeBufferPointer(rebasing: buffer[0..<frames * 2]))
        }
        try writer.commit()

        let path = songPath
        let job = OfflineMaster.Job(openSource: { try SoundFileReader(path: path) }, inputName: path, outputPath: masterPath,
                                    encoding: .float32)
        let master = OfflineMaster()
        var plan = try master.plan(job)
        try master.settle(&plan, job: job)
        automation = plan.automation(ceilingDBTP: job.ceilingDBTP, transitionSeconds: job.transitionSeconds)
        moves = plan.moves
        _ = try master.run(job)
    }

    /// Interleaved stereo samples of a file.
    static func samples(_ path: String) throws -> [Float] {
        let reader = try SoundFileReader(path: path)
        var all: [Float] = []
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 16384)
        defer { buffer.deallocate() }
        while true {
            let frames = try reader.read(into: buffer)
            if frames == 0 { break }
            all.append(contentsOf: buffer[0..<frames * reader.channelCount])
        }
        return all
    }

    /// Integrated loudness of interleaved stereo, LUFS (libebur128).
    static func loudness(_ samples: ArraySlice<Float>) throws -> Double {
        let meter = try LoudnessMeter(channelCount: 2, sampleRate: 44100, layout: SpeakerPosition.defaultLayout(channelCount: 2))
        try Array(samples).withUnsafeBufferPointer { try meter.add($0) }
        return meter.integratedLUFS
    }
}

/// Plays through the engine to a private PulseAudio server while its monitor is recorded.
struct LivePlayback {
    let server: PrivatePulseServer
    let recorder: MonitorRecorder
    let engine: PlaybackEngine

    init(_ fixture: PlaybackFixture, latencyMilliseconds: Double = PlaybackEngine.defaultLatencyMilliseconds) throws {
        server = try PrivatePulseServer()
        recorder = try MonitorRecorder(server)
        engine = try PlaybackEngine(path: fixture.songPath, automation: fixture.automation, moves: fixture.moves,
                                    output: .soundServer(server: server.server, sink: server.sinkName,
                                                         latencyMilliseconds: latencyMilliseconds))
        try engine.start()
    }

    /// Waits until the engine has played `seconds` more of audio.
    func play(for seconds: Double) {
        let start = engine.snapshot.playedSeconds
        let deadline = Date().addingTimeInterval(seconds * 3 + 5)
        while engine.snapshot.playedSeconds - start < seconds && Date() < deadline { usleep(5_000) }
    }

    /// Plays on until the recording, the server's silences cut out, holds `frames` frames after
    /// recording frame `frame` (at most 20 s more). A starved server plays silence where audio
    /// was due, so what was heard lags what was played by the buffer and by every silence; the
    /// windows a test compares must have been heard, not only played.
    func playUntilHeard(_ frames: Int, after frame: Int) {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let spliced = Alignment.splicingOutSilences(recorder.samplesSoFar())
            if spliced.samples.count / 2 - spliced.splicedFrame(frame) >= frames { return }
            play(for: 0.25)
        }
    }

    /// The server's silences in `span` of the recording, checked: none for a clean attempt; for
    /// a starved one, at most one for each underrun the engine was told of (a silence the server
    /// did not report is the engine's own).
    @discardableResult
    static func expectServerSilences(_ spliced: Alignment.Spliced, within span: Range<Int>, played: StarvedPlayback.Played<some Any>,
                                     underrunsToldOf: Int, sourceLocation: SourceLocation = #_sourceLocation) -> [Range<Int>] {
        let silences = spliced.gaps(within: span)
        let silentFrames = silences.reduce(0) { $0 + $1.count }
        print(String(format: "server silences in the window: %d (%.0f ms), underruns told of: %d", silences.count, Double(silentFrames) / 44.1, underrunsToldOf)
              + (played.starved ? " (starved)" : ""))
        if played.starved {
            #expect(silences.count <= underrunsToldOf, "a silence the server did not report is the engine's", sourceLocation: sourceLocation)
        } else {
            #expect(silences.isEmpty, "a clean attempt plays without a silence", sourceLocation: sourceLocation)
        }
        return silences
    }

    /// Stops everything and returns the recording.
    func finish() -> [Float] {
        engine.pause()
        usleep(100_000)
        engine.stop()
        let recorded = recorder.stop()
        server.stop()
        return recorded
    }
}
