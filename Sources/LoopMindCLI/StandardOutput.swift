@preconcurrency import Glibc

/// C's stdout, for the one check at exit (Swift's `print` writes through it).
enum StandardOutput {
    /// Flushes stdout; the reason when something written there was lost, nil when all of it went.
    static func flush() -> String? {
        errno = 0
        let flushed = fflush(stdout) == 0
        guard !flushed || ferror(stdout) != 0 else { return nil }
        return errno == 0 ? "the output was closed or full" : String(cString: strerror(errno))
    }
}
