import Foundation
import Glibc
import Testing
import TestSupport

/// `loopmind style …` and the style in `master`, as a user runs them: profiles that survive
/// restarts, exact export/import, refusals of hostile files, and saves that survive SIGKILL.
@Suite(.serialized) struct StyleCommandTests {
    /// This test's own folder, removed after it.
    let scratch: ScratchFolder
    var folder: String { scratch.path }
    let environment: [String: String]

    init() throws {
        scratch = try ScratchFolder("style-cli")
        environment = ["XDG_DATA_HOME": scratch.file("data")]
    }

    func run(_ arguments: [String], extra: [String: String] = [:], input: String? = nil) throws -> LoopMindExecutable.Result {
        try LoopMindExecutable.run(arguments, environment: environment.merging(extra) { $1 }, standardInput: input)
    }

    /// A tweak log: `sessions` sessions, each raising the dark high shelf to 2 dB over the AI.
    func log(sessions: Int, name: String = "tweaks.jsonl") throws -> String {
        var lines: [String] = []
        for index in 1...sessions {
            lines.append(#"{"session":"s\#(index)","parameter":"eq.high_shelf_db","old":-1.0,"new":0.0,"suggested":-1.0,"emotion":"dark","intensity":0.6,"time":50}"#)
            lines.append(#"{"session":"s\#(index)","parameter":"eq.high_shelf_db","old":0.0,"new":1.0,"suggested":-1.0,"emotion":"dark","intensity":0.6,"time":52.5}"#)
        }
        let path = folder + "/" + name
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func learnedStyleSurvivesARestartAndReachesMaster() throws {
        let learn = try run(["style", "learn", try log(sessions: 10)])
        #expect(learn.status == 0, "\(learn.standardError)")
        let profilePath = folder + "/data/loopmind/profiles/default_style.json"
        #expect(FileManager.default.fileExists(atPath: profilePath))
        #expect(learn.standardOutput == "learned 20 tweaks in 10 sessions; \(profilePath) now holds 10 sessions\n")
        // A log with nothing in it teaches nothing: refused, and the profile is as it was.
        let saved = try Data(contentsOf: URL(fileURLWithPath: profilePath))
        let empty = folder + "/empty.jsonl"
        try #require(FileManager.default.createFile(atPath: empty, contents: Data("\n".utf8)))
        let none = try run(["style", "learn", empty])
        #expect(none.status != 0 && none.standardError == "loopmind: bad tweak log '\(empty)': no tweaks in it (one JSON object a line)\n", "\(none.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: profilePath)) == saved)
        // A new process reads what the last one learned.
        let show = try run(["style", "show", "--json"])
        let object = try Self.object(show.standardOutput)
        #expect(object["path"] as? String == profilePath)
        let trends = try #require(object["trends"] as? [String])
        #expect(trends == ["You like brighter highs in dark sections (+2.0 dB high shelf, 20 tweaks)"])
        #expect(try run(["style", "show"]).standardOutput.contains("You like brighter highs in dark sections"))
        // master applies it as a move that says so, and --no-style does not.
        let styled = try Self.object(try run(["master", "demo", "-o", folder + "/a.wav", "--emotion", "dark", "--json"]).standardOutput)
        let moves = try #require(styled["moves"] as? [[String: Any]])
        #expect(moves.contains { ($0["reason"] as? String) == "your style: +1.7 dB high shelf in dark sections, from 20 tweaks" })
        let plain = try Self.object(try run(["master", "demo", "-o", folder + "/b.wav", "--emotion", "dark", "--no-style", "--json"]).standardOutput)
        #expect(!(plain["moves"] as? [[String: Any]] ?? []).contains { ($0["reason"] as? String)?.hasPrefix("your style") == true })
        let high = { (document: [String: Any]) in (document["settings"] as? [String: Any])?["eq.high_shelf_db"] as? Double ?? .nan }
        #expect(abs(high(styled) - high(plain) - 2 * 10 / 12) < 0.01)
    }

    /// A profile that holds tweaks too small to be a trend does not claim "nothing learned".
    @Test func showTellsATasteTooSmallForWordsFromNothingLearned() throws {
        #expect(try run(["style", "show"]).standardOutput.contains("Nothing learned yet"))
        let path = folder + "/small.jsonl"
        try #"{"session":"s1","parameter":"eq.high_shelf_db","old":0.0,"new":0.2,"suggested":0.0,"emotion":"dark","intensity":0.6,"time":5}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try run(["style", "learn", path]).status == 0)
        let show = try run(["style", "show"]).standardOutput
        #expect(!show.contains("Nothing learned yet") && show.contains("No clear trend yet") && show.contains("style heatmap"), "\(show)")
        #expect(try run(["style", "heatmap"]).standardOutput.contains("eq.high_shelf_db"))
    }

    /// `-` reads standard input, as terminal tools do (`… | loopmind style learn -`): it was
    /// "cannot read '-': no such file". Merging the profile into itself through it is refused.
    @Test func learnImportAndMergeReadStandardInput() throws {
        let tweaks = try log(sessions: 3)
        let piped = try run(["style", "learn", "-", "--profile", "piped"], input: tweaks)
        #expect(piped.status == 0, "\(piped.standardError)")
        #expect(try run(["style", "learn", tweaks, "--profile", "named"]).status == 0)
        // The same as from the file, but for when each was last used: a whole second apart when
        // the two runs straddle one (a busy CI run met that).
        func withoutTimes(_ value: Any) -> Any {
            if let object = value as? [String: Any] { return object.filter { $0.key != "last_used" }.mapValues(withoutTimes) }
            if let array = value as? [Any] { return array.map(withoutTimes) }
            return value
        }
        let profile = { (name: String) throws -> Any? in try Self.object(try run(["style", "show", "--json", "--profile", name]).standardOutput)["profile"] }
        let named = try #require(try profile("named")), fromStandardInput = try #require(try profile("piped"))
        let learned = try #require(withoutTimes(named) as? [String: Any])
        let fromInput = try #require(withoutTimes(fromStandardInput) as? [String: Any])
        #expect(!learned.isEmpty && learned.keys.count == fromInput.keys.count)
        #expect(NSDictionary(dictionary: fromInput).isEqual(to: learned), "the same as from the file")

        let dna = folder + "/dna.json"
        #expect(try run(["style", "export", dna, "--profile", "named"]).status == 0)
        let imported = try run(["style", "import", "-", "--profile", "imported"], input: dna)
        #expect(imported.status == 0 && imported.standardOutput.hasPrefix("imported standard input into "), "\(imported.standardError)")
        let importedProfile = try #require(try profile("imported"))
        #expect(NSDictionary(dictionary: try #require(withoutTimes(importedProfile) as? [String: Any])).isEqual(to: learned))

        let own = try #require(try Self.object(try run(["style", "show", "--json", "--profile", "named"]).standardOutput)["path"] as? String)
        let before = try Data(contentsOf: URL(fileURLWithPath: own))
        let itself = try run(["style", "merge", "-", "--profile", "named"], input: own)
        #expect(itself.status != 0 && itself.standardError.hasPrefix("loopmind: cannot merge standard input: it is the profile itself"),
                "\(itself.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: own)) == before)
        let bad = try run(["style", "learn", "-", "--profile", "named"], input: dna)
        #expect(bad.status != 0 && bad.standardError.hasPrefix("loopmind: bad tweak log on standard input: line 1"), "\(bad.standardError)")
        #expect(bad.standardError.split(separator: "\n").count == 1)
    }

    @Test func exportImportRoundTripsExactlyAndMergeWeighsByCounts() throws {
        _ = try run(["style", "learn", try log(sessions: 3)])
        let exported = folder + "/dna.json"
        #expect(try run(["style", "export", exported]).status == 0)
        let imported = try run(["style", "import", exported, "--profile", "friend"])
        #expect(imported.status == 0, "\(imported.standardError)")
        let again = folder + "/again.json"
        #expect(try run(["style", "export", "-o", again, "--profile", "friend"]).status == 0, "-o as master and demo take it")
        #expect(try Data(contentsOf: URL(fileURLWithPath: exported)) == Data(contentsOf: URL(fileURLWithPath: again)))
        for wrong in [["style", "export"], ["style", "export", folder + "/a.json", "-o", folder + "/b.json"]] {
            let refused = try run(wrong)
            #expect(refused.status != 0 && refused.standardError.split(separator: "\n").count == 1, "\(refused.standardError)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/a.json") && !FileManager.default.fileExists(atPath: folder + "/b.json"))
        }

        // A second producer: one session at −1 dB re the AI. Merged: (3·2 + 1·(−1)) / 4 = 1.25.
        let other = folder + "/other.jsonl"
        try #"{"session":"x","parameter":"eq.high_shelf_db","old":0,"new":-1,"suggested":0,"emotion":"dark","intensity":0.5,"time":1}"#
            .write(toFile: other, atomically: true, encoding: .utf8)
        _ = try run(["style", "learn", other, "--profile", folder + "/other-profile.json"])
        _ = try run(["style", "export", folder + "/other-dna.json", "--profile", folder + "/other-profile.json"])
        let merged = try run(["style", "merge", folder + "/other-dna.json", "--profile", "friend"])
        #expect(merged.status == 0, "\(merged.standardError)")
        let profile = try #require(try Self.object(try run(["style", "show", "--json", "--profile", "friend"]).standardOutput)["profile"] as? [String: Any])
        let dark = try #require((profile["emotions"] as? [String: Any])?["dark"] as? [String: Any])
        let shelf = try #require(dark["eq.high_shelf_db"] as? [String: Any])
        #expect(abs((shelf["offset"] as? Double ?? 0) - 1.25) < 1e-9 && shelf["sessions"] as? Int == 4)

        // Reset keeps a backup.
        let reset = try run(["style", "reset", "--profile", "friend"])
        #expect(reset.status == 0 && reset.standardOutput.contains("backup"))
        #expect(try Self.object(try run(["style", "show", "--json", "--profile", "friend"]).standardOutput)["trends"] as? [String] == [])
    }

    @Test func hostileImportsAreRefusedAndTheProfileIsKept() throws {
        _ = try run(["style", "learn", try log(sessions: 2)])
        let profilePath = folder + "/data/loopmind/profiles/default_style.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: profilePath))
        let hostile: [(String, Data, String)] = [
            ("unknown", Data(#"{"schema_version":1,"sessions":1,"overall":{"rm -rf":{"offset":1,"tweaks":1,"sessions":1,"up":1,"down":0,"last_used":"x"}},"emotions":{}}"#.utf8), "overall.rm -rf: unknown parameter"),
            ("range", Data(#"{"schema_version":1,"sessions":1,"overall":{},"emotions":{"dark":{"stereo.width":{"offset":9,"tweaks":1,"sessions":1,"up":1,"down":0,"last_used":"x"}}}}"#.utf8), "emotions.dark.stereo.width.offset 9.0 is outside"),
            ("type", Data(#"{"schema_version":"one","sessions":1,"overall":{},"emotions":{}}"#.utf8), "schema_version: wrong type"),
            ("huge", Data(repeating: 0x20, count: 3 << 20), "too big for a style profile"),
            ("future", Data(#"{"schema_version":2,"sessions":1,"overall":{},"emotions":{}}"#.utf8), "newer than this loopmind reads"),
            // Once a trap: merging it overflowed, and imported, it broke every later session.
            ("overflow", Data(#"{"schema_version":1,"sessions":9223372036854775807,"overall":{},"emotions":{}}"#.utf8), "sessions 9223372036854775807 is outside 0…1000000000"),
        ]
        for (name, contents, message) in hostile {
            let path = folder + "/\(name).json"
            try contents.write(to: URL(fileURLWithPath: path))
            for command in [["style", "import", path], ["style", "merge", path]] {
                let result = try run(command)
                #expect(result.status == 1, "\(name)")
                #expect(result.standardError.split(separator: "\n").count == 1 && result.standardError.contains(message),
                        "\(name): \(result.standardError)")
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: profilePath)) == before)
        let badLog = folder + "/bad.jsonl"
        try "{\"session\":\"s\",\"parameter\":\"eq.tilt_db\",\"old\":0,\"new\":0.5,\"suggested\":0,\"emotion\":\"dark\",\"intensity\":2,\"time\":0}"
            .write(toFile: badLog, atomically: true, encoding: .utf8)
        let learn = try run(["style", "learn", badLog])
        #expect(learn.status == 1 && learn.standardError.contains("line 1: \"intensity\" 2.0 is outside 0…1"), "\(learn.standardError)")
        try "{\"session\":\"s\",\"parameter\":\"exciter.mode\",\"old\":0,\"new\":0.5,\"suggested\":0,\"emotion\":\"dark\",\"intensity\":0.5,\"time\":0}"
            .write(toFile: badLog, atomically: true, encoding: .utf8)
        let half = try run(["style", "learn", badLog])
        #expect(half.status == 1 && half.standardError == "loopmind: bad tweak log '\(badLog)': line 1: \"new\" 0.5 is not one of exciter.mode's choices: 0 (tape), 1 (tube)\n",
                "\(half.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: profilePath)) == before)
        // The profile merged into itself would double its evidence; a link to it is the same file.
        let link = folder + "/mine.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: profilePath)
        for path in [profilePath, link] {
            let merge = try run(["style", "merge", path])
            #expect(merge.status == 1 && merge.standardError == "loopmind: cannot merge '\(path)': it is the profile itself (\(profilePath))\n",
                    "\(merge.standardError)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: profilePath)) == before)
        // Numeric options take a negative value as a value, so the range check speaks.
        let negative = try run(["style", "merge", folder + "/future.json", "--weight", "-1"])
        #expect(negative.standardError.hasPrefix("loopmind: --weight must be between 0 and 100 (got -1.0)"), "\(negative.standardError)")
    }

    @Test func heatmapIsColouredOnlyForATerminal() throws {
        _ = try run(["style", "learn", try log(sessions: 2)])
        let piped = try run(["style", "heatmap"])
        #expect(piped.status == 0)
        #expect(piped.standardOutput.contains("eq.high_shelf_db") && piped.standardOutput.contains("↑ 4"))
        #expect(!piped.standardOutput.contains("\u{1B}["), "no escape codes when piped")
        let lines = piped.standardOutput.split(separator: "\n")
        #expect(lines[0].hasPrefix("parameter") && lines[0].contains("powerful") && lines[0].contains("bright"))
    }

    /// In a terminal (a pseudo-terminal from `script`) the heatmap is coloured, unless NO_COLOR is set.
    @Test func heatmapColoursATerminalUnlessNoColor() throws {
        _ = try run(["style", "learn", try log(sessions: 2)])
        func inTerminal(_ extra: [String: String]) throws -> String {
            let command = "'\(LoopMindExecutable.path)' style heatmap"
            return try LoopMindExecutable.runShell("script -qec \"\(command)\" /dev/null",
                                                   environment: environment.merging(extra) { $1 })
        }
        let coloured = try inTerminal([:])
        #expect(coloured.contains("\u{1B}[38;5;"), "no colour in a terminal: \(coloured)")
        let plain = try inTerminal(["NO_COLOR": "1"])
        #expect(!plain.contains("\u{1B}[38;5;") && plain.contains("↑ 4"))
    }

    @Test func aCorruptProfileIsKeptAsideByMasterWithAWarning() throws {
        let profiles = folder + "/data/loopmind/profiles"
        try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
        try Data("{\"schema_version\": 1, \"sessi".utf8).write(to: URL(fileURLWithPath: profiles + "/default_style.json"))
        let result = try run(["master", "demo", "-o", folder + "/c.wav", "--emotion", "calm"])
        #expect(result.status == 0)
        #expect(result.standardError.contains("loopmind: warning: style profile") && result.standardError.contains(".corrupt-"),
                "\(result.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: profiles)
        #expect(names.contains { $0.hasPrefix("default_style.json.corrupt-") })
    }

    /// `--profile` given a file that is not a profile: every command refuses it in one line and
    /// leaves it and its folder as they were. (`style show --profile ../../etc/passwd`, run as
    /// root, renamed /etc/passwd to `passwd.corrupt-…` and left a `passwd.lock` beside it.)
    @Test func aGivenFileThatIsNoProfileIsNeverMovedByAnyCommand() throws {
        let mine = folder + "/mine"
        try FileManager.default.createDirectory(atPath: mine, withIntermediateDirectories: false)
        let notes = mine + "/notes.txt"
        try Data("remember the bass".utf8).write(to: URL(fileURLWithPath: notes))
        let tweaks = try log(sessions: 1)
        let dna = folder + "/dna.json"
        #expect(try run(["style", "learn", tweaks, "--profile", folder + "/other.json"]).status == 0)
        #expect(try run(["style", "export", dna, "--profile", folder + "/other.json"]).status == 0)
        for command in [["style", "show"], ["style", "heatmap"], ["style", "export", folder + "/out.json"], ["style", "learn", tweaks],
                        ["style", "import", dna], ["style", "merge", dna], ["style", "reset"],
                        ["master", "demo", "-o", folder + "/m.wav"]] {
            let result = try run(command + ["--profile", notes])
            #expect(result.status == 1 && result.standardError
                        == "loopmind: cannot read style profile '\(notes)': not JSON (or truncated); the file was left as it is\n",
                    "\(command): \(result.standardError)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: mine) == ["notes.txt"], "\(command)")
            #expect(try String(contentsOfFile: notes, encoding: .utf8) == "remember the bass")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/out.json") && !FileManager.default.fileExists(atPath: folder + "/m.wav"))
    }

    /// A profile path that names nothing is refused by every command that only reads it, in
    /// one line, before any work: `master --profile ~/studio.jsn.json` mastered without the style
    /// asked for and said nothing. The commands that write a profile make it.
    @Test func aGivenProfileThatIsNotThereIsRefusedByEveryReader() throws {
        let typo = folder + "/studio.jsn.json"
        for command in [["style", "show"], ["style", "heatmap"], ["style", "export", folder + "/out.json"], ["style", "reference", "list"],
                        ["master", "demo", "-o", folder + "/m.wav"], ["master", "demo", "-o", folder + "/m.wav", "--reference-target", "airy"],
                        ["play", "demo", "--no-audio", "--seconds", "0.2"]] {
            let result = try run(command + ["--profile", typo])
            #expect(result.status == 1 && result.standardError == "loopmind: cannot read style profile '\(typo)': no such file\n",
                    "\(command): \(result.standardError)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "nothing written, no lock")
        #expect(try run(["master", "demo", "-o", folder + "/m.wav", "--profile", typo, "--no-style"]).status != 0, "--no-style with --profile is refused as before")
        #expect(try run(["style", "learn", try log(sessions: 1), "--profile", typo]).status == 0, "learning makes it")
        #expect(try run(["style", "show", "--profile", typo]).status == 0)
    }

    /// A profile reached through a link is the file it names: learning through the link updates
    /// that file (the link stays), and its lock is that file's, so the link and the file's own
    /// name share one profile. (The link was replaced by a file, and the two locked apart.)
    @Test func aProfileThroughALinkIsTheFileItNames() throws {
        let real = folder + "/real.json", link = folder + "/link.json"
        #expect(try run(["style", "learn", try log(sessions: 1), "--profile", real]).status == 0)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let learned = try run(["style", "learn", try log(sessions: 2, name: "more.jsonl"), "--profile", link])
        #expect(learned.status == 0, "\(learned.standardError)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real)
        let shown = try Self.object(try run(["style", "show", "--json", "--profile", real]).standardOutput)
        #expect((shown["profile"] as? [String: Any])?["sessions"] as? Int == 3, "\(shown)")
        #expect(!FileManager.default.fileExists(atPath: link + ".lock") && FileManager.default.fileExists(atPath: real + ".lock"))
    }

    @Test func twoWritersAtOnceLoseNoUpdates() throws {
        let tweaks = try log(sessions: 150, name: "both.jsonl")
        let profile = folder + "/shared.json"
        let writers = (0..<2).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: LoopMindExecutable.path)
            process.arguments = ["style", "learn", tweaks, "--profile", profile]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return process
        }
        for writer in writers { try writer.run() }
        for writer in writers { writer.waitUntilExit(); #expect(writer.terminationStatus == 0) }
        let saved = try #require(try Self.object(try run(["style", "show", "--json", "--profile", profile]).standardOutput)["profile"] as? [String: Any])
        #expect(saved["sessions"] as? Int == 300, "\(saved["sessions"] ?? "none") of 300 sessions kept")
    }

    /// SIGKILL at random moments while `style learn` saves after every session: whenever it dies,
    /// the profile reads back whole, holding the state after some whole number of sessions.
    @Test func aWriterKilledMidSaveAlwaysLeavesALoadableProfile() throws {
        let tweaks = try log(sessions: 400, name: "many.jsonl")
        let profile = folder + "/killed.json"
        // How long an undisturbed run takes here, so the kills land while it is saving.
        let started = Date()
        _ = try run(["style", "learn", tweaks, "--profile", folder + "/timing.json"])
        var full = Date().timeIntervalSince(started)
        var generator = SystemRandomNumberGenerator()
        var lastSessions = 0
        var killedWhileWriting = 0
        for attempt in 0..<70 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: LoopMindExecutable.path)
            process.arguments = ["style", "learn", tweaks, "--profile", profile]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(full * 1e6 * Double.random(in: 0.05...0.75, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal {
                killedWhileWriting += 1
            } else {
                // Finished before its kill: the timing run was slower than the machine is now
                // (the other suites load it unevenly; one CI run killed only 32 of 70). Aim earlier.
                full *= 0.85
            }
            guard FileManager.default.fileExists(atPath: profile) else { continue }
            let check = try run(["style", "show", "--json", "--profile", profile])
            #expect(check.status == 0 && !check.standardError.contains("warning"), "attempt \(attempt): \(check.standardError)")
            let object = try Self.object(check.standardOutput)
            let saved = try #require(object["profile"] as? [String: Any])
            let sessions = try #require(saved["sessions"] as? Int)
            #expect(sessions >= lastSessions, "sessions went back from \(lastSessions) to \(sessions)")
            lastSessions = sessions
            // A whole state: the dark shelf's counts are exactly those of `sessions` sessions.
            let shelf = ((saved["emotions"] as? [String: Any])?["dark"] as? [String: Any])?["eq.high_shelf_db"] as? [String: Any]
            #expect(shelf?["sessions"] as? Int == sessions && shelf?["tweaks"] as? Int == 2 * sessions)
            #expect(shelf?["offset"] as? Double == 2)
        }
        #expect(killedWhileWriting >= 35, "only \(killedWhileWriting) of 70 runs were killed before they finished")
        #expect(lastSessions > 0)
        #expect(lastSessions >= 100, "the kills should land while sessions are being saved")
        print("SIGKILL test: \(killedWhileWriting) writers killed, profile holds \(lastSessions) whole sessions")
    }
}
