import Foundation
import Glibc

/// Writes a small file (CSV, JSON, profiles) all or nothing: into a temporary file in the
/// destination's folder, flushed to disk, then renamed over the destination. A failure or an
/// interrupt leaves the old file as it was and no temporary file behind.
public enum AtomicFile {
    /// - Parameter mode: the file's permissions; nil: those of the file replaced, or 0666 less
    ///   the umask for a new one.
    public static func write(_ data: Data, to path: String, mode: mode_t? = nil) throws(AudioFileError) {
        let file = try PendingFile(path: path)
        guard data.withUnsafeBytes({ Descriptor.writeAll(file.descriptor, $0) }) else { throw file.fail() }
        try file.commit(mode: mode)
    }

    /// The file a write to `path` lands in: `path`, or the file it names when it is a link
    /// (unchanged when that is missing; the write then refuses it).
    public static func landing(_ path: String) -> String {
        (try? PendingFile.destination(of: path)) ?? path
    }

    /// Removes temporary files left by writers of `path` that were killed mid-write. Call only
    /// while holding a lock that every writer of `path` takes (so none of them is alive).
    public static func removeAbandonedTemporaries(of path: String) {
        let path = landing(path)    // they are made beside the file a link names
        let folder = (path as NSString).deletingLastPathComponent
        let prefix = PendingFile.temporaryPrefix(for: path)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        where name.hasPrefix(prefix) {
            unlink((folder.isEmpty ? "" : folder + "/") + name)
        }
    }

    /// Checks that `path` could be written (its folder exists and is writable; through a link,
    /// the linked file's folder), before long work.
    public static func checkWritable(_ path: String) throws(AudioFileError) {
        let directory = (path as NSString).deletingLastPathComponent
        var status = stat()
        guard stat(directory.isEmpty ? "." : directory, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw AudioFileError(.write, path: path, reason: "no such folder")
        }
        try refuseAnythingButAFile(path)
        let landing = (try PendingFile.destination(of: path) as NSString).deletingLastPathComponent
        guard access(landing.isEmpty ? "." : landing, W_OK) == 0 else { throw AudioFileError(.write, path: path, reason: "permission denied") }
    }

    /// Refuses a `path` that names anything but a regular file (or nothing yet), before anything
    /// else is said (an unknown extension, a rename's "Is a directory"). A folder, in these words;
    /// a device, pipe or socket (through a link too) because the rename would put a file in its
    /// place: `style export /dev/full`, run as root, replaced the device with a 14 kB profile.
    static func refuseAnythingButAFile(_ path: String) throws(AudioFileError) {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw AudioFileError(.write, path: path, reason: "is a folder")
        default: throw AudioFileError(.write, path: path, reason: "is a device, pipe or socket, not a file; nothing was written")
        }
    }

    /// Whether `path` names an existing folder.
    public static func isFolder(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether two paths name one file: the same inode when both exist (so `./a.wav`, a symlink
    /// or a hard link to it all count: `-o` on a link to the input is a slip as surely as on the
    /// input), else the same absolute path once the folder's links are resolved. Writers check
    /// it against what they read: a write is a rename, so it would succeed and the file read
    /// would be gone.
    public static func isSameFile(_ first: String, _ second: String) -> Bool {
        var a = stat(), b = stat()
        if stat(first, &a) == 0, stat(second, &b) == 0 { return a.st_dev == b.st_dev && a.st_ino == b.st_ino }
        return resolved(first) == resolved(second)
    }

    private static func resolved(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let folder = (absolute as NSString).deletingLastPathComponent
        let name = (absolute as NSString).lastPathComponent
        guard let real = realpath(folder, nil) else { return (absolute as NSString).standardizingPath }
        defer { free(real) }
        return String(cString: real) + "/" + name
    }

    /// Reads a small file, refusing anything larger than `limit` bytes (untrusted input);
    /// `kind` names what it should be, for the error ("an emotion map").
    public static func read(_ path: String, limit: Int, kind: String) throws(AudioFileError) -> Data {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw AudioFileError(.read, path: path, reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw AudioFileError(.read, path: path, reason: "not a regular file")
        }
        return try readAll(descriptor, path: path, limit: limit, kind: kind)
    }

    /// Standard input read whole, up to `limit` bytes (a pipe or a file: `… | loopmind style learn -`).
    public static func readStandardInput(limit: Int, kind: String) throws(AudioFileError) -> Data {
        try readAll(STDIN_FILENO, path: "-", limit: limit, kind: kind)
    }

    private static func readAll(_ descriptor: Int32, path: String, limit: Int, kind: String) throws(AudioFileError) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw AudioFileError(.read, path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
            guard data.count <= limit else {
                throw AudioFileError(.read, path: path, reason: "larger than \(limit / 1024) KiB, too big for \(kind)")
            }
        }
        return data
    }
}
