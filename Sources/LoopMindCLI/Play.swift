import Analysis
import ArgumentParser
import Console
import Foundation
import MasteringAI
import MasteringDSP
import Playback

/// `loopmind play FILE [--seconds N] [--sink NAME] [--latency MS] [--no-audio] [chain options]`
struct Play: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a file through the chain in real time, headless.",
        discussion: """
        The AI plans the master exactly as 'loopmind master' does (same analysis, emotion graph, \
        settings and closed loudness loop) and the engine plays it through PulseAudio (or PipeWire's \
        pulse server), the chain following the emotion graph at the playhead. While playing, a one-line \
        meter is shown on stderr when it is a terminal; at the end a summary says what was heard: \
        duration, integrated loudness, true peak, underruns, latency. Ctrl-C, Ctrl-\\ or SIGTERM stops \
        cleanly (with the summary). Without a sound server, --no-audio runs the same engine on a clock. \
        FILE may be 'demo' for the built-in song.
        """
    )

    @Argument(help: "The mix to play (or 'demo').")
    var input: String

    @Option(parsing: .unconditional, help: "Stop after this many seconds of audio.")
    var seconds: Double?

    @Option(parsing: .unconditional, help: "Start this many seconds into the file.")
    var from: Double = 0

    @OptionGroup var audio: OutputOptions

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @OptionGroup var chain: ChainOptions

    func validate() throws {
        // `inf` is more than 0 (it plays to the end, as 1e300 does); NaN is no number of seconds.
        if let seconds, !(seconds > 0) {
            throw ValidationError("--seconds must be more than 0 (got \(seconds))")
        }
        if !(from >= 0 && from.isFinite) {
            throw ValidationError("--from must be 0 or more seconds (got \(from))")
        }
    }


    func run() throws {
        let progress = ProgressLine(label: "planning the master")
        let live: LiveInput
        let plan: LivePlan
        let engine: PlaybackEngine
        do {
            live = try LiveInput(input)
            plan = try LivePlan(input: live, options: chain, settle: true, progress: progress.update)
            progress.clear()
            StandardError.warnIfCutShort(plan.plan.inputEndedShort, name: live.name)
            engine = try PlaybackEngine(path: live.path, automation: plan.automation, moves: plan.plan.moves,
                                        output: audio.output, heldFrames: plan.heldFrames)
            try engine.start()
        } catch {
            progress.clear()
            throw chain.failure(error)
        }
        StopSignals.install()
        if from > 0 {
            guard from < engine.durationSeconds else {
                engine.stop()
                // A huge --from as "1e+300", not its 300 digits.
                let given = from < 1e6 ? String(format: "%.1f", from) : String(format: "%.3g", from)
                throw CommandFailure(String(format: "--from %@ s is past the end of '%@' (%.1f s)", given, live.name, engine.durationSeconds))
            }
            engine.seek(toSeconds: from)
        }
        if let seconds { engine.play(forSeconds: seconds) } else { engine.play() }
        let began = monotonicSeconds()
        let cpuBefore = Self.processCPUSeconds()

        let meterLine = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
        var stoppedBy = "end of file"
        var lastDraw = 0.0
        while true {
            let snapshot = engine.snapshot
            if snapshot.isFinished || snapshot.outputLost != nil { break }
            if StopSignals.isRequested { stoppedBy = "signal"; break }
            // The audio thread pauses by itself after `seconds` (dropped meter records could keep
            // the count short of it; the pause still says it is done).
            if let seconds, snapshot.playedSeconds >= seconds || snapshot.playedSeconds > 0 && !snapshot.isPlaying {
                stoppedBy = "--seconds"; break
            }
            if meterLine, monotonicSeconds() - lastDraw >= 0.1 {
                lastDraw = monotonicSeconds()
                let names = plan.plan.graph.sections
                let section = snapshot.section < names.count ? names[snapshot.section] : nil
                StandardError.write("\r" + Self.meterLine(snapshot, section: section) + "\u{1B}[K")
            }
            usleep(20_000)
        }
        // Let what is buffered be heard (or fade out: a signal's stop), then stop.
        engine.pause()
        usleep(useconds_t((audio.latency + 40) * 1000))
        let wall = monotonicSeconds() - began
        let cpu = Self.processCPUSeconds() - cpuBefore
        let final = engine.snapshot
        engine.stop()
        if meterLine { StandardError.write("\r\u{1B}[K") }
        if let failure = final.failure { throw CommandFailure(failure) }
        if let lost = final.outputLost {
            throw CommandFailure(String(format: "%@ after %.1f s of '%@'", lost, final.playedSeconds, live.name))
        }
        let summary = PlaySummary(input: live.name, snapshot: final, stoppedBy: stoppedBy, noAudio: audio.noAudio, wallSeconds: wall, cpuSeconds: cpu,
                                  requestedLatencyMilliseconds: audio.latency, chainLatencyMilliseconds: Double(engine.chainLatencyFrames) / engine.sampleRate * 1000,
                                  targetLUFS: plan.plan.targetLUFS, realtime: engine.audioThreadIsRealtime)
        if json { print(summary.json()) } else { StandardOutput.show(summary.table(), terminator: "") }
    }

    /// User + system time of every thread of this process so far (getrusage).
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func meterLine(_ s: MeterSnapshot, section: EmotionSection?) -> String {
        let time = ScreenView.time
        func lufs(_ value: Double) -> String { value.isFinite ? String(format: "%5.1f", value) : "  -∞ " }
        let where_ = section.map { "§\(s.section + 1) \($0.emotion.rawValue)" } ?? ""
        return "\(s.isPlaying ? "▶" : "⏸") \(time(s.playheadSeconds))/\(time(s.durationSeconds)) \(where_)  "
            + "M \(lufs(s.momentaryLUFS))  S \(lufs(s.shortTermLUFS))  I \(lufs(s.integratedLUFS)) LUFS  "
            + "TP \(lufs(s.recentTruePeakDBTP)) dBTP  GR \(String(format: "%4.1f", s.compressorReductionDB + s.limiterReductionDB)) dB  "
            + "xruns \(s.underruns + s.diskUnderruns)"
    }
}

/// What `play` prints at the end.
struct PlaySummary: Encodable {
    var input: String
    var stopped_by: String
    var audio: Bool
    var played_s: Double
    /// Wall-clock time from play to stop: the engine runs in real time, with or without sound.
    var wall_s: Double
    /// CPU time (user + system, all threads: disk, audio, meters) while playing.
    var cpu_s: Double
    @NullWhenAbsent var heard_integrated_lufs: Double?
    @NullWhenAbsent var heard_true_peak_dbtp: Double?
    @NullWhenAbsent var master_integrated_lufs: Double?
    @NullWhenAbsent var master_true_peak_dbtp: Double?
    var target_lufs: Double
    var underruns: Int
    var disk_underruns: Int
    var dropped_meter_records: Int
    @NullWhenAbsent var output_latency_ms: Double?
    var requested_latency_ms: Double
    var chain_latency_ms: Double
    /// The audio thread ran with real-time scheduling (root, or an `RLIMIT_RTPRIO`).
    var realtime_audio_thread: Bool

    init(input: String, snapshot: MeterSnapshot, stoppedBy: String, noAudio: Bool, wallSeconds: Double, cpuSeconds: Double, requestedLatencyMilliseconds: Double,
         chainLatencyMilliseconds: Double, targetLUFS: Double, realtime: Bool) {
        func finite(_ value: Double) -> Double? { value.isFinite ? value.asPrinted(places: 2) : nil }
        self.input = input
        stopped_by = stoppedBy
        audio = !noAudio
        played_s = snapshot.playedSeconds.asPrinted(places: 2)
        wall_s = wallSeconds.asPrinted(places: 2)
        cpu_s = cpuSeconds.asPrinted(places: 3)
        heard_integrated_lufs = finite(snapshot.heardIntegratedLUFS)
        heard_true_peak_dbtp = finite(snapshot.heardTruePeakDBTP)
        master_integrated_lufs = finite(snapshot.integratedLUFS)
        master_true_peak_dbtp = finite(snapshot.truePeakDBTP)
        target_lufs = targetLUFS.asPrinted(places: 2)
        underruns = snapshot.underruns
        disk_underruns = snapshot.diskUnderruns
        dropped_meter_records = snapshot.droppedMeterRecords
        output_latency_ms = snapshot.outputLatencyMilliseconds.map { $0.asPrinted(places: 1) }
        requested_latency_ms = requestedLatencyMilliseconds
        chain_latency_ms = chainLatencyMilliseconds.asPrinted(places: 2)
        realtime_audio_thread = realtime
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    func table() -> String {
        /// Unmeasured loudness and peaks are silence, "-inf" as in analyze's table.
        func number(_ value: Double?, _ unit: String, missing: String? = nil) -> String {
            value.map { String(format: "%.1f %@", $0, unit) } ?? missing ?? "-inf \(unit)"
        }
        let rows: [(String, String)] = [
            ("input", input),
            ("played", String(format: "%.1f s (%@)", played_s, stopped_by)),
            ("heard integrated", number(heard_integrated_lufs, "LUFS")),
            ("heard true peak", number(heard_true_peak_dbtp, "dBTP")),
            ("master target", number(target_lufs, "LUFS")),
            ("underruns", audio ? "\(underruns) (sound server), \(disk_underruns) (disk)" : "\(disk_underruns) (disk; no audio)"),
            ("output latency", audio ? number(output_latency_ms, "ms", missing: "unknown") + String(format: " (asked %.0f ms)", requested_latency_ms) : "none (no audio)"),
            ("audio thread", !audio ? "clock (no audio)" : realtime_audio_thread ? "real-time (SCHED_FIFO)" : "ordinary scheduling (no RLIMIT_RTPRIO)"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n") + "\n"
    }
}
