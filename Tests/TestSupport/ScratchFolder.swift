import Foundation

/// A folder of a test's own under the temporary directory, removed with everything in it when
/// the last reference to it goes: a suite instance's property is gone after its test. One held
/// in a `static let` lives as long as the test process, so `untilExit` folders are removed when
/// the process exits. A test run leaves nothing behind: the suites write masters of tens of
/// megabytes each, and runs that left them filled a developer's disk (76 GB in a day). Held in
/// a local, keep it to the end of the test (`withExtendedLifetime`): ARC may release an object
/// after its last use, and the folder with it.
public final class ScratchFolder: Sendable {
    public let path: String
    private let untilExit: Bool

    /// Makes `loopmind-NAME-UUID` in the temporary directory.
    public init(_ name: String, untilExit: Bool = false) throws {
        path = NSTemporaryDirectory() + "loopmind-\(name)-\(UUID().uuidString)"
        self.untilExit = untilExit
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if untilExit { ExitCleanup.shared.removeAtExit(path) }
    }

    deinit {
        if !untilExit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// A path in the folder.
    public func file(_ name: String) -> String { path + "/" + name }
}

/// Removes registered folders when the process exits (`atexit`, registered with the first one).
private final class ExitCleanup: @unchecked Sendable {
    // `@unchecked Sendable`: `paths` is only touched under `lock`.
    static let shared = ExitCleanup()
    private let lock = NSLock()
    private var paths: [String] = []

    private init() {
        atexit { ExitCleanup.shared.removeAll() }
    }

    func removeAtExit(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths.append(path)
    }

    private func removeAll() {
        lock.lock(); defer { lock.unlock() }
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
        paths.removeAll()
    }
}
