import Glibc

/// Writes to stderr that never stop the program. Foundation's `FileHandle.write(_:)` traps
/// when a write fails, so a closed stderr (`2>&-`) turned an error line into a crash (SIGILL,
/// exit 132), and a console whose terminal hung up mid-export died before its clean-up.
enum StandardError {
    /// Writes `text` as it is (progress and meter lines carry their own escapes); a failed
    /// write is dropped: there is nowhere left to say anything.
    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// One message line, "loopmind: …", with every control character shown as "?": a file
    /// name with a newline must not split it, nor an escape sequence reach the terminal.
    static func say(_ message: String) { write("loopmind: \(Main.oneLine(message))\n") }
}
