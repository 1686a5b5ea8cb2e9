import Foundation

/// The full suite runs CPU-heavy tests (masters, chains) in parallel on two cores while the live
/// tests play through a private PulseAudio daemon at ordinary priority. At the 30 ms default
/// buffer that daemon underran under such load (CI, and 2 of 3 local full runs on the day this
/// was written), which spoils tests that check *what* is heard. Those tests play with this buffer
/// instead; how *soon* a change is heard at the default is the tweak test's, and 0 underruns at
/// 30 ms on a quiet machine is `scripts/bench-playback`'s.
public enum SuiteLoad {
    public static let playbackLatencyMilliseconds = 200.0
}

/// How long this machine stopped running a thread that only sleeps: one sleeper pinned to each
/// CPU wakes every 2 ms and keeps the longest time it was away, so a pause of one virtual CPU
/// (hypervisor steal is per CPU) is seen even when the other runs on. On this VM, idle, such
/// sleepers were woken 50 ms late 47 times in 30 s and up to 490 ms late; on a quiet machine the
/// longest is a few milliseconds.
public final class StallWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var longest = 0.0
    private var running = true
    private let finished: DispatchGroup

    public init() {
        finished = DispatchGroup()
        for cpu in 0..<max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) {
            finished.enter()
            let thread = Thread { [self] in
                defer { finished.leave() }
                Self.pin(toCPU: cpu)
                var last = MonitorRecorder.now()
                while true {
                    usleep(2_000)
                    let now = MonitorRecorder.now()
                    lock.lock()
                    longest = max(longest, (now - last) * 1000)
                    let stop = !running
                    lock.unlock()
                    if stop { return }
                    last = now
                }
            }
            thread.start()
        }
    }

    /// Stops the sleepers and returns the longest time one of them was away, milliseconds.
    public func stop() -> Double {
        lock.lock(); running = false; lock.unlock()
        finished.wait()
        lock.lock(); defer { lock.unlock() }
        return longest
    }

    /// Binds the calling thread to one CPU: glibc's `sched_setaffinity` (pid 0 is the calling
    /// thread), looked up at run time since Swift's Glibc module leaves out the GNU extensions.
    private static func pin(toCPU cpu: Int) {
        typealias SetAffinity = @convention(c) (pid_t, Int, UnsafeRawPointer) -> Int32
        guard let symbol = dlsym(nil, "sched_setaffinity") else { return }
        var set = cpu_set_t()
        withUnsafeMutableBytes(of: &set) { bytes in
            guard cpu / 8 < bytes.count else { return }
            bytes[cpu / 8] |= UInt8(1 << (cpu % 8))
        }
        _ = withUnsafeBytes(of: &set) { unsafeBitCast(symbol, to: SetAffinity.self)(0, MemoryLayout<cpu_set_t>.size, $0.baseAddress!) }
    }
}

/// Tests that check what a real daemon played, on a shared machine.
///
/// An attempt whose playback underran while the machine itself stalled (a `StallWatch` sleeper
/// was away for at least `stallBar`) was starved from outside: the null sink, woken late, asks
/// for all the time it missed at once and the buffer cannot cover it. Such an attempt says
/// nothing about the engine, so it is played again, at most `attempts` times in all. An attempt
/// that underran while the machine ran on is the engine's fault: it is returned at once, not
/// starved, and the test judges it strictly.
///
/// When every attempt was starved (on this VM, hours when `pacat` alone underran 30 times in
/// 30 s at 200 ms), the last is returned marked `starved`: the tests then judge what was heard
/// with the server's silences cut out (`Alignment.splicingOutSilences`), each stretch between
/// them lined up on its own, since an underrun loses only a few milliseconds of the stream and
/// plays the rest as it came (`Alignment.stretchCorrelations`).
public enum StarvedPlayback {
    /// Five: on this VM two starved attempts in a row are common under the suite's load (at three,
    /// a fresh-clone run failed with all three starved, and a local run with two starved and the
    /// third's tweak heard 5 ms late).
    public static let attempts = 5

    /// One attempt as the test sees it.
    public struct Played<T> {
        public let outcome: T
        public let underruns: Int
        /// Underran while the machine stalled (the last of `attempts` such attempts).
        public let starved: Bool
    }

    /// A stall that can empty a buffer of `latencyMilliseconds`: a fifth of it. (The server keeps
    /// between about a quarter and all of the requested latency buffered; pacat at 200 ms showed
    /// 50–200 ms.)
    public static func stallBar(latencyMilliseconds: Double) -> Double { latencyMilliseconds / 5 }

    /// Runs `attempt` until one does not underrun, or one underruns without a stall, or
    /// `attempts` times. `watch` starts watching for stalls and returns what stops it and tells
    /// the longest. Between starved attempts it waits longer each time (2, 4, 6, 8 s:
    /// `pause` is told the attempt's number), so a burst of steal can pass.
    public static func retrying<T>(latencyMilliseconds: Double,
                                   pause: (Int) -> Void = { sleep(UInt32(2 * $0)) },
                                   watch: () -> (() -> Double) = { StallWatch().stop },
                                   _ attempt: () throws -> (outcome: T, underruns: Int)) throws -> Played<T> {
        let bar = stallBar(latencyMilliseconds: latencyMilliseconds)
        for number in 1... {
            let stopWatching = watch()
            let outcome: T, underruns: Int
            do { (outcome, underruns) = try attempt() } catch { _ = stopWatching(); throw error }
            let stall = stopWatching()
            if underruns == 0 { return Played(outcome: outcome, underruns: 0, starved: false) }
            let figures = String(format: "%d underrun(s) while playing, longest stall %.0f ms", underruns, stall)
            guard stall >= bar else {
                print("attempt \(number): \(figures) (under \(Int(bar)) ms: the machine ran on, so the underruns are the engine's)")
                return Played(outcome: outcome, underruns: underruns, starved: false)
            }
            if number == attempts {
                print("attempt \(number): \(figures): starved from outside; the last attempt, judged with the server's silences cut out")
                return Played(outcome: outcome, underruns: underruns, starved: true)
            }
            print("attempt \(number): \(figures): starved from outside; playing it again in \(2 * number) s")
            pause(number)
        }
        fatalError("unreachable: the loop returns at the last attempt")
    }
}
