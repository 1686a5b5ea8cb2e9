import AudioIO
import CCrashGuard
import Glibc

/// Holds what is written to stderr while the console's screen is up, and writes it out once
/// the terminal is restored. Libraries write there on their own (libmpg123 warns of a cut MP3's
/// header, "Warning: Xing stream size off …", when a reference is learned), and on a terminal
/// those lines landed in the middle of the screen, where curses, which redraws only the cells it
/// changed, left them. Only a terminal is held: a stderr sent to a file or a pipe is already out
/// of the way, and gets every line as it comes.
///
/// Held in an unlinked temporary file, so nothing is left behind. A crash writes it out too
/// (`lm_crash_guard_stderr`): the runtime's "Fatal error: …" line is held like any other, and it
/// is the one line that says why. Only SIGKILL loses it.
final class HeldStandardError {
    private var saved: Int32 = -1
    private var holder: Int32 = -1

    init() {
        guard isatty(STDERR_FILENO) == 1 else { return }
        var template = Array("/tmp/loopmind-stderr-XXXXXX".utf8CString)
        let file = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard file >= 0 else { return }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        let original = dup(STDERR_FILENO)
        guard original >= 0, dup2(file, STDERR_FILENO) >= 0 else {
            close(file)
            if original >= 0 { close(original) }
            return
        }
        saved = original
        holder = file
        lm_crash_guard_stderr(file, original)
    }

    deinit { release() }

    /// Gives stderr back and writes out what was held. Safe to call more than once.
    func release() {
        guard saved >= 0 else { return }
        lm_crash_guard_stderr_off()
        dup2(saved, STDERR_FILENO)
        close(saved)
        saved = -1
        var buffer = [UInt8](repeating: 0, count: 65536)
        lseek(holder, 0, SEEK_SET)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(holder, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            buffer.withUnsafeBytes { _ = Descriptor.writeAll(STDERR_FILENO, UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        close(holder)
        holder = -1
    }
}
