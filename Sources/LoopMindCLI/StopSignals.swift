import Glibc
import Synchronization

/// How the long-running commands (`play`, `console`) are asked to stop: SIGINT, SIGQUIT, SIGTERM
/// and SIGHUP set a flag their main loop reads, so they stop cleanly (summary printed, learning
/// saved, terminal restored) instead of dying. The handler only stores an atomic. SIGQUIT is
/// Ctrl-\ at the terminal: Swift's runtime takes it for a backtrace, which it printed over the
/// console's screen while every thread stood still for its 30 s prompt, and then let it run on.
enum StopSignals {
    static let requested = Atomic<Bool>(false)

    static var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Forgets a stop already handled, so the next signal asks for something new.
    static func clear() { requested.store(false, ordering: .relaxed) }

    /// Installs the handlers and unblocks the signals (a parent may have started us with them blocked).
    static func install() {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signalNumber in [SIGINT, SIGQUIT, SIGTERM, SIGHUP] {
            signal(signalNumber) { _ in StopSignals.requested.store(true, ordering: .relaxed) }
            sigaddset(&mask, signalNumber)
        }
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }
}
