import CPulse
import Glibc
import Synchronization

/// Where rendered audio goes: the sound server, or nowhere at the pace of a clock.
protocol AudioOutput: AnyObject {
    func start() throws
    func stop()
    /// Time from a frame being rendered to it being heard, seconds (nil when unknown).
    var latencySeconds: Double? { get }
    /// The server's buffer ran dry while playing.
    var underruns: Int { get }
    /// The audio thread runs with real-time scheduling (see `requestRealtimeScheduling`).
    var isRealtime: Bool { get }
    /// Why the output stopped by itself (the sound server went away), or nil.
    var lostReason: String? { get }
}

/// Why playback could not start.
public struct PlaybackError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Plays through a PulseAudio server (or PipeWire's pulse server) with the asynchronous API:
/// a threaded main loop whose write callback is the audio thread. It asks for `bytes`, the
/// renderer fills the server's own buffer (`pa_stream_begin_write`) and hands it back.
///
/// Latency: the stream asks for a target buffer of `latencyMilliseconds` (`tlength`, with
/// `PA_STREAM_ADJUST_LATENCY` so it is the whole latency) and a request size of a quarter of
/// it, so a change made now is rendered within a quarter and heard within the whole.
/// Wraps `pa_threaded_mainloop_*`, `pa_context_*`, `pa_stream_*`.
final class PulseOutput: AudioOutput, @unchecked Sendable {
    private let renderer: AudioRenderer
    private let mainloop: OpaquePointer
    private var context: OpaquePointer?
    private var stream: OpaquePointer?
    private let underrunCount = Atomic<Int>(0)
    private let latencyMicros = Atomic<Int>(-1)
    private let started = Atomic<Bool>(false)
    private let realtime = Atomic<Bool>(false)
    /// The PulseAudio error code (`PA_ERR_*`) once the context or stream failed after starting;
    /// 0 while all is well. An integer, so the main-loop thread (the audio thread) needs no string.
    private let lostError = Atomic<Int32>(0)
    private let server: String?
    private let sink: String?
    private let latencyMilliseconds: Double
    private let streamName: String

    init(renderer: AudioRenderer, server: String?, sink: String?, latencyMilliseconds: Double, streamName: String) throws {
        self.renderer = renderer
        self.server = server
        self.sink = sink
        self.latencyMilliseconds = latencyMilliseconds
        self.streamName = streamName
        guard let mainloop = pa_threaded_mainloop_new() else { throw PlaybackError("cannot create a PulseAudio main loop") }
        self.mainloop = mainloop
    }

    deinit {
        stop()
        pa_threaded_mainloop_free(mainloop)
    }

    var underruns: Int { underrunCount.load(ordering: .relaxed) }
    var isRealtime: Bool { realtime.load(ordering: .relaxed) }
    var lostReason: String? {
        let code = lostError.load(ordering: .acquiring)
        guard code != 0 else { return nil }
        return "the sound server went away (\(String(cString: pa_strerror(code))))"
    }
    var latencySeconds: Double? {
        let micros = latencyMicros.load(ordering: .relaxed)
        return micros >= 0 ? Double(micros) / 1e6 : nil
    }

    /// Connects and starts the stream. A failure tears everything down here, on the caller's
    /// thread, before it is thrown, while the caller still holds this output: the real-time
    /// request queued on the main loop carries an unretained pointer to it, and when the caller
    /// dropped the output straight after a failed connect, that callback could run during
    /// `deinit` and end in `stop`'s `pa_threaded_mainloop_lock` on the main-loop thread, which
    /// PulseAudio aborts on (seen once in CI: the console with no sound server). `stop` joins
    /// that thread, so no callback outlives the output.
    func start() throws {
        do {
            try connect()
        } catch {
            stop()
            throw error
        }
    }

    private func connect() throws {
        let me = Unmanaged.passUnretained(self).toOpaque()
        pa_threaded_mainloop_lock(mainloop)
        defer { pa_threaded_mainloop_unlock(mainloop) }
        guard pa_threaded_mainloop_start(mainloop) == 0 else { throw PlaybackError("cannot start the PulseAudio main loop") }
        // The main loop's thread is the audio thread (the write callback runs on it): it asks for
        // real-time scheduling first thing, before the stream exists.
        pa_mainloop_api_once(pa_threaded_mainloop_get_api(mainloop), { _, userdata in
            let output = Unmanaged<PulseOutput>.fromOpaque(userdata!).takeUnretainedValue()
            output.realtime.store(requestRealtimeScheduling(), ordering: .relaxed)
        }, me)
        guard let context = pa_context_new(pa_threaded_mainloop_get_api(mainloop), "LoopMind Console") else {
            throw PlaybackError("cannot create a PulseAudio context")
        }
        self.context = context
        pa_context_set_state_callback(context, { context, userdata in
            let output = Unmanaged<PulseOutput>.fromOpaque(userdata!).takeUnretainedValue()
            let state = pa_context_get_state(context)
            if state == PA_CONTEXT_FAILED || state == PA_CONTEXT_TERMINATED { output.noteLost(pa_context_errno(context)) }
            pa_threaded_mainloop_signal(output.mainloop, 0)
        }, me)
        guard pa_context_connect(context, server, PA_CONTEXT_NOAUTOSPAWN, nil) >= 0 else {
            throw noServer(pa_strerror(pa_context_errno(context)).map { String(cString: $0) } ?? "unknown error")
        }
        while true {
            let state = pa_context_get_state(context)
            if state == PA_CONTEXT_READY { break }
            if state == PA_CONTEXT_FAILED || state == PA_CONTEXT_TERMINATED {
                throw noServer(String(cString: pa_strerror(pa_context_errno(context))))
            }
            pa_threaded_mainloop_wait(mainloop)
        }

        var spec = pa_sample_spec(format: PA_SAMPLE_FLOAT32LE, rate: UInt32(renderer.sampleRate), channels: 2)
        guard let stream = pa_stream_new(context, streamName, &spec, nil) else {
            throw PlaybackError("the sound server refused a stereo stream at \(Int(renderer.sampleRate)) Hz: \(String(cString: pa_strerror(pa_context_errno(context))))")
        }
        self.stream = stream
        pa_stream_set_state_callback(stream, { stream, userdata in
            let output = Unmanaged<PulseOutput>.fromOpaque(userdata!).takeUnretainedValue()
            let state = pa_stream_get_state(stream)
            if state == PA_STREAM_FAILED || state == PA_STREAM_TERMINATED {
                output.noteLost(pa_context_errno(pa_stream_get_context(stream)))
            }
            pa_threaded_mainloop_signal(output.mainloop, 0)
        }, me)
        pa_stream_set_write_callback(stream, { stream, bytes, userdata in
            Unmanaged<PulseOutput>.fromOpaque(userdata!).takeUnretainedValue().write(stream!, bytes: bytes)
        }, me)
        pa_stream_set_underflow_callback(stream, { _, userdata in
            let output = Unmanaged<PulseOutput>.fromOpaque(userdata!).takeUnretainedValue()
            // The buffer runs dry once at the very end too: only underruns while playing count.
            if output.renderer.status.isPlaying.load(ordering: .relaxed) && !output.renderer.status.isFinished.load(ordering: .relaxed) {
                output.underrunCount.add(1, ordering: .relaxed)
            }
        }, me)
        let bytesPerSecond = renderer.sampleRate * 8
        let target = UInt32(bytesPerSecond * latencyMilliseconds / 1000) & ~7
        var attributes = pa_buffer_attr(maxlength: UInt32.max, tlength: target, prebuf: UInt32.max,
                                        minreq: max(8, target / 4) & ~7, fragsize: UInt32.max)
        let flags = pa_stream_flags_t(rawValue: PA_STREAM_ADJUST_LATENCY.rawValue | PA_STREAM_AUTO_TIMING_UPDATE.rawValue
                                      | PA_STREAM_INTERPOLATE_TIMING.rawValue)
        guard pa_stream_connect_playback(stream, sink, &attributes, flags, nil, nil) >= 0 else {
            throw PlaybackError("cannot play to \(sink.map { "sink '\($0)'" } ?? "the default sink"): \(String(cString: pa_strerror(pa_context_errno(context))))")
        }
        while true {
            let state = pa_stream_get_state(stream)
            if state == PA_STREAM_READY { break }
            if state == PA_STREAM_FAILED || state == PA_STREAM_TERMINATED {
                throw PlaybackError("cannot play to \(sink.map { "sink '\($0)'" } ?? "the default sink"): \(String(cString: pa_strerror(pa_context_errno(context))))")
            }
            pa_threaded_mainloop_wait(mainloop)
        }
        started.store(true, ordering: .releasing)
    }

    /// A failure after `start` succeeded is the server going away (one before is `start`'s to report).
    private func noteLost(_ code: Int32) {
        guard started.load(ordering: .acquiring) else { return }
        lostError.store(code != 0 ? code : Int32(PA_ERR_CONNECTIONTERMINATED.rawValue), ordering: .releasing)
    }

    private func noServer(_ reason: String) -> PlaybackError {
        PlaybackError("no sound server (\(reason)): start one with 'pulseaudio --start' (or PipeWire's pipewire-pulse), or use --no-audio")
    }

    /// The audio thread: fills what the server asks for.
    private func write(_ stream: OpaquePointer, bytes: Int) {
        var remaining = bytes
        while remaining >= 8 {
            var data: UnsafeMutableRawPointer?
            var size = remaining & ~7
            guard pa_stream_begin_write(stream, &data, &size) == 0, let data, size >= 8 else { return }
            let frames = size / 8
            renderer.render(data.assumingMemoryBound(to: Float.self), frames: frames)
            pa_stream_write(stream, data, frames * 8, nil, 0, PA_SEEK_RELATIVE)
            remaining -= frames * 8
        }
        var micros: pa_usec_t = 0
        var negative: Int32 = 0
        if pa_stream_get_latency(stream, &micros, &negative) == 0 {
            latencyMicros.store(negative != 0 ? 0 : Int(micros), ordering: .relaxed)
        }
    }

    func stop() {
        guard context != nil else {
            pa_threaded_mainloop_stop(mainloop)
            return
        }
        pa_threaded_mainloop_lock(mainloop)
        if let stream {
            pa_stream_set_write_callback(stream, nil, nil)
            pa_stream_set_underflow_callback(stream, nil, nil)
            pa_stream_set_state_callback(stream, nil, nil)
            pa_stream_disconnect(stream)
            pa_stream_unref(stream)
            self.stream = nil
        }
        if let context {
            pa_context_set_state_callback(context, nil, nil)
            pa_context_disconnect(context)
            pa_context_unref(context)
            self.context = nil
        }
        pa_threaded_mainloop_unlock(mainloop)
        pa_threaded_mainloop_stop(mainloop)
    }
}

/// No sound server (`--no-audio`): the same renderer, called at the pace of the monotonic
/// clock in 10 ms steps, its output thrown away. Meters move exactly as when playing.
final class ClockOutput: AudioOutput, @unchecked Sendable {
    static let step = 0.01
    private let renderer: AudioRenderer
    private let running = Atomic<Bool>(false)
    private var thread: NativeThread?
    private let buffer: UnsafeMutablePointer<Float>
    private let maximumFrames: Int

    init(renderer: AudioRenderer) {
        self.renderer = renderer
        maximumFrames = Int(renderer.sampleRate * Self.step * 4) + 1
        buffer = .allocate(capacity: 2 * maximumFrames)
    }

    deinit {
        stop()
        buffer.deallocate()
    }

    var latencySeconds: Double? { nil }
    var underruns: Int { 0 }
    /// Paced by a clock with nothing waiting on it: ordinary scheduling is enough.
    var isRealtime: Bool { false }
    var lostReason: String? { nil }

    func start() throws {
        running.store(true, ordering: .releasing)
        thread = NativeThread(name: "loopmind-clock") { [unowned self] in
            // The audio thread of a machine without sound: render what the clock says is due.
            let began = monotonicSeconds()
            var rendered = 0
            while self.running.load(ordering: .acquiring) {
                let due = Int((monotonicSeconds() - began) * self.renderer.sampleRate) - rendered
                if due > 0 {
                    let frames = min(due, self.maximumFrames)
                    self.renderer.render(self.buffer, frames: frames)
                    rendered += frames
                }
                sleepSeconds(Self.step)
            }
        }
    }

    func stop() {
        running.store(false, ordering: .releasing)
        thread?.join()
        thread = nil
    }
}
