import ArgumentParser
import Playback

/// Where live audio goes (`play` and `console`): a sink of the sound server, its latency, or no
/// sound at all.
struct OutputOptions: ParsableArguments {
    @Option(help: "The PulseAudio sink to play to (default: the server's default sink).")
    var sink: String?

    @Option(parsing: .unconditional, help: "Output buffer, ms: a tweak is heard within this (plus a quarter of it).")
    var latency: Double = PlaybackEngine.defaultLatencyMilliseconds

    @Flag(name: .customLong("no-audio"), help: "Run the engine on a real-time clock without a sound server (meters move, nothing is heard).")
    var noAudio = false

    func validate() throws {
        if !(latency >= 5 && latency <= 2000) {
            throw ValidationError("--latency must be between 5 and 2000 ms (got \(latency))")
        }
        if noAudio && sink != nil {
            throw ValidationError("give --sink or --no-audio, not both")
        }
    }

    var output: PlaybackEngine.Output {
        noAudio ? .clock : .soundServer(server: nil, sink: sink, latencyMilliseconds: latency)
    }
}
