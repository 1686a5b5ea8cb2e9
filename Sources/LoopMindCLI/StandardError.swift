import Analysis
import AudioIO
import Foundation
import Glibc
import MasteringDSP

/// Writes to stderr that never stop the program. Foundation's `FileHandle.write(_:)` traps
/// when a write fails, so a closed stderr (`2>&-`) turned an error line into a crash (SIGILL,
/// exit 132), and a console whose terminal hung up mid-export could die before its clean-up.
enum StandardError {
    /// Writes `text` as it is (progress and meter lines carry their own escapes); a failed
    /// write is dropped: there is nowhere left to say anything.
    static func write(_ text: String) {
        Array(text.utf8).withUnsafeBytes { _ = Descriptor.writeAll(STDERR_FILENO, $0) }
    }

    /// One message line, "loopmind: …", with every control character shown as "?": a file
    /// name with a newline must not split it, nor an escape sequence reach the terminal.
    static func say(_ message: String) { write("loopmind: \(Main.oneLine(message))\n") }

    /// The warning for a mix that arrives clipped (`ClipCount`): the master works on it as it
    /// is, but the flat tops stay flat, and a bounce with headroom is the cure.
    static func warnIfClipped(_ clipping: ClipCount, name: String) {
        guard clipping.runs > 0 else { return }
        say("warning: '\(name)' arrives clipped (\(clipping.runs) run\(clipping.runs == 1 ? "" : "s") of 3 or more samples at full scale,"
            + " \(clipping.samples) samples); the master cannot restore them, so a bounce with headroom would master cleaner")
    }

    /// The warning for an input that ended well before the length its header announced: it is
    /// worked on as the audio it holds, which may be a fraction of the song.
    static func warnIfCutShort(_ ending: ShortEnding?, name: String) {
        guard let ending else { return }
        say(String(format: "warning: '%@' ends after %.1f s, short of the %.1f s its header announces; it may have been cut short",
                   name, ending.heldSeconds, ending.announcedSeconds))
    }
}
