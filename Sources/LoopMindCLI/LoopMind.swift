import ArgumentParser
import AudioIO
import Console
import Foundation

/// The `loopmind` command.
struct LoopMind: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "loopmind",
            abstract: "LoopMind Console: a terminal mastering console.",
            discussion: """
            Measure a mix with 'loopmind analyze FILE' (no FILE: the built-in demo song), or write the \
            demo song with 'loopmind demo -o FILE'. Errors go to stderr as one line; the exit status \
            is non-zero on any failure.
            """,
            version: LibraryVersions.summary,
            subcommands: [ConsoleCommand.self, Analyze.self, Master.self, Play.self, Demo.self, Style.self]
        )
    }
}

/// Entry point: runs the command and turns every failure into one line on stderr.
@main
enum Main {
    static func main() {
        TemporaryFiles.removeOnInterrupt()
        do {
            var command = try LoopMind.parseAsRoot()
            try command.run()
            flushStandardOutput()
        } catch let failure as CommandFailure {
            fail(failure.description)
        } catch let error where LoopMind.exitCode(for: error) == .success {
            LoopMind.exit(withError: error) // --help and --version
        } catch {
            let message = LoopMind.message(for: error)
                .split(separator: "\n").first.map(String.init) ?? "\(error)"
            let hint = " (see '\(commandPath(CommandLine.arguments.dropFirst()).joined(separator: " ")) --help')"
            fail(message.replacingOccurrences(of: "Error: ", with: "") + hint)
        }
    }

    /// The deepest command the arguments name (`loopmind style reference add`), so a usage
    /// error points at the help that answers it.
    static func commandPath(_ arguments: ArraySlice<String>) -> [String] {
        var command: any ParsableCommand.Type = LoopMind.self
        var path = [LoopMind._commandName]
        for argument in arguments where !argument.hasPrefix("-") {
            guard let sub = command.configuration.subcommands.first(where: { $0._commandName == argument }) else { continue }
            command = sub
            path.append(argument)
        }
        return path
    }

    /// A report that could not be written is a failure, not a silent success: `--json >
    /// /dev/full` or a closed stdout exit 1 with the reason, as `ls` and `cat` do.
    static func flushStandardOutput() {
        if let reason = StandardOutput.flush() { fail("cannot write to standard output: \(reason)") }
    }

    static func fail(_ message: String) -> Never {
        fflush(nil)
        StandardError.say(message)
        exit(1)
    }

    /// The message with every control character as "?": a file name may hold a newline (the
    /// error must stay one line) or an escape sequence (it must not reach the terminal).
    static func oneLine(_ message: String) -> String { printable(message, keepingLineBreaks: false) }

    /// `text` with every control character as "?" (line breaks kept, when asked, for tables).
    static func printable(_ text: String, keepingLineBreaks: Bool) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { Frame.isControl($0) && !(keepingLineBreaks && $0 == "\n") ? "?" : $0 }))
    }
}

/// A failure already phrased for the user (`cannot read 'x.wav': not a sound file`).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
    init(_ error: any Error) { self.description = "\(error)" }
}
