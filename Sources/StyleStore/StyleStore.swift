import AudioIO
import Foundation
import Glibc
import MasteringAI

/// The style profile on disk: where it lives, reading it safely, and updating it atomically
/// under a lock so two processes never lose each other's updates.
///
/// `$XDG_DATA_HOME/loopmind/profiles/<name>_style.json` (`~/.local/share/…` when unset),
/// mode 0600, pretty-printed with sorted keys. A corrupt, truncated or future-version file is
/// never overwritten: it is renamed aside (`….corrupt-<time>` / `….future-<time>`), a warning says
/// where, and the run goes on with a fresh profile. A file given by its path is the user's, not
/// the store's: if it is not a profile it is refused and left exactly as it is.
public struct StyleStore {
    public let path: String
    /// Whether `path` was given as a path rather than made from a name in the profiles folder.
    /// (`--profile ../notes.txt` once had the user's file renamed to `notes.txt.corrupt-…` by a
    /// mere `style show`, with a `notes.txt.lock` left beside it.)
    public let isGivenPath: Bool
    /// Called with one line for the user when a bad profile was kept aside.
    public var warn: (String) -> Void

    /// Largest profile or import read: far above any real profile (a few kB), far below harm.
    public static let sizeLimit = 1 << 20

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameter profile: a name (`default`, `studio-b`) or a path (contains `/` or ends in `.json`).
    public init(profile: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                warn: @escaping (String) -> Void) throws {
        self.warn = warn
        let choice = profile ?? "default"
        // A profile reached through a link is the file it names: its lock, its writes and its
        // backups go there, so the link and the file's own name share one lock and one profile.
        if choice.contains("/") || choice.hasSuffix(".json") {
            path = AtomicFile.landing(choice)
            isGivenPath = true
            return
        }
        isGivenPath = false
        guard !choice.isEmpty, choice.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }),
              !choice.hasPrefix(".") else {
            throw Failure(description: "bad profile name '\(choice)': use letters, digits, '-', '_' or '.', or a path")
        }
        path = AtomicFile.landing(Self.folder(environment: environment) + "/\(choice)_style.json")
    }

    /// `$XDG_DATA_HOME/loopmind/profiles`, or `$HOME/.local/share/loopmind/profiles` when it is
    /// unset, empty or relative (as the XDG spec says).
    public static func folder(environment: [String: String]) -> String {
        UserFolders.data(environment: environment) + "/loopmind/profiles"
    }

    /// The profile as it is now (fresh when there is none; a bad one in the profiles folder is
    /// kept aside, a bad given file refused). Creates nothing when there is no profile yet.
    ///
    /// A file given by its path must exist: `master --profile ~/studio.jsn` (a typo) mastered
    /// without the style the user asked for, without a word. `givenFileMayBeNew` is for the
    /// console, whose learning mode makes the file; its folder must be there to make it in (a
    /// session's tweaks once met "no such folder" only at the end).
    public func load(givenFileMayBeNew: Bool = false) throws -> StyleProfile {
        guard access(path, F_OK) == 0 else {
            guard isGivenPath else { return StyleProfile() }
            guard givenFileMayBeNew else { throw Failure(description: "cannot read style profile '\(path)': no such file") }
            try AtomicFile.checkWritable(path)
            return StyleProfile()
        }
        // A profile is only ever replaced by a rename, so a read sees a whole file without the
        // lock: reading a given file leaves nothing beside it.
        if isGivenPath { return try readGiven() }
        return try withLock { try read() }
    }

    /// Reads, changes and writes the profile under the lock; returns what was written.
    @discardableResult
    public func update(_ change: (inout StyleProfile) throws -> Void) throws -> StyleProfile {
        try refuseAGivenFileThatIsNoProfile()
        return try withLock {
            var profile = try read()
            try change(&profile)
            try write(profile)
            return profile
        }
    }

    /// Replaces the profile, keeping the current one as `….backup-<time>` when there is one.
    @discardableResult
    public func replace(with profile: StyleProfile) throws -> String? {
        try refuseAGivenFileThatIsNoProfile()
        return try withLock {
            var backup: String?
            if access(path, F_OK) == 0 {
                let aside = path + ".backup-" + Self.stamp()
                guard rename(path, aside) == 0 else { throw Failure(description: "cannot back up '\(path)': \(String(cString: strerror(errno)))") }
                backup = aside
            }
            try write(profile)
            return backup
        }
    }

    // MARK: - Under the lock

    private func read() throws -> StyleProfile {
        guard access(path, F_OK) == 0 else { return StyleProfile() }
        if isGivenPath { return try readGiven() }
        let data = try Self.readFile(path)
        do {
            return try StyleProfile.decode(data)
        } catch let error as StyleProfile.FormatError {
            let aside = path + (error.isFutureVersion ? ".future-" : ".corrupt-") + Self.stamp()
            guard rename(path, aside) == 0 else {
                throw Failure(description: "cannot read '\(path)': \(error.description), and cannot move it aside: \(String(cString: strerror(errno)))")
            }
            warn("style profile '\(path)' \(error.isFutureVersion ? "is from a newer loopmind" : "is unreadable") (\(error.description)); kept it as '\(aside)' and started a fresh one")
            return StyleProfile()
        }
    }

    /// A given file that exists and is not a profile is refused before anything is created
    /// beside it (the lock file) or done to it (a backup is a rename).
    private func refuseAGivenFileThatIsNoProfile() throws {
        if isGivenPath, access(path, F_OK) == 0 { _ = try readGiven() }
    }

    /// A given file's profile, or a refusal that names it and leaves it alone.
    private func readGiven() throws -> StyleProfile {
        let data = try Self.readFile(path)
        do {
            return try StyleProfile.decode(data)
        } catch let error as StyleProfile.FormatError {
            throw Failure(description: "cannot read style profile '\(path)': \(error.description); the file was left as it is")
        }
    }

    /// Reads the profile file (a separate function: a typed-throws call inside a do/catch here
    /// crashed the Swift 6.3 compiler's ownership checker).
    private static func readFile(_ path: String) throws -> Data {
        try AtomicFile.read(path, limit: sizeLimit, kind: "a style profile")
    }

    /// Writes atomically; first removes temporary files of earlier writers that were killed
    /// mid-save (we hold the lock, so no live writer owns one).
    private func write(_ profile: StyleProfile) throws {
        AtomicFile.removeAbandonedTemporaries(of: path)
        try AtomicFile.write(profile.encoded(), to: path, mode: 0o600)
    }

    /// Runs `body` holding an exclusive `flock` on `<profile>.lock` (created 0600 next to it).
    /// The profiles folder is made when missing; a given path's folder must exist, as an
    /// output's must (a mistyped `--profile ~/Dcouments/p.json` once made `~/Dcouments`).
    private func withLock<T>(_ body: () throws -> T) throws -> T {
        let folder = (path as NSString).deletingLastPathComponent
        if isGivenPath {
            do { try AtomicFile.checkWritable(path) } catch { throw Failure(description: error.description) }
        } else if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw Failure(description: "cannot write '\(path)': cannot create its folder")
            }
        }
        let descriptor = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot lock '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Failure(description: "cannot lock '\(path)': \(String(cString: strerror(errno)))") }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    private static func stamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        return formatter.string(from: Date()) + "-\(getpid())"
    }
}
