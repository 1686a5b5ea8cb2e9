import AudioIO
import Foundation
import Testing
import TestSupport

/// The `loopmind` executable end to end: help, versions, analysis output, the demo song,
/// and one clean error line (never a crash) for every kind of bad input.
@Suite(.serialized) struct CommandLineTests {
    /// This test's own folder, removed after it.
    let scratch: ScratchFolder
    var folder: String { scratch.path }

    init() throws {
        scratch = try ScratchFolder("cli")
    }

    /// A WAV file built byte by byte, so damaged and unusual files can be made on purpose.
    /// The demo song written as `whole.EXT` in `folder`, and its first quarter of bytes as
    /// `cut.EXT` (an interrupted download): returns the cut file's path.
    static func cutDemo(in folder: String, extension ext: String) throws -> String {
        let whole = folder + "/whole." + ext
        #expect(try LoopMindExecutable.run(["demo", "-o", whole]).status == 0)
        let bytes = try #require(FileManager.default.contents(atPath: whole))
        let cut = folder + "/cut." + ext
        try bytes.prefix(bytes.count / 4).write(to: URL(fileURLWithPath: cut))
        return cut
    }

    static func wavBytes(channels: Int, sampleRate: Int = 44100, floatSamples: [Float]) -> Data {
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        let payload = floatSamples.count * 4
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + payload))
        data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16))
        append(UInt16(3)); append(UInt16(channels)); append(UInt32(sampleRate))
        append(UInt32(sampleRate * 4 * channels)); append(UInt16(4 * channels)); append(UInt16(32))
        data.append(contentsOf: Array("data".utf8)); append(UInt32(payload))
        for sample in floatSamples { append(sample.bitPattern) }
        return data
    }

    func make(_ name: String, _ data: Data) throws -> String {
        let path = folder + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: Help and versions

    @Test(arguments: [[], ["analyze"], ["master"], ["play"], ["demo"], ["style"], ["style", "show"], ["style", "heatmap"],
                      ["style", "export"], ["style", "import"], ["style", "merge"], ["style", "reset"], ["style", "learn"],
                      ["style", "reference"], ["style", "reference", "add"], ["style", "reference", "list"], ["style", "reference", "remove"]])
    func helpOnEveryCommand(command: [String]) throws {
        let result = try LoopMindExecutable.run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("USAGE:"))
    }

    /// A usage error points at the help of the command that was typed, however deep.
    @Test(arguments: [(["style", "learn"], "loopmind style learn"),
                      (["style", "reference", "add", "--bogus"], "loopmind style reference add"),
                      (["style", "show", "--bogus"], "loopmind style show"),
                      (["master", "--bogus"], "loopmind master"),
                      (["master", "in.wav", "-o", "show.wav", "--bogus"], "loopmind master"),
                      (["nope"], "loopmind"), (["--bogus"], "loopmind")])
    func aUsageErrorNamesItsCommandsHelp(arguments: [String], command: String) throws {
        let result = try LoopMindExecutable.run(arguments)
        #expect(result.status == 1)
        #expect(result.standardError.hasSuffix(" (see '\(command) --help')\n"), "\(result.standardError)")
        #expect(try LoopMindExecutable.run(command.split(separator: " ").dropFirst().map(String.init) + ["--help"]).status == 0)
    }

    @Test func versionNamesTheLinkedLibraries() throws {
        let result = try LoopMindExecutable.run(["--version"])
        #expect(result.status == 0)
        for library in ["libsndfile", "libebur128", "libpulse", "ncurses"] {
            #expect(result.standardOutput.contains(library), "\(library) missing from: \(result.standardOutput)")
        }
    }

    // MARK: Analysis

    @Test func analyzeJSONHasTheSpecKeys() throws {
        let signal = (0..<44100 * 4).flatMap { index -> [Float] in
            let value = Float(0.1 * sin(2 * Double.pi * 1000 * Double(index) / 44100)); return [value, value]
        }
        let path = try make("tone.wav", Self.wavBytes(channels: 2, floatSamples: signal))
        let result = try LoopMindExecutable.run(["analyze", path, "--json", "--timeline"])
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        for key in ["integrated_lufs", "loudness_range_lu", "true_peak_dbtp", "sample_peak_dbfs", "rms_dbfs",
                    "crest_factor_db", "momentary_max_lufs", "short_term_max_lufs", "duration_s", "sample_rate",
                    "channels", "bands", "tone_curve", "stereo", "spectral_centroid_hz", "true_peak_per_channel_dbtp", "timeline",
                    "dc_offset_dbfs"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["sample_rate"] as? Int == 44100 && object["channels"] as? Int == 2)
        #expect(abs((object["duration_s"] as? Double ?? 0) - 4) < 1e-6)
        // A 1 kHz stereo sine at -20 dBFS peak measures -20 LUFS (+0.69 K-weighting, -0.69 per-channel mean square).
        #expect(abs((object["integrated_lufs"] as? Double ?? 0) + 20) < 0.1)
        let curve = try #require(object["tone_curve"] as? [[String: Double]])
        #expect(curve.count == 31 && curve.allSatisfy { $0["hz"] != nil && $0.keys.contains("db") })
        let bands = try #require(object["bands"] as? [String: Any])
        #expect(Set(bands.keys) == ["low", "mid", "high"])
        let stereo = try #require(object["stereo"] as? [String: Double])
        #expect(stereo["correlation"] != nil && stereo["width"] != nil)
        #expect((object["timeline"] as? [Any])?.count == 40)
    }

    /// Silence is a readable file with nothing in it: `analyze` reports it (JSON has no infinity,
    /// so every −∞ is null) and no band claims a share of what is not there.
    @Test func aSilentFileIsAnalyzedWithNullsNotRefused() throws {
        let path = try make("silence.wav", Self.wavBytes(channels: 2, floatSamples: [Float](repeating: 0, count: 2 * 44100 * 3)))
        let result = try LoopMindExecutable.run(["analyze", path, "--json", "--emotions"])
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        for key in ["integrated_lufs", "true_peak_dbtp", "sample_peak_dbfs", "rms_dbfs", "momentary_max_lufs", "dc_offset_dbfs"] {
            #expect(object[key] is NSNull, "\(key): \(object[key] ?? "missing")")
        }
        let curve = try #require(object["tone_curve"] as? [[String: Any]])
        #expect(curve.count == 31 && curve.allSatisfy { $0["db"] is NSNull }, "\(curve.prefix(3))")
        let bands = try #require(object["bands"] as? [String: [String: Any]])
        #expect(bands.values.allSatisfy { $0["rms_dbfs"] is NSNull && $0["share"] as? Double == 0 }, "\(bands)")
    }

    /// Channels leaning out of phase are pointed out with what mono loses, 1 + (side/mid)² in
    /// dB; channels in phase are not.
    @Test func channelsOutOfPhaseArePointedOut() throws {
        let left = (0..<44100 * 2).map { Float(0.1 * sin(2 * Double.pi * 440 * Double($0) / 44100)) }
        let right = (0..<44100 * 2).map { Float(0.05 * sin(2 * Double.pi * 660 * Double($0) / 44100)) }
        let cases: [(String, [Float], String?)] = [
            ("flipped.wav", zip(left, right).flatMap { [$0 + $1, -$0 + $1] }, "out of phase: folded to mono it loses"),
            ("opposite.wav", left.flatMap { [$0, -$0] }, "out of phase: folded to mono it cancels entirely"),
            ("in-phase.wav", zip(left, right).flatMap { [$0 + $1, $0 + $1 * 0.5] }, nil),
        ]
        for (name, samples, warning) in cases {
            let path = try make(name, Self.wavBytes(channels: 2, floatSamples: samples))
            let text = try LoopMindExecutable.run(["analyze", path])
            let line = try #require(text.standardOutput.split(separator: "\n").first { $0.contains("correlation") })
            guard let warning else {
                #expect(!line.contains("out of phase"), "\(name): \(line)")
                continue
            }
            #expect(line.contains(warning), "\(name): \(line)")
            let json = try LoopMindExecutable.run(["analyze", path, "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
            if let width = (object["stereo"] as? [String: Any])?["width"] as? Double {
                #expect(line.contains(String(format: "loses %.1f dB)", 10 * log10(1 + width * width))), "\(name): \(line), side/mid \(width)")
            }
        }
    }

    /// An offset is reported, and pointed out when it is large enough to cost a master headroom.
    @Test func anOffsetIsReportedAndPointedOut() throws {
        let sine = (0..<44100 * 2).map { Float(0.1 * sin(2 * Double.pi * 1000 * Double($0) / 44100)) }
        for (offset, shown, pointedOut) in [(Float(0.1), "-20.0", true), (0.0005, "-66.0", false)] {
            let path = try make("offset-\(offset).wav", Self.wavBytes(channels: 2, floatSamples: sine.flatMap { [$0 + offset, $0 - offset] }))
            let text = try LoopMindExecutable.run(["analyze", path])
            #expect(text.status == 0, "\(text.standardError)")
            let line = try #require(text.standardOutput.split(separator: "\n").first { $0.contains("DC offset") })
            #expect(line.contains(shown + " dBFS"), "\(line)")
            #expect(line.contains("the master's DC blocker takes it out") == pointedOut, "\(line)")
            let json = try LoopMindExecutable.run(["analyze", path, "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
            let decibels = try #require(object["dc_offset_dbfs"] as? Double)
            #expect(abs(decibels - 20 * log10(Double(offset))) < 0.01, "\(decibels) dBFS")
        }
    }

    /// A 16-bit mix written 3.5 dB over full scale is flat at both rails on every half-cycle of
    /// its 440 Hz: each channel clips 880 times a second for 53.5 % of its samples (where
    /// |1.5 sin| is at least 1). The same sine under full scale has no clipping. `master` warns
    /// of the one and not the other.
    @Test func clippingIsCountedAndPointedOut() throws {
        for (amplitude, name) in [(1.5, "clipped.wav"), (0.9, "clean.wav")] {
            let path = folder + "/" + name
            let writer = try SoundFileWriter(path: path, sampleRate: 44100, channelCount: 2, encoding: .pcm16)
            let samples = (0..<(2 * 44100)).flatMap { frame -> [Float] in
                let value = Float(amplitude * sin(2 * Double.pi * 440 * Double(frame) / 44100 + 0.1))
                return [value, -value]
            }
            try samples.withUnsafeBufferPointer { try writer.write($0) }
            try writer.commit()
            let text = try LoopMindExecutable.run(["analyze", path])
            #expect(text.status == 0, "\(text.standardError)")
            let line = try #require(text.standardOutput.split(separator: "\n").first { $0.hasPrefix("  clipping") }.map(String.init))
            let json = try LoopMindExecutable.run(["analyze", path, "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
            let runs = try #require(object["clipped_runs"] as? Int), clipped = try #require(object["clipped_samples"] as? Int)
            // `master` works on it and says it arrived clipped, on stderr.
            let master = try LoopMindExecutable.run(["master", path, "-o", folder + "/master-" + name, "--emotion", "calm"])
            #expect(master.status == 0, "\(master.standardError)")
            if amplitude > 1 {
                #expect(master.standardError.contains("warning: '\(path)' arrives clipped (\(runs) runs of 3 or more samples at full scale, \(clipped) samples)"),
                        "\(master.standardError)")
                #expect(abs(runs - 2 * 880 * 2) <= 4, "\(runs) runs")
                let expected = 2.0 * 2 * 44100 * (1 - 2 / Double.pi * asin(1 / amplitude))
                #expect(abs(Double(clipped) - expected) < 0.01 * expected, "\(clipped) samples, about \(Int(expected)) expected")
                #expect(line.contains("\(runs) runs  (\(clipped) samples at full scale"), "\(line)")
                #expect(line.contains("clipped before mastering"), "\(line)")
                // The value ends at column 30, as every row's does.
                #expect(Array(line)[29] != " " && Array(line)[30] == " ", "misaligned: '\(line)'")
            } else {
                #expect(runs == 0 && clipped == 0)
                #expect(!master.standardError.contains("clipped"), "\(master.standardError)")
                #expect(line == "  clipping                none", "'\(line)'")
            }
        }
    }

    @Test func analyzeTableIsAlignedWithUnits() throws {
        let result = try LoopMindExecutable.run(["analyze"]) // the built-in demo song
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("demo song (built-in)"))
        let units = [" LUFS", " LU", " dBTP", " dBFS", " dB", " Hz"]
        let rows = result.standardOutput.split(separator: "\n").dropFirst(2).map(String.init).filter { line in
            line.hasPrefix("  ") && !line.hasPrefix("   ") && units.contains { line.contains($0) }
        }
        #expect(rows.count == 13, "\(rows)")
        for row in rows {
            // Label in 20 columns, value right-aligned in 8, then the unit: values end at column 30.
            let characters = Array(row)
            #expect(characters.count > 31 && characters[30] == " " && characters[29] != " ", "misaligned: '\(row)'")
        }
        #expect(result.standardError.isEmpty, "no progress bar when stderr is not a terminal")
    }

    // MARK: The demo song

    @Test func demoWritesTheSongAtomically() throws {
        let path = folder + "/demo.flac"
        let result = try LoopMindExecutable.run(["demo", "-o", path])
        #expect(result.status == 0, "\(result.standardError)")
        let analysis = try LoopMindExecutable.run(["analyze", path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(analysis.standardOutput.utf8)) as? [String: Any])
        #expect(object["duration_s"] as? Double == 80)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["demo.flac"])
    }

    @Test func aFailedDemoWriteKeepsTheExistingFile() throws {
        let path = try make("precious.mp3", Data("not really an mp3".utf8))
        let result = try LoopMindExecutable.run(["demo", "-o", path, "--bit-depth", "16"])
        #expect(result.status != 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not really an mp3")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["precious.mp3"])
    }

    // MARK: Bad input: one line, non-zero exit, never a crash

    static let badInputs = ["missing", "directory", "empty", "text", "truncated header", "truncated data",
                            "zero frames", "NaN", "infinity", "absurdly loud", "nine channels"]

    func badFile(_ kind: String) throws -> (path: String, reason: String) {
        let tone = (0..<4410).map { Float(0.1 * sin(Double($0) / 10)) }
        switch kind {
        case "missing": return (folder + "/nothing-here.wav", "no such file")
        case "directory":
            let path = folder + "/folder.wav"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            return (path, "is a directory")
        case "empty": return (try make("empty.wav", Data()), "empty file")
        case "text": return (try make("text.wav", Data("just some words, not audio at all\n".utf8)), "not a sound file")
        case "truncated header":
            return (try make("cut.wav", Self.wavBytes(channels: 1, floatSamples: tone).prefix(30)), "truncated header")
        case "truncated data":
            return (try make("short.wav", Self.wavBytes(channels: 1, floatSamples: tone).prefix(2000)), "truncated")
        case "zero frames": return (try make("zero.wav", Self.wavBytes(channels: 2, floatSamples: [])), "no audio frames")
        case "NaN": return (try make("nan.wav", Self.wavBytes(channels: 1, floatSamples: tone + [.nan] + tone)), "NaN")
        case "infinity":
            return (try make("inf.wav", Self.wavBytes(channels: 1, floatSamples: tone + [-.infinity] + tone)), "infinite")
        case "absurdly loud":
            return (try make("huge.wav", Self.wavBytes(channels: 1, floatSamples: tone + [1e19] + tone)), "beyond +120")
        case "nine channels":
            return (try make("nine.wav", Self.wavBytes(channels: 9, floatSamples: [Float](repeating: 0.1, count: 9 * 100))), "9 channels")
        default: fatalError("unknown bad input \(kind)")
        }
    }

    @Test(arguments: badInputs)
    func badInputGetsOneCleanLine(kind: String) throws {
        let (path, reason) = try badFile(kind)
        let result = try LoopMindExecutable.run(["analyze", path])
        #expect(result.status == 1, "exit \(result.status) for \(kind)")
        #expect(result.standardOutput.isEmpty)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(kind): \(result.standardError)")
        #expect(lines.first?.hasPrefix("loopmind: cannot read '\(path)': ") == true, "\(kind): \(result.standardError)")
        #expect(result.standardError.contains(reason), "\(kind): \(result.standardError)")
    }

    /// A file's name may hold a newline or an escape: the error is still one line, and the
    /// escape does not reach the terminal.
    @Test func aStrangeFileNameStaysOnOneLine() throws {
        let name = folder + "/first\nsecond\u{1B}[2J.wav"
        try #require(FileManager.default.createFile(atPath: name, contents: Data("not audio".utf8)))
        let result = try LoopMindExecutable.run(["analyze", name])
        #expect(result.status == 1)
        #expect(result.standardError == "loopmind: cannot read '\(folder)/first?second?[2J.wav': not a sound file (format not recognised)\n",
                "\(result.standardError)")
    }

    /// Output that cannot be written is a failure, never a crash or a silent success: with
    /// stderr closed an error still exits 1 (Foundation's FileHandle.write trapped: SIGILL,
    /// 132), and a report sent to a full disk or a closed stdout exits 1 with the reason.
    @Test func unwritableOutputIsAFailureNotACrash() throws {
        let binary = LoopMindExecutable.path
        let closedError = try LoopMindExecutable.runShell("'\(binary)' analyze '\(folder)/missing.wav' 2>&-; echo status=$?", environment: [:])
        #expect(closedError == "status=1\n", "\(closedError)")
        let full = try LoopMindExecutable.runShell("'\(binary)' analyze --json 2>&1 >/dev/full; echo status=$?", environment: [:])
        #expect(full == "loopmind: cannot write to standard output: No space left on device\nstatus=1\n", "\(full)")
        let closed = try LoopMindExecutable.runShell("'\(binary)' analyze 2>&1 >&-; echo status=$?", environment: [:])
        #expect(closed == "loopmind: cannot write to standard output: Bad file descriptor\nstatus=1\n", "\(closed)")
    }

    /// A folder given where a file is written is called a folder by every writer. `master -o`
    /// and `demo -o` said "unknown extension" (a folder has none) and `style export` the
    /// rename's "Is a directory".
    @Test func aFolderGivenAsTheOutputIsCalledOne() throws {
        let tone = (0..<44100).flatMap { index in [Float](repeating: Float(0.3 * sin(Double(index) * 2 * .pi * 440 / 44100)), count: 2) }
        let input = try make("tone.wav", Self.wavBytes(channels: 2, floatSamples: tone))
        let target = folder + "/out"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let runs: [([String], String)] = [
            (["master", input, "-o", target], "loopmind: cannot write '\(target)': is a folder; name the master's file, e.g. '\(target)/master.wav' (see 'loopmind master --help')\n"),
            (["master", input, "-o", target + "//"], "loopmind: cannot write '\(target)//': is a folder; name the master's file, e.g. '\(target)/master.wav' (see 'loopmind master --help')\n"),
            (["master", input, "-o", folder + "/m.wav", "--moves", target], "loopmind: cannot write '\(target)': is a folder\n"),
            (["demo", "-o", target], "loopmind: cannot write '\(target)': is a folder\n"),
            (["style", "export", target], "loopmind: cannot write '\(target)': is a folder\n"),
        ]
        for (arguments, message) in runs {
            let result = try LoopMindExecutable.run(arguments)
            #expect(result.status != 0 && result.standardError == message, "\(arguments): \(result.standardError)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder + "/m.wav"), "the moves' folder is refused before the master is written")
    }

    /// A device, pipe or socket where a file is written (directly or through a link) is refused
    /// by every writer and left as it is: the write is a rename, which put a file in its place
    /// (`style export /dev/full`, run as root, replaced the device with a profile).
    @Test func aDevicePipeOrSocketIsNeverReplaced() throws {
        let tone = (0..<44100).flatMap { index in [Float](repeating: Float(0.3 * sin(Double(index) * 2 * .pi * 440 / 44100)), count: 2) }
        let input = try make("tone.wav", Self.wavBytes(channels: 2, floatSamples: tone))
        let pipe = folder + "/pipe.wav", pipeJSON = folder + "/pipe.json", device = folder + "/null.wav", deviceJSON = folder + "/null.json"
        #expect(mkfifo(pipe, 0o644) == 0 && mkfifo(pipeJSON, 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: device, withDestinationPath: "/dev/null")
        try FileManager.default.createSymbolicLink(atPath: deviceJSON, withDestinationPath: "/dev/null")
        let runs: [([String], String)] = [
            (["master", input, "-o", pipe], pipe), (["master", input, "-o", device], device),
            (["master", input, "-o", folder + "/m.wav", "--moves", pipeJSON], pipeJSON),
            (["demo", "-o", pipe], pipe), (["demo", "-o", device], device),
            (["style", "export", pipeJSON], pipeJSON), (["style", "export", deviceJSON], deviceJSON),
        ]
        for (arguments, target) in runs {
            let result = try LoopMindExecutable.run(arguments, environment: ["XDG_DATA_HOME": folder + "/data"])
            #expect(result.status == 1 && result.standardError == "loopmind: cannot write '\(target)': is a device, pipe or socket, not a file; nothing was written\n",
                    "\(arguments): \(result.standardError)")
        }
        var status = stat()
        #expect(lstat(pipe, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO && lstat(pipeJSON, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: device) == "/dev/null")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: deviceJSON) == "/dev/null")
        #expect(!FileManager.default.fileExists(atPath: folder + "/m.wav"), "the moves' pipe is refused before the master is written")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["null.json", "null.wav", "pipe.json", "pipe.wav", "tone.wav"])
    }

    /// Names in what is printed for people on stdout (tables, messages) show control characters
    /// as "?", as errors do: `analyze` printed a name's escape sequence to the terminal as it was,
    /// and `style reference list` the source names of an imported profile.
    @Test func namesOnStandardOutputKeepEscapesFromTheTerminal() throws {
        let tone = (0..<(4 * 44100)).flatMap { index in [Float](repeating: Float(0.3 * sin(Double(index) * 2 * .pi * 440 / 44100)), count: 2) }
        let input = try make("x\u{1B}[31mred.wav", Self.wavBytes(channels: 2, floatSamples: tone))
        let environment = ["XDG_DATA_HOME": folder + "/data", "PULSE_SERVER": "unix:/nonexistent/loopmind/native"]
        let runs: [([String], String?)] = [
            (["analyze", input], "x?[31mred.wav"), (["master", input, "-o", folder + "/m.wav"], nil),
            (["play", input, "--no-audio", "--seconds", "0.2"], "x?[31mred.wav"),
            (["style", "reference", "add", "red", input], nil), (["style", "reference", "list"], "from x?[31mred.wav"),
            (["style", "export", folder + "/dna\u{1B}]0;title\u{07}.json"], "dna?]0;title?.json"),
        ]
        for (arguments, shown) in runs {
            let result = try LoopMindExecutable.run(arguments, environment: environment)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
            #expect(!result.standardOutput.unicodeScalars.contains { $0 != "\n" && $0.properties.generalCategory == .control },
                    "\(arguments): \(result.standardOutput.debugDescription)")
            if let shown { #expect(result.standardOutput.contains(shown), "\(arguments): \(result.standardOutput)") }
        }
    }

    /// `-o` on a link writes the master into the file the link names and keeps the link, as cp or
    /// a shell's `>` would; it used to replace the link with a file and leave the linked one old.
    @Test func aMasterThroughALinkLandsInTheLinkedFile() throws {
        let tone = (0..<(2 * 44100)).flatMap { index in [Float](repeating: Float(0.3 * sin(Double(index) * 2 * .pi * 440 / 44100)), count: 2) }
        let input = try make("tone.wav", Self.wavBytes(channels: 2, floatSamples: tone))
        try FileManager.default.createDirectory(atPath: folder + "/versions", withIntermediateDirectories: false)
        let v3 = try make("versions/v3.wav", Data("an old master".utf8))
        let latest = folder + "/latest.wav"
        try FileManager.default.createSymbolicLink(atPath: latest, withDestinationPath: "versions/v3.wav")
        let result = try LoopMindExecutable.run(["master", input, "-o", latest])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: latest) == "versions/v3.wav")
        let written = try Data(contentsOf: URL(fileURLWithPath: v3))
        #expect(written.count > 100_000 && written.prefix(4) == Data("RIFF".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["latest.wav", "tone.wav", "versions"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/versions") == ["v3.wav"])
        // A link to nothing is refused before any work, even before the input is opened (it was
        // refused only once the master was made; /dev/null as the input would be refused first).
        try FileManager.default.createSymbolicLink(atPath: folder + "/next.wav", withDestinationPath: "versions/v4.wav")
        let dangling = try LoopMindExecutable.run(["master", "/dev/null", "-o", folder + "/next.wav"])
        #expect(dangling.status == 1
                && dangling.standardError == "loopmind: cannot write '\(folder)/next.wav': is a link to a file that does not exist; nothing was written\n",
                "\(dangling.standardError)")
    }

    /// A file's name in an error is printed as in a warning: control characters as "?", one line.
    @Test func anErrorKeepsEscapesFromTheTerminal() throws {
        let profile = folder + "/odd\u{1B}[2Jname.json"
        try #require(FileManager.default.createFile(atPath: profile, contents: Data("{ not json".utf8)))
        let result = try LoopMindExecutable.run(["master", "demo", "-o", folder + "/out.wav", "--emotion", "calm", "--profile", profile])
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1 && result.standardError.contains("odd?[2Jname.json")
                && !result.standardError.contains("\u{1B}"), "\(result.standardError.debugDescription)")
    }

    @Test func impossibleOptionsGetOneLine() throws {
        for arguments in [["analyze", "--bogus"], ["demo"], ["demo", "-o", "x.wav", "--bit-depth", "12"], ["frobnicate"],
                          ["play", "demo", "--no-audio", "--seconds", "nan"], ["play", "demo", "--no-audio", "--seconds", "0"]] {
            let result = try LoopMindExecutable.run(arguments, in: folder)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(arguments): \(result.standardError)")
            #expect(result.standardError.hasPrefix("loopmind: "))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }
}

/// An interrupted write leaves either nothing or, if it had finished, the whole file. SIGKILL
/// too: the file has no name until it is complete (a kill left a hidden partial file).
@Suite struct InterruptTests {
    @Test(arguments: [SIGINT, SIGTERM, SIGKILL])
    func interruptedDemoWriteLeavesNoPartialFile(signalNumber: Int32) throws {
        let scratch = try ScratchFolder("signal")
        defer { withExtendedLifetime(scratch) {} }   // removed at the end of the test, not after its last use
        let folder = scratch.path
        for delay in [0.05, 0.2, 0.4] {
            let path = folder + "/song.wav"
            try? FileManager.default.removeItem(atPath: path)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: LoopMindExecutable.path)
            process.arguments = ["demo", "-o", path]
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, signalNumber)
            process.waitUntilExit()
            let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            if process.terminationReason == .uncaughtSignal {
                #expect(files.isEmpty, "after signal \(signalNumber) at \(delay) s: \(files)")
            } else {
                #expect(process.terminationStatus == 0 && files == ["song.wav"], "finished before the signal: \(files)")
            }
        }
    }
}

/// `loopmind master` from the command line: JSON, and clean refusals that never touch `-o`.
@Suite(.serialized) struct MasterCommandTests {
    /// This test's own folder, removed after it.
    let scratch: ScratchFolder
    var folder: String { scratch.path }

    init() throws {
        scratch = try ScratchFolder("master-cli")
    }

    @Test func jsonHasInputSettingsMovesAndOutput() throws {
        let result = try LoopMindExecutable.run(["master", "demo", "-o", folder + "/out.wav", "--emotion", "dreamy",
                                                 "--intensity", "0.7", "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        for key in ["input", "settings", "moves", "output", "loudness_loop"] { #expect(object[key] != nil, "missing \(key)") }
        let settings = try #require(object["settings"] as? [String: Any])
        for name in ["eq.low_shelf_db", "eq.high_shelf_db", "eq.tilt_db", "comp.threshold_db", "comp.ratio", "comp.attack_ms",
                     "comp.release_ms", "comp.knee_db", "exciter.drive", "exciter.mix", "stereo.width",
                     "loudness.target_lufs", "limiter.ceiling_dbtp", "limiter.release_ms"] {
            #expect(settings[name] is Double, "missing setting \(name)")
        }
        #expect(settings["exciter.mode"] as? String == "tape", "the mode is given by name")
        let moves = try #require(object["moves"] as? [[String: Any]])
        #expect(moves.allSatisfy { $0["time"] != nil && $0["parameter"] != nil && $0["from"] != nil && $0["to"] != nil && $0["reason"] != nil })
        let output = try #require(object["output"] as? [String: Any])
        let reached = try #require(output["integrated_lufs"] as? Double)
        #expect(abs(reached - (-11.6)) <= 0.2, "dreamy at 0.7 aims at -11.6 LUFS, reached \(reached)")
        #expect((output["true_peak_dbtp"] as? Double ?? 0) <= -1)
        // A WAV's limiter works at the ceiling itself (a lossy encoder's would work under it).
        let loop = try #require(object["loudness_loop"] as? [String: Any])
        #expect(loop["ceiling_dbtp"] as? Double == -1 && loop["limiter_ceiling_dbtp"] as? Double == -1, "\(loop)")
        // Every key every time: no shortfall is null, not a missing key (it was left out).
        #expect(loop["shortfall"] is NSNull, "\(loop)")
        let sections = try #require(object["sections"] as? [[String: Any]])
        let sectionKeys = ["emotion", "end", "gain_db", "input_lufs", "intensity", "output_lufs", "reason", "settings", "start", "target_lufs"]
        #expect(sections.allSatisfy { $0.keys.sorted() == sectionKeys }, "\(sections.map { $0.keys.sorted() })")
    }

    /// `--intensity -0` is intensity 0, and no figure is a negative zero: the sections' lines and
    /// reasons said "calm -0.0" and "(-0.0)", and the JSON `"intensity" : -0` and settings such as
    /// `"eq.high_shelf_db" : -0` (a hair under zero, rounded). `--ceiling -0` and `--target -0`
    /// were reported as "ceiling -0.0 dBTP" and "cannot reach -0.0 LUFS".
    @Test func noFigureIsANegativeZero() throws {
        for extra in [["--json"], [], ["--ceiling", "-0", "--target", "-0"], ["--ceiling", "-0", "--target", "-0", "--json"]] {
            let result = try LoopMindExecutable.run(["master", "demo", "-o", folder + "/zero.wav", "--intensity", "-0"] + extra)
            #expect(result.status == 0, "\(result.standardError)")
            let negativeZeros = (result.standardOutput + result.standardError).split(separator: "\n").filter {
                $0.contains(/-0\.0\)|: -0(\.0+)?,?$|\s-0\.0\s|\(-0\.0+\s/)
            }
            #expect(negativeZeros.isEmpty, "\(extra): \(negativeZeros)")
        }
    }

    /// The exciter's mode is a choice: every report gives it by name (SPEC: tape/tube), in the
    /// JSON's settings and moves, the printed moves and the CSV, never as "0.00 → 1.00".
    @Test func aChoiceIsReportedByName() throws {
        let csv = folder + "/moves.csv"
        let json = try LoopMindExecutable.run(["master", "demo", "-o", folder + "/dark.wav", "--emotion", "dark", "--json", "--moves", csv])
        #expect(json.status == 0, "\(json.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let settings = try #require(object["settings"] as? [String: Any])
        #expect(settings["exciter.mode"] as? String == "tube" && settings["exciter.drive"] is Double, "\(settings)")
        let moves = try #require(object["moves"] as? [[String: Any]])
        let mode = try #require(moves.first { $0["parameter"] as? String == "exciter.mode" })
        #expect(mode["from"] as? String == "tape" && mode["to"] as? String == "tube", "\(mode)")
        #expect(moves.filter { $0["parameter"] as? String != "exciter.mode" }.allSatisfy { $0["from"] is Double && $0["to"] is Double })
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\r\n")
        #expect(lines.contains { $0.hasPrefix("0.000,exciter.mode,tape,tube,") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("0.000,exciter.drive,0.000,") })
        let table = try LoopMindExecutable.run(["master", "demo", "-o", folder + "/dark.wav", "--emotion", "dark"])
        let printed = try #require(table.standardOutput.split(separator: "\n").first { $0.contains("exciter.mode") })
        #expect(printed.contains("    tape →     tube   dark"), "\(printed)")
    }

    /// The summary and the shortfall line name one target. The demo folded to mono is a case
    /// in point: its emotion graph's target, just past -9.85 LUFS, is out of reach under the ceiling
    /// (one speaker's loudness is 3 dB under two's for the same peak). The table once read the
    /// JSON's three-decimal -9.85 and printed it "-9.8" under a shortfall line that said "-9.9".
    @Test func theSummaryAndTheShortfallNameOneTarget() throws {
        let stereoPath = folder + "/demo.wav"
        #expect(try LoopMindExecutable.run(["demo", "-o", stereoPath]).status == 0)
        let stereo = try SoundFileReader(path: stereoPath)
        var interleaved = [Float](repeating: 0, count: try #require(stereo.frameCount) * 2)
        let read = try interleaved.withUnsafeMutableBufferPointer { try stereo.read(into: $0) }
        let mono: [Float] = (0..<read).map { frame in
            let left = interleaved[2 * frame], right = interleaved[2 * frame + 1]
            return (left + right) / 2
        }
        let input = folder + "/mono.wav"
        try CommandLineTests.wavBytes(channels: 1, floatSamples: mono).write(to: URL(fileURLWithPath: input))
        let result = try LoopMindExecutable.run(["master", input, "-o", folder + "/mono-master.wav"])
        #expect(result.status == 0, "\(result.standardError)")
        let shortfall = try #require(result.standardError.split(separator: "\n").first { $0.contains("cannot reach") },
                                     "\(result.standardError)")
        let summary = try #require(result.standardOutput.split(separator: "\n").first { $0.hasPrefix("target ") })
        let aimed = try #require(shortfall.firstMatch(of: /cannot reach (-?[0-9.]+) LUFS/)?.output.1)
        let printed = try #require(summary.firstMatch(of: /^target +(-?[0-9.]+) LUFS/)?.output.1)
        #expect(aimed == printed, "summary: \(summary)\nshortfall: \(shortfall)")
    }

    /// An Ogg file cut short (an interrupted download) is mastered and played as the audio it
    /// holds: its length, which libsndfile could not find, once trapped `master` and `play`.
    @Test func aCutOggFileIsMasteredAsTheAudioItHolds() throws {
        let cut = try CommandLineTests.cutDemo(in: folder, extension: "ogg")
        let master = try LoopMindExecutable.run(["master", cut, "-o", folder + "/cut-master.wav", "--emotion", "calm", "--json"])
        #expect(master.status == 0, "\(master.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(master.standardOutput.utf8)) as? [String: Any])
        let input = try #require(object["input"] as? [String: Any])
        let seconds = try #require(input["duration_s"] as? Double)
        #expect(seconds > 10 && seconds < 30, "a quarter of the 80 s demo: \(seconds) s")
        #expect(try SoundFileReader(path: folder + "/cut-master.wav").frameCount == Int((seconds * 44100).rounded()))
        let play = try LoopMindExecutable.run(["play", cut, "--no-audio", "--seconds", "1"])
        #expect(play.status == 0, "\(play.standardError)")
    }

    /// A cut MP3 is read as the audio it holds, and `analyze` and `master` say it ended short of
    /// the length its header announces: a partial download is not mastered as if it were the song.
    @Test func aCutMP3IsWorkedOnWithAWarning() throws {
        let cut = try CommandLineTests.cutDemo(in: folder, extension: "mp3")
        let whole = folder + "/whole.mp3"
        for arguments in [["analyze", cut], ["master", cut, "-o", folder + "/cut-master.wav", "--emotion", "calm"]] {
            let result = try LoopMindExecutable.run(arguments)
            #expect(result.status == 0, "\(arguments[0]): \(result.standardError)")
            let warning = result.standardError.split(separator: "\n").first { $0.hasPrefix("loopmind: warning: '\(cut)' ends after ") }
            #expect(warning?.hasSuffix("short of the 80.0 s its header announces; it may have been cut short") == true,
                    "\(arguments[0]): \(result.standardError)")
        }
        let untouched = try LoopMindExecutable.run(["analyze", whole])
        #expect(!untouched.standardError.contains("warning"), "\(untouched.standardError)")
        // `play` (and the console) end where the audio does, not where the header says.
        let json = try LoopMindExecutable.run(["analyze", cut, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let held = try #require(report["duration_s"] as? Double)
        let past = try LoopMindExecutable.run(["play", cut, "--no-audio", "--from", String(format: "%.1f", held + 2)])
        // `play` names its input by the file's name, as its summary does.
        #expect(past.status != 0 && past.standardError.contains(String(format: "is past the end of 'cut.mp3' (%.1f s)", held)),
                "\(past.standardError)")
        let last = try LoopMindExecutable.run(["play", cut, "--no-audio", "--from", String(format: "%.1f", held - 1), "--json"])
        #expect(last.status == 0 && last.standardError.contains("warning: 'cut.mp3' ends after"), "\(last.standardError)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(last.standardOutput.utf8)) as? [String: Any])
        #expect(summary["stopped_by"] as? String == "end of file", "\(summary)")
    }

    /// `--target -16` is how a target is written: a value that starts with a dash is still a value.
    @Test func negativeValuesAreValuesNotOptions() throws {
        let result = try LoopMindExecutable.run(["master", "demo", "-o", folder + "/quiet.wav", "--emotion", "calm",
                                                 "--target", "-16", "--ceiling", "-2", "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let output = try #require(object["output"] as? [String: Any])
        let reached = try #require(output["integrated_lufs"] as? Double)
        #expect(abs(reached - (-16)) <= 0.2, "aimed at -16 LUFS, reached \(reached)")
        #expect(try #require(output["true_peak_dbtp"] as? Double) <= -2)
        // Out of range, they are refused for what they are.
        for (option, value) in [("--transition", "-1"), ("--match-amount", "-0.1"), ("--intensity", "-0.5")] {
            let refused = try LoopMindExecutable.run(["master", "demo", "-o", folder + "/never.wav", option, value])
            #expect(refused.status != 0)
            #expect(refused.standardError.contains("\(option) must be between"), "\(option) \(value): \(refused.standardError)")
        }
    }

    /// Readable files with no loudness to master get the reason that is true of them: BS.1770
    /// has nothing to measure in a clip under 0.4 s or under its -70 LUFS gate, though neither is silent.
    @Test(arguments: ["silent", "50 ms", "whisper"])
    func anInputWithNoLoudnessSaysWhy(kind: String) throws {
        let sine = { (count: Int, amplitude: Double) in (0..<count).flatMap { index in
            [Float](repeating: Float(amplitude * sin(Double(index) * 2 * .pi * 440 / 44100)), count: 2) } }
        let (samples, reason): ([Float], String) = switch kind {
        case "silent": ([Float](repeating: 0, count: 2 * 44100), "the audio is silent")
        case "50 ms": (sine(2205, 0.5), "it is 0.050 s long; loudness (BS.1770) is measured on 0.4 s blocks")
        default: (sine(2 * 44100, 0.0001), "too quiet to measure: every 0.4 s block is under -70 LUFS, BS.1770's absolute gate (sample peak -80.0 dBFS)")
        }
        let input = folder + "/\(kind.replacingOccurrences(of: " ", with: "-")).wav"
        try CommandLineTests.wavBytes(channels: 2, floatSamples: samples).write(to: URL(fileURLWithPath: input))
        let path = folder + "/kept.wav"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path))
        let result = try LoopMindExecutable.run(["master", input, "-o", path])
        #expect(result.status == 1, "\(kind): exit \(result.status)")
        #expect(result.standardError.hasPrefix("loopmind: cannot read '\(input)': "), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1 && result.standardError.contains(reason), "\(kind): \(result.standardError)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
    }

    /// A float file so far over full scale that the trim cannot stage it (a sine at +109.5 dBFS)
    /// is refused with the reason, and an existing output is kept. It was mastered through a
    /// compressor pinned at 0 dBFS and said it "cannot reach" a target it was 5 LU over.
    @Test func aFloatFilePastTheTrimsReachIsRefused() throws {
        let samples = (0..<(3 * 44100)).flatMap { index in
            [Float](repeating: Float(3e5 * sin(Double(index) * 2 * .pi * 440 / 44100)), count: 2) }
        let input = folder + "/past-reach.wav"
        try CommandLineTests.wavBytes(channels: 2, floatSamples: samples).write(to: URL(fileURLWithPath: input))
        let analyzed = try LoopMindExecutable.run(["analyze", input])
        #expect(analyzed.status == 0, "analyze measures it: \(analyzed.standardError)")
        let path = folder + "/kept-past-reach.wav"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path))
        let result = try LoopMindExecutable.run(["master", input, "-o", path])
        #expect(result.status == 1)
        #expect(result.standardError == "loopmind: cannot read '\(input)': it sits at +108.9 LUFS (samples up to +109.5 dBFS), further over full scale than the input trim's 96 dB can bring it; a file this hot is most likely mis-scaled (integer samples stored as floats, say)\n",
                "\(result.standardError)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
    }

    @Test(arguments: CommandLineTests.badInputs)
    func everyBadInputOfAnalyzeIsRefusedByMasterToo(kind: String) throws {
        let helper = try CommandLineTests()
        let (input, reason) = try helper.badFile(kind)
        let path = folder + "/kept-\(kind.replacingOccurrences(of: " ", with: "-")).wav"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path))
        let result = try LoopMindExecutable.run(["master", input, "-o", path])
        #expect(result.status == 1, "\(kind): exit \(result.status)")
        #expect(result.standardError.split(separator: "\n").count == 1, "\(kind): \(result.standardError)")
        #expect(result.standardError.hasPrefix("loopmind: cannot read '\(input)': ") && result.standardError.contains(reason),
                "\(kind): \(result.standardError)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).allSatisfy { !$0.contains(".loopmind-") })
    }

    /// The console outside a terminal says so and stops, instead of writing escape codes into
    /// a pipe and waiting for keys that never come (it ran, drawing into the log).
    @Test func theConsoleWithoutATerminalSaysSo() throws {
        let result = try LoopMindExecutable.run(["console"])
        #expect(result.status == 1 && result.standardOutput.isEmpty, "\(result.standardOutput.prefix(200).debugDescription)")
        #expect(result.standardError == "loopmind: the console needs a terminal (its input or output is not one); 'loopmind play' plays without one\n",
                "\(result.standardError)")
    }

    /// A bit depth the format cannot hold is refused with what it can hold (it said "flac
    /// cannot store 32f-bit samples").
    @Test func aBitDepthTheFormatCannotHoldIsRefusedWithWhatItCan() throws {
        let flac = try LoopMindExecutable.run(["master", "demo", "-o", folder + "/x.flac", "--bit-depth", "32f"])
        #expect(flac.status == 1 && flac.standardError == "loopmind: cannot write '\(folder)/x.flac': flac cannot store 32-bit float samples; use --bit-depth 16 or 24\n",
                "\(flac.standardError)")
        let ogg = try LoopMindExecutable.run(["master", "demo", "-o", folder + "/x.ogg", "--bit-depth", "24"])
        #expect(ogg.status == 1 && ogg.standardError.hasSuffix("ogg is a lossy format; a bit depth applies to wav, aiff and flac\n"), "\(ogg.standardError)")
        // Any bit depth, 32f too (it was taken, and ignored), for master and demo alike, before any
        // work: the input is not even opened (/dev/null would be refused first; an MP3's bit depth
        // was refused only once the master was made).
        for command in [["master", "/dev/null", "-o", folder + "/x.ogg"], ["master", "/dev/null", "-o", folder + "/x.mp3"],
                        ["demo", "-o", folder + "/x.opus"]] {
            for depth in ["16", "32f"] {
                let lossy = try LoopMindExecutable.run(command + ["--bit-depth", depth])
                #expect(lossy.status == 1 && lossy.standardError.hasSuffix("is a lossy format; a bit depth applies to wav, aiff and flac\n"),
                        "\(command) \(depth): \(lossy.standardError)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func impossibleOptionsAndBadInputsLeaveAnExistingOutputAlone() throws {
        let path = folder + "/keep.wav"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path))
        let empty = folder + "/empty.wav"
        try #require(FileManager.default.createFile(atPath: empty, contents: Data()))
        let attempts: [[String]] = [
            ["master", "demo", "-o", path, "--ceiling", "0.5"],
            ["master", "demo", "-o", path, "--emotion", "angry"],
            ["master", "demo", "-o", path, "--platform", "myspace"],
            ["master", "demo", "-o", path, "--target", "3"],
            ["master", "demo", "-o", path, "--intensity", "1.5"],
            ["master", folder + "/missing.wav", "-o", path],
            ["master", empty, "-o", path],
            ["master", folder, "-o", path],
        ]
        for arguments in attempts {
            let result = try LoopMindExecutable.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(arguments): \(result.standardError)")
            #expect(result.standardError.hasPrefix("loopmind: "), "\(arguments): \(result.standardError)")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious", "\(arguments) touched the output")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["empty.wav", "keep.wav"], "\(files)")
    }

    /// A 1 s stereo 440 Hz sine at `levelDBFS` in this test's folder: a small mix that masters fast.
    func sineMix(_ name: String, levelDBFS: Double) throws -> String {
        let samples = TestSignals.sine(frequency: 440, levelDBFS: levelDBFS, seconds: 1, sampleRate: 44100)
        let path = folder + "/" + name
        try CommandLineTests.wavBytes(channels: 2, floatSamples: samples).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A write is a rename, so `-o` on the input would succeed and the mix would be gone.
    @Test func aMasterNeverReplacesTheFilesItReads() throws {
        let mix = try sineMix("mix.wav", levelDBFS: -20)
        let reference = try sineMix("ref.wav", levelDBFS: -14)
        let map = folder + "/map.json"
        try Data(#"{"sections":[{"start":0,"emotion":"calm","intensity":0.5}]}"#.utf8).write(to: URL(fileURLWithPath: map))
        let link = folder + "/link.wav"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: mix)
        let before = try Data(contentsOf: URL(fileURLWithPath: mix))
        let attempts: [([String], String)] = [
            (["master", mix, "-o", mix], "cannot write the master to '\(mix)': it is the input mix"),
            (["master", mix, "-o", link], "cannot write the master to '\(link)': it is the input mix"),
            (["master", mix, "-o", folder + "/../\((folder as NSString).lastPathComponent)/mix.wav"], "it is the input mix"),
            (["master", "demo", "-o", reference, "--reference", reference], "it is a reference"),
            (["master", mix, "-o", folder + "/out.wav", "--emotion-map", map, "--moves", map], "cannot write the moves to '\(map)': it is the emotion map"),
            (["master", mix, "-o", folder + "/out.wav", "--moves", folder + "/./out.wav"], "it is where the master goes"),
        ]
        for (arguments, message) in attempts {
            let result = try LoopMindExecutable.run(arguments)
            #expect(result.status == 1, "\(arguments): exit \(result.status)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(arguments): \(result.standardError)")
            #expect(result.standardError.hasPrefix("loopmind: ") && result.standardError.contains(message),
                    "\(arguments): \(result.standardError)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: mix)) == before)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["link.wav", "map.json", "mix.wav", "ref.wav"], "\(files)")
    }

    /// A master written over a private file stays private: the rename keeps the replaced
    /// file's permissions (it once left every output 0644 whatever the file had been).
    @Test func aReplacedOutputKeepsItsPermissions() throws {
        let mix = try sineMix("mix.wav", levelDBFS: -20)
        for mode: mode_t in [0o600, 0o640] {
            let output = folder + "/private-\(String(mode, radix: 8)).wav"
            try Data("old".utf8).write(to: URL(fileURLWithPath: output))
            chmod(output, mode)
            let result = try LoopMindExecutable.run(["master", mix, "-o", output, "--emotion", "calm"])
            #expect(result.status == 0, "\(result.standardError)")
            var status = stat()
            #expect(stat(output, &status) == 0 && status.st_mode & 0o7777 == mode, "mode \(String(status.st_mode & 0o7777, radix: 8))")
            #expect(try Data(contentsOf: URL(fileURLWithPath: output)).count > 44100)
        }
    }

    /// An output that cannot be written is refused before the input is even opened, not after
    /// the analysis and the first pass (minutes on a long file).
    @Test func anUnwritableOutputIsRefusedBeforeAnyWork() throws {
        let notAFolder = folder + "/file.txt"
        try Data("x".utf8).write(to: URL(fileURLWithPath: notAFolder))
        for output in [notAFolder + "/x.wav", folder + "/missing/x.wav"] {
            let result = try LoopMindExecutable.run(["master", "/dev/null", "-o", output])
            #expect(result.status == 1)
            #expect(result.standardError == "loopmind: cannot write '\(output)': no such folder\n", "\(result.standardError)")
        }
    }
}
