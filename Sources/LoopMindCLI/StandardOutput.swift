@preconcurrency import Glibc

/// C's stdout, for the one check at exit (Swift's `print` writes through it).
enum StandardOutput {
    /// Prints text for people (tables, messages) with every control character but the line
    /// breaks shown as "?", as errors and warnings are: a file name, or a reference's source
    /// name from an imported profile, must not send an escape sequence to the terminal.
    static func show(_ text: String, terminator: String = "\n") {
        print(Main.printable(text, keepingLineBreaks: true), terminator: terminator)
    }

    /// Flushes stdout; the reason when something written there was lost, nil when all of it went.
    static func flush() -> String? {
        errno = 0
        let flushed = fflush(stdout) == 0
        guard !flushed || ferror(stdout) != 0 else { return nil }
        return errno == 0 ? "the output was closed or full" : String(cString: strerror(errno))
    }
}
