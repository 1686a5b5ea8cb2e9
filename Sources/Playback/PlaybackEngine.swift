import AudioIO
import MasteringAI
import MasteringDSP
import Synchronization

/// Real-time playback of a file through the mastering chain: the engine behind `loopmind play`
/// and the console.
///
/// Threads (see the README's diagram): the disk thread streams the file into a ring; the audio
/// thread (PulseAudio's callback, or the clock thread with no sound server) renders; the
/// metering thread measures what the audio thread made and publishes snapshots. The control
/// side (this class's methods, from any one thread at a time) reaches the audio thread only
/// through a lock-free queue and atomics.
public final class PlaybackEngine: @unchecked Sendable {
    public enum Output: Sendable {
        /// PulseAudio (or PipeWire's pulse server); nil server and sink: the defaults.
        case soundServer(server: String?, sink: String?, latencyMilliseconds: Double)
        /// No sound: rendered at the pace of the clock, meters moving, nothing heard.
        case clock
    }

    public static let defaultLatencyMilliseconds = 30.0

    public let sampleRate: Double
    public let frameCount: Int
    /// The file's channels (1 or 2). A mono file plays on both loudspeakers and is metered as one.
    public let channelCount: Int
    private let disk: DiskStreamer
    private let renderer: AudioRenderer
    private let meters: MeterCollector
    private let output: AudioOutput
    /// Serialises the control side: the command queue has one producer.
    private let control: Mutex<ControlState>
    private struct ControlState {
        var automation: ChainAutomation
        var adjustments: [ChainParameter: Double] = [:]
        var started = false
        /// Commands sent to the audio thread, and the last play/pause, bypass and reference
        /// listening asked for, each with its command's number.
        var commandsSent = 0
        var askedPlaying: (on: Bool, command: Int)?
        var askedBypass: (on: Bool, command: Int)?
        var askedReference: (on: Bool, command: Int)?
        init(_ automation: ChainAutomation) { self.automation = automation }
    }

    /// - Parameters:
    ///   - automation: what the chain follows (from `OfflineMaster.plan`, settled or not).
    ///   - moves: the plan's AI moves, shown as their sections are played.
    ///   - heldFrames: the frames the input's analysis read, when known. A lossy file's header
    ///     may announce more than the file holds (a cut MP3), and the timeline ends with the audio.
    public init(path: String, automation: ChainAutomation, moves: [AIMove], output: Output,
                streamName: String = "LoopMind Console", heldFrames: Int? = nil) throws {
        let reader = try SoundFileReader(path: path)
        guard reader.channelCount <= 2 else {
            throw PlaybackError("cannot read '\(path)': LoopMind plays mono and stereo files; this one has \(reader.channelCount) channels")
        }
        disk = DiskStreamer(reader: reader)
        control = Mutex(ControlState(automation))
        sampleRate = reader.sampleRate
        frameCount = heldFrames ?? reader.frameCount ?? 0
        renderer = AudioRenderer(disk: disk, automation: automation)
        meters = try MeterCollector(renderer: renderer, durationSeconds: Double(frameCount) / sampleRate, moves: moves,
                                    sectionStarts: automation.sections.map { Double($0.startFrame) / reader.sampleRate },
                                    initialMatchDB: automation.value(at: 0).gainDB, monoSource: reader.channelCount == 1)
        channelCount = reader.channelCount
        switch output {
        case .soundServer(let server, let sink, let latency):
            self.output = try PulseOutput(renderer: renderer, server: server, sink: sink, latencyMilliseconds: latency,
                                          streamName: streamName)
        case .clock:
            self.output = ClockOutput(renderer: renderer)
        }
    }

    deinit { stop() }

    /// Starts the threads and the output (paused: call `play`). Throws when the sound server
    /// cannot be reached; nothing is left running then.
    public func start() throws {
        disk.start()
        meters.start()
        do {
            try output.start()
        } catch {
            meters.stop()
            disk.stop()
            throw error
        }
        control.withLock { $0.started = true }
        refreshContext()
    }

    /// Stops the output and the threads. Safe to call more than once.
    public func stop() {
        let wasStarted = control.withLock { state in
            defer { state.started = false }
            return state.started
        }
        guard wasStarted else { return }
        output.stop()
        meters.stop()
        disk.stop()
    }

    // MARK: - Transport

    /// At the end of the song (played out, or a seek there), play starts again from the top;
    /// a section loop has no end (a seek to the end of the last section goes round).
    public func play() {
        if !isLooping && (renderer.isAtEnd || renderer.playheadOrSeekFrame >= frameCount) { seek(toSeconds: 0) }
        send(.play)
    }
    /// Plays `seconds` of the song from the playhead, then pauses by itself: the frame count is
    /// kept by the audio thread, so exactly that much is played whatever the output's buffer.
    /// A span past what `Int` holds plays until paused: converting it would be undefined in this
    /// `-Ounchecked` module (`--seconds 1e300` played nothing).
    public func play(forSeconds seconds: Double) {
        let frames = (seconds * sampleRate).rounded()
        send(.playFor(frames: !(frames >= 1) ? 1 : frames < 9e18 ? Int(frames) : .max))
    }
    public func pause() { send(.pause) }
    /// Pauses, or plays; at the end (where the song ran out while playing) it plays again.
    public func togglePlay() { snapshot.isPlaying && !renderer.isAtEnd ? pause() : play() }

    public var durationSeconds: Double { Double(frameCount) / sampleRate }
    /// Where the playhead is, or goes to when a seek is on its way (`AudioRenderer.playheadOrSeekFrame`).
    public var playheadSeconds: Double { Double(renderer.playheadOrSeekFrame) / sampleRate }

    /// While a section loops, the loop goes where the playhead goes: `n`, `p` or a seek into
    /// another section loops that one. (The loop stayed on the section left behind, which was
    /// never heard again, while the header went on showing ⟲ beside the section playing.)
    public func seek(toSeconds seconds: Double) {
        let frame = Int((min(max(seconds, 0), durationSeconds) * sampleRate).rounded())
        if isLooping { disk.setLoop(sectionRange(containing: frame)) }
        disk.requestSeek(toFrame: frame)
    }

    public func seek(bySeconds seconds: Double) { seek(toSeconds: playheadSeconds + seconds) }

    /// The section playing now and the sections' start times.
    public var sectionStarts: [Double] {
        control.withLock { $0.automation.sections.map { Double($0.startFrame) / sampleRate } }
    }

    public func nextSection() {
        let starts = sectionStarts
        let now = playheadSeconds
        if let next = starts.first(where: { $0 > now + 0.05 }) { seek(toSeconds: next) }
    }

    /// Back to the start of this section, or to the previous one within its first 2 s (as a CD player does).
    public func previousSection() {
        let starts = sectionStarts
        let now = playheadSeconds
        let current = starts.lastIndex(where: { $0 <= now + 1e-6 }) ?? 0
        seek(toSeconds: now - starts[current] > 2 || current == 0 ? starts[current] : starts[current - 1])
    }

    /// Loops the section under the playhead (true) or stops looping (false).
    public func loopSection(_ on: Bool) {
        guard on else { disk.setLoop(nil); return }
        let loop = sectionRange(containing: renderer.playheadOrSeekFrame)
        disk.setLoop(loop)
        // If the disk already read past the loop's end (or the file ended), go back for it.
        if disk.readPosition.load(ordering: .acquiring) >= loop.upperBound || snapshot.isFinished { seek(toSeconds: playheadSeconds) }
    }

    /// The frames of the section that holds `frame` (the last one runs to the end of the file).
    private func sectionRange(containing frame: Int) -> Range<Int> {
        let automation = control.withLock { $0.automation }
        let index = automation.sectionIndex(at: frame)
        let start = automation.sections[index].startFrame
        let end = index + 1 < automation.sections.count ? automation.sections[index + 1].startFrame : frameCount
        return start..<end
    }

    public var isLooping: Bool { disk.loop != nil }

    /// A/B: true plays the original at the master's loudness.
    public func setBypass(_ on: Bool) { send(.bypass(on)) }

    /// The reference to A/B against (loaded off the audio thread), or nil for none.
    public func setReference(_ clip: ReferenceClip?) {
        send(.reference(clip.map { Unmanaged.passRetained($0) }))
    }

    /// A/B against the reference: true plays the reference clip at the master's loudness.
    public func listenToReference(_ on: Bool) { send(.listenToReference(on)) }

    // MARK: - The chain

    /// The user's offset on one parameter, on top of what the automation sets (0 clears it).
    public func setAdjustment(_ parameter: ChainParameter, offset: Double) {
        control.withLock { $0.adjustments[parameter] = offset }
        send(.adjust(parameter: parameter.rawValue, offset: offset))
    }

    public func adjustment(_ parameter: ChainParameter) -> Double { control.withLock { $0.adjustments[parameter] ?? 0 } }

    /// The automation in force (the AI's values, before the user's offsets).
    public var automation: ChainAutomation { control.withLock { $0.automation } }

    /// Replaces what the chain follows (a new emotion, the loudness loop settled): the change
    /// glides like any other. `announce` goes to the moves log.
    public func replaceAutomation(_ automation: ChainAutomation, moves: [AIMove], announce: [AIMove] = []) {
        let box = Unmanaged.passRetained(AutomationBox(automation))
        control.withLock { $0.automation = automation }
        meters.context.withLock { context in
            context.moves = moves
            context.sectionStarts = automation.sections.map { Double($0.startFrame) / sampleRate }
            context.pending += announce
        }
        send(.automation(box))
    }

    // MARK: - Meters

    /// The latest meters (published about 30 times a second), with the transport as asked:
    /// play/pause, bypass and reference listening the audio thread has yet to take are shown as
    /// asked (a toggle reads them: space space paused, b b left the original on), the rest read
    /// from the audio thread itself.
    public var snapshot: MeterSnapshot {
        refreshContext()
        var snapshot = meters.latest
        let status = renderer.status
        let taken = status.commandsTaken.load(ordering: .acquiring)
        let asked = control.withLock { ($0.askedPlaying, $0.askedBypass, $0.askedReference) }
        func state(_ asked: (on: Bool, command: Int)?, _ flag: borrowing Atomic<Bool>) -> Bool {
            if let asked, asked.command > taken { return asked.on }
            return flag.load(ordering: .relaxed)
        }
        snapshot.isPlaying = state(asked.0, status.isPlaying)
        snapshot.isBypassed = state(asked.1, status.isBypassed)
        snapshot.isReferenceHeard = state(asked.2, status.isReferenceHeard)
        // The end shows once the metering thread has measured up to it (so `play`'s summary
        // has heard it all), and a seek back from it leaves it at once.
        snapshot.isFinished = snapshot.isFinished && renderer.isAtEnd
        return snapshot
    }

    /// The audio thread got real-time scheduling (known once `start` has returned).
    public var audioThreadIsRealtime: Bool { output.isRealtime }

    /// Frames between the file and the chain's output.
    public var chainLatencyFrames: Int { renderer.latencyFrames }

    private func refreshContext() {
        let latency = output.latencySeconds, underruns = output.underruns, lost = output.lostReason
        meters.context.withLock { $0.latency = latency; $0.underruns = underruns; $0.outputLost = lost }
    }

    private func send(_ command: EngineCommand) {
        control.withLock { state in
            // The queue holds 256 commands and the audio thread drains it every few ms.
            while !renderer.commands.push(command) { sleepSeconds(0.001) }
            state.commandsSent += 1
            let number = state.commandsSent
            switch command {
            case .play, .playFor: state.askedPlaying = (true, number)
            case .pause: state.askedPlaying = (false, number)
            case .bypass(let on): state.askedBypass = (on, number)
            case .listenToReference(let on): state.askedReference = (on, number)
            default: break
            }
        }
    }
}
