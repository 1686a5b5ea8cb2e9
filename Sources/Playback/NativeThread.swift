import Glibc

/// A joinable POSIX thread running one closure: the disk, metering and clock threads.
///
/// Created and joined by the control side; what runs inside decides its own rules (the clock
/// thread is an audio thread and keeps to them).
final class NativeThread {
    private var handle = pthread_t()
    private let body: () -> Void
    /// Shown by `top -H` and `/proc/PID/task/*/comm` (at most 15 bytes), so CPU can be told apart by thread.
    private let name: String

    init(name: String, _ body: @escaping () -> Void) {
        self.body = body
        self.name = name
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&handle, nil, { raw in
            let thread = Unmanaged<NativeThread>.fromOpaque(raw!).takeRetainedValue()
            nameCurrentThread(thread.name)
            thread.body()
            return nil
        }, context)
        precondition(status == 0, "pthread_create failed (\(status)) for \(name)")
    }

    func join() { pthread_join(handle, nil) }
}

/// Names the calling thread through `/proc/thread-self/comm` (Glibc's `pthread_setname_np` is not
/// visible to Swift without `_GNU_SOURCE`). Called once as a thread starts, before any real-time work.
private func nameCurrentThread(_ name: String) {
    let descriptor = open("/proc/thread-self/comm", O_WRONLY)
    guard descriptor >= 0 else { return }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
}

/// Monotonic time in seconds: the clock output's pacing and the tests' latency stopwatch.
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

/// Sleeps for `seconds` (monotonic; resumes after signals).
func sleepSeconds(_ seconds: Double) {
    guard seconds > 0 else { return }
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// Asks the kernel to run the calling thread ahead of ordinary work: `SCHED_FIFO` at priority 4,
/// just below a sound server's own real-time threads (PulseAudio's default is 5), so that a busy
/// machine (a build, a render) does not leave the server's buffer empty while the audio thread
/// waits for a core. Permitted for root and for users with an `RLIMIT_RTPRIO` (the `audio` group's
/// limits on most distributions); anyone else keeps ordinary scheduling. Returns whether it took.
/// One system call; call it from the thread itself, once, before the real-time work starts.
func requestRealtimeScheduling() -> Bool {
    var parameters = sched_param()
    parameters.sched_priority = realtimePriority
    return pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters) == 0
}

/// The audio thread's `SCHED_FIFO` priority (1 is the lowest, 99 the highest).
let realtimePriority: Int32 = 4
