import Foundation

/// A private PulseAudio daemon with one null sink, for tests that play for real: started in a
/// temporary directory with its own socket (nothing of the user's sound setup is touched),
/// stopped and removed by `stop()`. It runs at ordinary priority: with `--realtime=yes` (its sink
/// thread real-time, its main thread at nice −11) the full suite saw server underruns in two runs
/// of two; at ordinary priority, none (the clients' audio threads are real-time either way).
public final class PrivatePulseServer: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible { public let description: String }

    public let directory: URL
    public let sinkName: String
    public let sampleRate: Int
    /// The `PULSE_SERVER` value that reaches this daemon.
    public var server: String { "unix:" + directory.appendingPathComponent("native").path }
    /// The daemon, spawned directly (Foundation's Process waits on every child it started
    /// and hangs beside a long-lived one).
    private var pid: pid_t = 0

    public init(sampleRate: Int = 44100) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loopmind-pulse-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        sinkName = "loopmind_test"
        self.sampleRate = sampleRate
        guard let executable = Self.find("pulseaudio") else {
            throw Failure(description: "pulseaudio is not installed (scripts/setup installs it)")
        }
        let socket = directory.appendingPathComponent("native").path
        let arguments = [
            executable, "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--realtime=no", "--high-priority=no",
            "--log-target=file:" + directory.appendingPathComponent("log").path,
            "-L", "module-null-sink sink_name=\(sinkName) rate=\(sampleRate) channels=2 format=float32le",
            "-L", "module-native-protocol-unix socket=\(socket) auth-anonymous=1",
        ]
        var environment = ProcessInfo.processInfo.environment
        for key in ["HOME", "XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH", "XDG_CONFIG_HOME", "PULSE_STATE_PATH"] {
            environment[key] = directory.path
        }
        environment.removeValue(forKey: "PULSE_SERVER")
        pid = try ChildProcess.spawn(arguments, environment: environment).pid
        // Ready when its socket accepts a connection.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if Self.accepts(socket) { return }
            var exitStatus: Int32 = 0
            if waitpid(pid, &exitStatus, WNOHANG) == pid { pid = 0; break }
            usleep(20_000)
        }
        let log = (try? String(contentsOf: directory.appendingPathComponent("log"), encoding: .utf8)) ?? ""
        stop()
        throw Failure(description: "the private pulseaudio did not start: \(log.suffix(400))")
    }

    /// True when a unix socket at `path` accepts a connection.
    private static func accepts(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8CString)
        guard bytes.count <= MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            bytes.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }

    deinit { stop() }

    public func stop() {
        if pid > 0 {
            ChildProcess.stop(pid)
            pid = 0
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// True while some client plays to the server (a sink input exists). Asks with `pactl`.
    public var hasPlayingStream: Bool {
        guard let pactl = Self.find("pactl"),
              let child = try? ChildProcess.spawn([pactl, "list", "short", "sink-inputs"],
                                                  environment: ["PULSE_SERVER": server, "PATH": "/usr/bin:/bin"], captureOutput: true)
        else { return false }
        let output = ChildProcess.readToEnd(child.output!)
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        return !output.isEmpty
    }

    public static func find(_ name: String) -> String? {
        for folder in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: folder + "/" + name) {
            return folder + "/" + name
        }
        return nil
    }

}

/// Starts programs directly with `posix_spawn`: default signal handling and an empty signal
/// mask (threads of the test runner block signals, and children would inherit that), so
/// SIGTERM stops them; optionally with a pipe from their stdout.
public enum ChildProcess {
    /// Starts `arguments` with stdin and stderr on /dev/null (stderr to `errorPath` when given) and
    /// stdout on a pipe when `captureOutput` (its read end is returned).
    public static func spawn(_ arguments: [String], environment: [String: String], captureOutput: Bool = false,
                             errorPath: String? = nil) throws -> (pid: pid_t, output: Int32?) {
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if captureOutput {
            guard pipe(&pipeEnds) == 0 else { throw PrivatePulseServer.Failure(description: "cannot make a pipe") }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
            posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty); sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        if captureOutput { close(pipeEnds[1]) }
        guard status == 0 else {
            if captureOutput { close(pipeEnds[0]) }
            throw PrivatePulseServer.Failure(description: "cannot start \(arguments[0]) (error \(status))")
        }
        return (pid, captureOutput ? pipeEnds[0] : nil)
    }

    /// Everything a child writes to `descriptor` until it closes it; closes it then.
    public static func readToEnd(_ descriptor: Int32) -> Data {
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            output.append(contentsOf: buffer[0..<count])
        }
        close(descriptor)
        return output
    }

    /// SIGTERM, then waits for it to end.
    public static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}

/// Records the private server's null-sink monitor with `parec` (raw float32 stereo), noting
/// when each piece arrived on the monotonic clock, so tests can tell when something was heard.
public final class MonitorRecorder: @unchecked Sendable {
    private let pid: pid_t
    private let descriptor: Int32
    private let lock = NSLock()
    private var bytes = Data()
    /// (frames received so far, arrival time) after each read.
    private var arrivals: [(frames: Int, time: Double)] = []
    private var reader: Thread?
    private let done = DispatchSemaphore(value: 0)

    public init(_ server: PrivatePulseServer) throws {
        let environment = ProcessInfo.processInfo.environment.merging(["PULSE_SERVER": server.server]) { $1 }
        let spawned = try ChildProcess.spawn([PrivatePulseServer.find("parec") ?? "/usr/bin/parec",
                                              "--device=\(server.sinkName).monitor", "--format=float32le", "--rate=\(server.sampleRate)",
                                              "--channels=2", "--latency-msec=5", "--raw"],
                                             environment: environment, captureOutput: true)
        pid = spawned.pid
        descriptor = spawned.output!
        let descriptor = self.descriptor
        reader = Thread { [unowned self] in
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 65536, alignment: 8)
            defer { buffer.deallocate(); self.done.signal() }
            while true {
                let count = read(descriptor, buffer, 65536)
                if count <= 0 { break }
                let now = Self.now()
                self.lock.lock()
                self.bytes.append(buffer.assumingMemoryBound(to: UInt8.self), count: count)
                self.arrivals.append((self.bytes.count / 8, now))
                self.lock.unlock()
            }
        }
        reader?.start()
        // parec is ready once the first (silent) data flows.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && frameCount == 0 { usleep(10_000) }
    }

    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    public var frameCount: Int { lock.lock(); defer { lock.unlock() }; return bytes.count / 8 }

    /// The interleaved stereo samples recorded so far, whole frames (recording goes on).
    public func samplesSoFar() -> [Float] {
        lock.lock(); defer { lock.unlock() }
        let count = bytes.count / 8 * 2
        return bytes.withUnsafeBytes { raw in Array(raw.bindMemory(to: Float.self).prefix(count)) }
    }

    /// Stops recording and returns the interleaved stereo samples.
    public func stop() -> [Float] {
        ChildProcess.stop(pid)
        done.wait()
        close(descriptor)
        return samplesSoFar()
    }

    /// When frame `frame` had arrived (the first read that contained it), monotonic seconds.
    public func arrivalTime(ofFrame frame: Int) -> Double? {
        lock.lock(); defer { lock.unlock() }
        return arrivals.first { $0.frames > frame }?.time
    }
}
