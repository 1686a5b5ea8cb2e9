import CCrashGuard
import Glibc
import Testing
import TestSupport

/// The crash guard in a child process that really crashes: a store to an unmapped address is a
/// fault the kernel raises (not a signal sent), so the guard's handler must hand it on by
/// returning and letting the instruction fault again under the previous action.
struct CrashGuardTests {
    /// What a child that armed the guard (or not) and then crashed left: the bytes written to
    /// the "terminal" and to the "real stderr" (two pipes), and how it ended.
    struct Crash { var terminal: String; var standardError: String; var signal: Int32? }

    static func crash(armed: Bool) throws -> Crash {
        var terminalPipe: [Int32] = [0, 0], errorPipe: [Int32] = [0, 0]
        try #require(pipe(&terminalPipe) == 0 && pipe(&errorPipe) == 0)
        // What stderr held while "the screen was up": an unlinked file, as HeldStandardError keeps it.
        var template = Array("/tmp/loopmind-guard-test-XXXXXX".utf8CString)
        let held = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(held >= 0)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        let line = Array("libfoo: a line held while the screen was up\n".utf8)
        try #require(line.withUnsafeBytes { write(held, $0.baseAddress, $0.count) } == line.count)
        let undo = Array("\u{1B}[?1049l".utf8)
        var mode = termios()
        // Everything the child touches is made before fork: it only calls the guard and faults.
        let child = fork()
        if child == 0 {
            var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
            setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
            signal(SIGSEGV, SIG_DFL)    // the previous action: the default (no runtime reporter)
            if armed {
                lm_crash_guard_terminal(terminalPipe[1], &mode, undo, undo.count)
                lm_crash_guard_stderr(held, errorPipe[1])
            }
            UnsafeMutablePointer<UInt8>(bitPattern: 16)!.pointee = 1
            _exit(0)
        }
        try #require(child > 0)
        close(terminalPipe[1]); close(errorPipe[1]); close(held)
        let terminal = String(decoding: ChildProcess.readToEnd(terminalPipe[0]), as: UTF8.self)
        let standardError = String(decoding: ChildProcess.readToEnd(errorPipe[0]), as: UTF8.self)
        var status: Int32 = 0
        waitpid(child, &status, 0)
        // WIFSIGNALED / WTERMSIG are macros: the low seven bits, 0 for a normal exit.
        let signal = status & 0x7F
        return Crash(terminal: terminal, standardError: standardError, signal: signal != 0 && signal != 0x7F ? signal : nil)
    }

    @Test func aFaultGivesTheTerminalAndHeldStderrBackThenStillKills() throws {
        let crash = try Self.crash(armed: true)
        #expect(crash.signal == SIGSEGV, "the fault still ends the process, by its own signal")
        #expect(crash.terminal == "\u{1B}[?1049l", "the screen is left")
        #expect(crash.standardError == "libfoo: a line held while the screen was up\n", "what was held is written out")
    }

    @Test func unarmedItWritesNothing() throws {
        let crash = try Self.crash(armed: false)
        #expect(crash.signal == SIGSEGV)
        #expect(crash.terminal.isEmpty && crash.standardError.isEmpty)
    }
}
