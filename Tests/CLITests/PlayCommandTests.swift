import AudioIO
import Foundation
import Testing
import TestSupport

/// `loopmind play` as a script uses it, against a private PulseAudio daemon (or none).
@Suite(.serialized)
struct PlayCommandTests {
    func summary(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    @Test func playsThroughTheSoundServerAndSummarises() throws {
        let server = try PrivatePulseServer()
        defer { server.stop() }
        let latencyArgument = String(Int(SuiteLoad.playbackLatencyMilliseconds))
        let attempt = try StarvedPlayback.retrying(latencyMilliseconds: SuiteLoad.playbackLatencyMilliseconds) {
            let result = try LoopMindExecutable.run(["play", "demo", "--seconds", "2", "--json", "--latency", latencyArgument],
                                                    environment: ["PULSE_SERVER": server.server])
            let json = try? summary(result.standardOutput)
            return (outcome: (result, json), underruns: json?["underruns"] as? Int ?? 0)
        }
        let (result, parsed) = attempt.outcome
        #expect(result.status == 0, "\(result.standardError)")
        let json = try #require(parsed, "not JSON: \(result.standardOutput)")
        let said = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        print("play summary: \(said)")
        #expect(json["audio"] as? Bool == true, "\(said)")
        #expect(json["stopped_by"] as? String == "--seconds", "\(said)")
        // Exactly the 2 s asked for (and the 10 ms fade after them), whatever the output buffered.
        let played = try #require((json["played_s"] as? NSNumber)?.doubleValue)
        #expect(played >= 2 && played <= 2.02, "\(said)")
        let heard = try #require((json["heard_integrated_lufs"] as? NSNumber)?.doubleValue)
        #expect(heard < -5 && heard > -30, "\(said)")
        // Starved from outside on every attempt, the summary must still say how often it underran.
        #expect(attempt.starved ? (json["underruns"] as? Int ?? 0) > 0 : json["underruns"] as? Int == 0, "\(said)")
        #expect(json["realtime_audio_thread"] as? Bool == RealtimePermission.granted, "\(said)")
        let latency = try #require((json["output_latency_ms"] as? NSNumber)?.doubleValue)
        #expect(latency > 0 && latency <= SuiteLoad.playbackLatencyMilliseconds * 1.3, "what was asked, give or take a block: \(said)")
    }

    /// Starts `play demo --json` on `server` (stdout on a pipe, stderr to `errorPath`), waits until
    /// it is playing (its stream appears on the server), then lets it play a second.
    func playingDemo(on server: PrivatePulseServer, errorPath: String? = nil) throws -> (pid: pid_t, output: Int32?) {
        var environment = ProcessInfo.processInfo.environment
        environment["PULSE_SERVER"] = server.server
        environment["XDG_DATA_HOME"] = LoopMindExecutable.isolatedDataHome
        let child = try ChildProcess.spawn([LoopMindExecutable.path, "play", "demo", "--json"], environment: environment,
                                           captureOutput: true, errorPath: errorPath)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !server.hasPlayingStream { usleep(100_000) }
        #expect(server.hasPlayingStream)
        usleep(1_000_000)
        return child
    }

    /// SIGQUIT (`Ctrl-\`) too: Swift's runtime took it for a backtrace, and play ran on.
    @Test(arguments: [SIGTERM, SIGQUIT])
    func stopsCleanlyOnASignal(_ signalNumber: Int32) throws {
        let server = try PrivatePulseServer()
        defer { server.stop() }
        let child = try playingDemo(on: server)
        kill(child.pid, signalNumber)
        let output = ChildProcess.readToEnd(child.output!)
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        #expect(status == 0, "exit status \(status)")
        let json = try summary(String(decoding: output, as: UTF8.self))
        #expect(json["stopped_by"] as? String == "signal")
        #expect((json["played_s"] as? NSNumber) != nil, "the summary says how much was played")
        #expect(!FileManager.default.fileExists(atPath: NSTemporaryDirectory() + "loopmind-demo-\(child.pid).wav"),
                "the demo's temporary file is removed")
    }

    /// The server dies while playing (a crash, a restart): play ends within a few seconds with one
    /// line that says so and a non-zero exit, instead of waiting forever for audio that never plays.
    @Test func aSoundServerThatGoesAwayEndsPlayWithOneLine() throws {
        let server = try PrivatePulseServer()
        defer { server.stop() }
        let errorPath = NSTemporaryDirectory() + "loopmind-play-stderr-\(getpid())"
        defer { unlink(errorPath) }
        let child = try playingDemo(on: server, errorPath: errorPath)
        server.stop()
        // It must end by itself; if it does not within 10 s, the test ends it and fails.
        var status: Int32 = 0
        let ended = Date().addingTimeInterval(10)
        while waitpid(child.pid, &status, WNOHANG) == 0 {
            if Date() > ended { kill(child.pid, SIGKILL); waitpid(child.pid, &status, 0); Issue.record("play kept waiting after the server went away"); break }
            usleep(50_000)
        }
        _ = ChildProcess.readToEnd(child.output!)
        let error = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        #expect(status != 0, "exit status \(status)")
        #expect(error.split(separator: "\n").count == 1, "\(error)")
        #expect(error.contains("sound server went away"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: NSTemporaryDirectory() + "loopmind-demo-\(child.pid).wav"),
                "the demo's temporary file is removed")
    }

    @Test func withoutASoundServerItSaysHowToStartOne() throws {
        let result = try LoopMindExecutable.run(["play", "demo", "--seconds", "1"],
                                                environment: ["PULSE_SERVER": "unix:/nonexistent/loopmind/native"])
        #expect(result.status != 0)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("no sound server"))
        #expect(result.standardError.contains("--no-audio"))
    }

    /// However `play demo` ends, its 28 MB temporary file is not left behind. It was removed on a
    /// clean stop only: every crash or SIGKILL (the console's crash test, a test's timeout) left
    /// one in the temporary folder. Now it is unlinked as soon as it is written and read through
    /// the descriptor that holds it.
    @Test func aKilledPlayLeavesNoDemoFile() throws {
        let scratch = try ScratchFolder("killed-play")
        var environment = ProcessInfo.processInfo.environment
        environment["PULSE_SERVER"] = "unix:/nonexistent/loopmind/native"
        environment["XDG_DATA_HOME"] = LoopMindExecutable.isolatedDataHome
        environment["TMPDIR"] = scratch.path
        let child = try ChildProcess.spawn([LoopMindExecutable.path, "play", "demo", "--no-audio", "--json"],
                                           environment: environment, captureOutput: true)
        let file = scratch.path + "/loopmind-demo-\(child.pid).wav"
        // Playing: the song is written and the engine reads it (the writer's temporary file is another name).
        func readsTheSong() -> Bool {
            let folder = "/proc/\(child.pid)/fd"
            return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains {
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + $0)
                return target == file || target == file + " (deleted)"
            }
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !readsTheSong() { usleep(100_000) }
        #expect(readsTheSong(), "play never opened the demo")
        kill(child.pid, SIGKILL)
        _ = ChildProcess.readToEnd(child.output!)
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []
        #expect(left.isEmpty, "left behind: \(left)")
    }

    /// A demo session killed while its song was being written leaves the writer's temporary file
    /// (and older versions left the whole song on any crash): the next one removes what belongs
    /// to processes that are gone, and keeps what belongs to a live one.
    @Test func theNextDemoSessionRemovesWhatGoneOnesLeft() throws {
        let scratch = try ScratchFolder("gone-sessions")
        let gone = try ChildProcess.spawn(["/bin/true"], environment: [:])
        var status: Int32 = 0
        waitpid(gone.pid, &status, 0)
        let alive = getpid()
        let names = ["loopmind-demo-\(gone.pid).wav", ".loopmind-demo-\(gone.pid).wav.loopmind-Ab12Cd",
                     "loopmind-demo-\(alive).wav", ".loopmind-demo-\(alive).wav.loopmind-Ab12Cd",
                     "loopmind-demo-\(gone.pid).wav.bak", "loopmind-demo-x.wav", "song.wav",
                     "my-loopmind-demo-\(gone.pid).wav", "..loopmind-demo-\(gone.pid).wav.loopmind-Ab12Cd"]
        for name in names { #expect(FileManager.default.createFile(atPath: scratch.path + "/" + name, contents: Data([1]))) }
        let result = try LoopMindExecutable.run(["play", "demo", "--no-audio", "--seconds", "0.2", "--json"],
                                                environment: ["PULSE_SERVER": "unix:/nonexistent/loopmind/native",
                                                              "TMPDIR": scratch.path])
        #expect(result.status == 0, "\(result.standardError)")
        let left = Set((try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? [])
        #expect(left == Set(names.dropFirst(2)), "\(left.sorted())")
    }

    @Test func noAudioRunsTheEngineOnTheClock() throws {
        let result = try LoopMindExecutable.run(["play", "demo", "--no-audio", "--seconds", "1.5", "--from", "16", "--json"],
                                                environment: ["PULSE_SERVER": "unix:/nonexistent/loopmind/native"])
        #expect(result.status == 0, "\(result.standardError)")
        let json = try summary(result.standardOutput)
        #expect(json["audio"] as? Bool == false)
        let wall = try #require((json["wall_s"] as? NSNumber)?.doubleValue)
        #expect(wall >= 1.4 && wall < 3, "real time: 1.5 s of audio takes about 1.5 s")
        let heard = try #require((json["master_integrated_lufs"] as? NSNumber)?.doubleValue)
        #expect(heard > -15, "the powerful chorus was metered")
    }

    /// A mono file plays on both loudspeakers, but its meters read it as `master` and `analyze`
    /// measure it, as one: `play` said "heard integrated -10.4 LUFS" beside a target of -13.5,
    /// for a master that `master` wrote at -13.4.
    @Test func aMonoFileIsMeteredAsTheMasterMeasuresIt() throws {
        let scratch = try ScratchFolder("mono-play")
        let path = scratch.path + "/mono.wav"
        let writer = try SoundFileWriter(path: path, sampleRate: 44100, channelCount: 1, encoding: .float32)
        try TestSignals.pinkNoise(seconds: 5).map { $0 * 0.3 }.withUnsafeBufferPointer { try writer.write($0) }
        try writer.commit()
        let mastered = try LoopMindExecutable.run(["master", path, "-o", scratch.path + "/master.wav", "--json"])
        #expect(mastered.status == 0, "\(mastered.standardError)")
        let output = try #require(try summary(mastered.standardOutput)["output"] as? [String: Any])
        let master = try #require((output["integrated_lufs"] as? NSNumber)?.doubleValue)
        let played = try LoopMindExecutable.run(["play", path, "--no-audio", "--json"],
                                                environment: ["PULSE_SERVER": "unix:/nonexistent/loopmind/native"])
        #expect(played.status == 0, "\(played.standardError)")
        let json = try summary(played.standardOutput)
        let target = try #require((json["target_lufs"] as? NSNumber)?.doubleValue)
        for key in ["master_integrated_lufs", "heard_integrated_lufs"] {
            let metered = try #require((json[key] as? NSNumber)?.doubleValue, "\(json)")
            #expect(abs(metered - master) <= 0.2 && abs(metered - target) <= 0.3, "\(key) \(metered) for a master at \(master), target \(target)")
        }
    }

    /// A span longer than any song plays to the end: `--seconds 1e300` overflowed its frame count
    /// and played nothing ("played 0.0 s (--seconds)"), and `--seconds inf` was refused as "must
    /// be more than 0 (got inf)".
    @Test(arguments: ["1e300", "inf"])
    func anEndlessSpanPlaysToTheEnd(seconds: String) throws {
        let result = try LoopMindExecutable.run(["play", "demo", "--no-audio", "--seconds", seconds, "--from", "78.8", "--json"],
                                                environment: ["PULSE_SERVER": "unix:/nonexistent/loopmind/native"])
        #expect(result.status == 0, "\(result.standardError)")
        let json = try summary(result.standardOutput)
        #expect(json["stopped_by"] as? String == "end of file", "\(json)")
        let played = try #require((json["played_s"] as? NSNumber)?.doubleValue)
        #expect(played > 1.1, "the last 1.2 s were played (\(played) s)")
    }

    /// A play too short for an integrated loudness (0.2 s, under BS.1770's 0.4 s block), without
    /// audio, still has every key: the unmeasured ones are null, as in `analyze --json`. They were
    /// left out, and a script reading `heard_integrated_lufs` failed on the missing key.
    @Test func theSummaryHasEveryKeyEvenUnmeasured() throws {
        let result = try LoopMindExecutable.run(["play", "demo", "--no-audio", "--seconds", "0.2", "--json"],
                                                environment: ["PULSE_SERVER": "unix:/nonexistent/loopmind/native"])
        #expect(result.status == 0, "\(result.standardError)")
        let json = try summary(result.standardOutput)
        let keys = ["audio", "chain_latency_ms", "cpu_s", "disk_underruns", "dropped_meter_records", "heard_integrated_lufs",
                    "heard_true_peak_dbtp", "input", "master_integrated_lufs", "master_true_peak_dbtp", "output_latency_ms",
                    "played_s", "realtime_audio_thread", "requested_latency_ms", "stopped_by", "target_lufs", "underruns", "wall_s"]
        #expect(json.keys.sorted() == keys, "\(json.keys.sorted())")
        for key in ["heard_integrated_lufs", "master_integrated_lufs", "output_latency_ms"] {
            #expect(json[key] is NSNull, "\(key): \(json[key] ?? "missing")")
        }
        #expect((json["heard_true_peak_dbtp"] as? NSNumber) != nil, "a true peak is measured at once")
        // The table says so as analyze's does ("-inf"; it said "-∞").
        let table = try LoopMindExecutable.run(["play", "demo", "--no-audio", "--seconds", "0.2"],
                                               environment: ["PULSE_SERVER": "unix:/nonexistent/loopmind/native"])
        #expect(table.standardOutput.contains("heard integrated  -inf LUFS") && !table.standardOutput.contains("∞"), "\(table.standardOutput)")
    }

    @Test(arguments: [
        (["play", "demo", "--latency", "1"], "--latency"),
        (["play", "demo", "--seconds", "0"], "--seconds"),
        // A negative number is the option's value, refused for its range (not "missing value").
        (["play", "demo", "--no-audio", "--seconds", "-1"], "--seconds must be more than 0 (got -1.0)"),
        (["play", "demo", "--no-audio", "--from", "-3"], "--from must be 0 or more seconds (got -3.0)"),
        (["play", "demo", "--no-audio", "--latency", "-5"], "--latency must be between 5 and 2000 ms (got -5.0)"),
        (["play", "demo", "--no-audio", "--from", "500"], "past the end"),
        // Once its 301 digits.
        (["play", "demo", "--no-audio", "--from", "1e300"], "loopmind: --from 1e+300 s is past the end of 'demo song' (80.0 s)\n"),
        (["play", "/nonexistent/song.wav", "--no-audio"], "cannot read"),
        (["play", "demo", "--emotion", "sleepy"], "unknown emotion"),
    ])
    func impossibleRequestsGetOneLine(arguments: [String], expected: String) throws {
        let result = try LoopMindExecutable.run(arguments, environment: ["PULSE_SERVER": "unix:/nonexistent/loopmind/native"])
        #expect(result.status != 0)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(expected), "\(result.standardError)")
    }
}
