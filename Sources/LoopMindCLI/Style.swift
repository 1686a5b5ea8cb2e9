import ArgumentParser
import AudioIO
import Foundation
import MasteringAI
import MasteringDSP
import StyleStore

/// `loopmind style <show|heatmap|export|import|merge|reset|learn>`: the learned style profile.
struct Style: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show, share and train the learned style profile (\"My Style\").",
        discussion: """
        The profile holds what you chose relative to the AI's suggestions, per emotion and overall; \
        master applies it (unless --no-style). Profiles live in $XDG_DATA_HOME/loopmind/profiles/ \
        (~/.local/share/… when unset) as <name>_style.json; --profile takes a name or a path.
        """,
        subcommands: [Show.self, Heatmap.self, Export.self, Import.self, Merge.self, Reset.self, Learn.self, Reference.self]
    )

    struct ProfileOption: ParsableArguments {
        @Option(help: "A profile name (default 'default') or a path to a profile file.")
        var profile: String?

        func store() throws -> StyleStore {
            do {
                return try StyleStore(profile: profile) { warning in
                    StandardError.say("warning: \(warning)")
                }
            } catch { throw CommandFailure(error) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Your trends in words (or the profile as JSON).")
        @OptionGroup var options: ProfileOption
        @Flag(help: "Print the profile, its path and the trend sentences as JSON.") var json = false

        func run() throws {
            let store = try options.store()
            let profile = try wrap { try store.load() }
            let trends = StyleTrends(profile).sentences()
            if json {
                let profileObject = try JSONSerialization.jsonObject(with: profile.encoded())
                let object: [String: Any] = ["path": store.path, "profile": profileObject, "trends": trends]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                StandardOutput.show("My Style (\(store.path)): \(profile.sessions) learning session\(profile.sessions == 1 ? "" : "s")")
                if trends.isEmpty && profile.emotions.isEmpty {
                    print("Nothing learned yet: turn on learning mode (L) in the console, or use 'loopmind style learn'.")
                } else if trends.isEmpty {
                    // Learned, but nothing strong enough to put in words: say so, and where to look.
                    print("No clear trend yet: what you chose stays within half a key step of the AI's suggestions ('loopmind style heatmap' shows every tweak).")
                }
                for sentence in trends { StandardOutput.show("  \(sentence)") }
            }
        }
    }

    struct Heatmap: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parameters × emotions: how often you touched each, and which way.",
            discussion: "↑ n: n tweaks, mostly above the AI; ↓ n: mostly below. Coloured in a terminal (red up, blue down); plain with NO_COLOR or when piped.")
        @OptionGroup var options: ProfileOption

        func run() throws {
            let store = try options.store()
            let profile = try wrap { try store.load() }
            let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            print(StyleHeatmap(profile).render(colour: colour), terminator: "")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the profile to a \"Producer DNA\" file to share.")
        @OptionGroup var options: ProfileOption
        @Argument(help: "Where to write it (JSON).") var file: String?
        /// `-o` as `master` and `demo` take it: `style export -o dna.json` was "Unknown option".
        @Option(name: [.customShort("o"), .customLong("output")], help: "Where to write it (JSON), as FILE does.") var output: String?

        func validate() throws {
            switch (file, output) {
            case (nil, nil): throw ValidationError("say where to write the profile: 'loopmind style export FILE' (or -o FILE)")
            case (.some, .some): throw ValidationError("give FILE or -o FILE, not both")
            default: break
            }
        }

        func run() throws {
            let store = try options.store()
            let profile = try wrap { try store.load() }
            let file = (file ?? output)!
            try wrap { try AtomicFile.write(profile.encoded(), to: file) }
            StandardOutput.show("exported \(profile.sessions) session\(profile.sessions == 1 ? "" : "s") to \(file)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace the profile with a shared file (the old one is backed up).")
        @OptionGroup var options: ProfileOption
        @Argument(help: "A profile exported by 'style export', or - for standard input.") var file: String

        func run() throws {
            let store = try options.store()
            let incoming = try readUntrusted(file)
            let backup = try wrap { try store.replace(with: incoming) }
            StandardOutput.show("imported \(named(file)) into \(store.path)" + (backup.map { " (previous profile kept as \($0))" } ?? ""))
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Blend another producer's profile into yours, weighted by evidence.",
            discussion: "Their evidence counts --weight times yours: each learned offset becomes the mean of both weighted by sessions (theirs times --weight), and their sessions join yours times --weight, so a light merge is applied lightly and 0 changes nothing. Tweak counts add up.")
        @OptionGroup var options: ProfileOption
        @Argument(help: "A profile exported by 'style export', or - for standard input.") var file: String
        @Option(parsing: .unconditional, help: "How much the other profile's evidence counts, relative to yours (0…100).") var weight: Double = 1

        func validate() throws {
            guard weight.isFinite, weight >= 0, weight <= 100 else { throw ValidationError("--weight must be between 0 and 100 (got \(weight))") }
        }

        func run() throws {
            let store = try options.store()
            // Merging a profile with itself would only double its counts: evidence out of nothing.
            guard !AtomicFile.isSameFile(file == "-" ? "/dev/stdin" : file, store.path) else {
                throw CommandFailure("cannot merge \(named(file, quoted: true)): it is the profile itself (\(store.path))")
            }
            let incoming = try readUntrusted(file)
            let merged = try wrap { try store.update { $0.merge(incoming, weight: weight) } }
            StandardOutput.show("merged \(named(file)) into \(store.path): \(merged.sessions) sessions in all")
        }
    }

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a fresh profile (the old one is backed up).")
        @OptionGroup var options: ProfileOption

        func run() throws {
            let store = try options.store()
            let backup = try wrap { try store.replace(with: StyleProfile()) }
            StandardOutput.show("reset \(store.path)" + (backup.map { "; previous profile kept as \($0)" } ?? ""))
        }
    }

    struct Learn: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Learn from recorded tweaks, one JSON object a line.",
            discussion: """
            {"session":"s1","parameter":"eq.high_shelf_db","old":0.0,"new":2.0,"suggested":0.0,"emotion":"dark","intensity":0.6,"time":12.3} \
            — each distinct session is one learning session, applied in file order, the profile saved after each.
            """)
        @OptionGroup var options: ProfileOption
        @Argument(help: "The recorded tweaks (JSON lines), or - for standard input.") var file: String

        func run() throws {
            let store = try options.store()
            let data = try readInput(file, limit: 64 << 20, kind: "a tweak log")
            let records: [TweakRecord]
            do {
                records = try TweakRecord.parseLines(data)
            } catch let error as TweakRecord.FormatError {
                throw CommandFailure("bad tweak log \(shown(file)): \(error.description)")
            }
            let sessions = TweakRecord.sessions(records)
            var profile = StyleProfile()
            for session in sessions {
                profile = try wrap { try store.update { $0.learn(session: session) } }
            }
            StandardOutput.show("learned \(records.count) tweak\(records.count == 1 ? "" : "s") in \(sessions.count) session\(sessions.count == 1 ? "" : "s"); \(store.path) now holds \(profile.sessions) session\(profile.sessions == 1 ? "" : "s")")
        }
    }
}

/// Reads a shared profile as untrusted input: size-limited and strictly validated.
private func readUntrusted(_ file: String) throws -> StyleProfile {
    let data = try readInput(file, limit: StyleStore.sizeLimit, kind: "a style profile")
    do {
        return try StyleProfile.decode(data)
    } catch let error as StyleProfile.FormatError {
        throw CommandFailure("bad style profile \(shown(file)): \(error.description)")
    }
}

/// A file, or standard input for `-` (`… | loopmind style learn -`: '-' was "no such file").
private func readInput(_ file: String, limit: Int, kind: String) throws -> Data {
    if file == "-" {
        do { return try AtomicFile.readStandardInput(limit: limit, kind: kind) } catch {
            throw CommandFailure("cannot read standard input: \(error.reason)")
        }
    }
    return try wrap { try AtomicFile.read(file, limit: limit, kind: kind) }
}

/// What was read, in words: the file's name (quoted in errors), or standard input for `-`.
private func named(_ file: String, quoted: Bool = false) -> String {
    file == "-" ? "standard input" : quoted ? "'\(file)'" : file
}

/// Where a bad file's fault was found: "'x.jsonl'", or "on standard input".
private func shown(_ file: String) -> String { (file == "-" ? "on " : "") + named(file, quoted: true) }

/// Runs `body`, turning its errors into the one line the user sees.
@discardableResult
func wrap<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let failure as CommandFailure { throw failure } catch { throw CommandFailure(error) }
}
