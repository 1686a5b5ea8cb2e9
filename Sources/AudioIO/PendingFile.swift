import Foundation
import Glibc

/// A file written beside its destination and moved over it only when complete: the one
/// mechanism behind every output (audio, CSV, profiles), so a failure or an interrupt never
/// leaves a partial file or harms an existing one.
///
/// `init` creates `.<name>.loopmind-XXXXXX` in the destination's folder (registered with
/// `TemporaryFiles` so SIGINT/SIGTERM/SIGHUP remove it); the caller writes to `descriptor`;
/// `commit` sets the permissions (the replaced file's, if any), fsyncs, closes, renames over the
/// destination and fsyncs the folder. Released without `commit`, it removes the temporary file.
final class PendingFile {
    let path: String
    let temporaryPath: String
    private(set) var descriptor: Int32
    private var interruptSlot: Int?
    private var committed = false
    /// The permissions of the file being replaced: a master written over a 0600 file stays private.
    private let replacedMode: mode_t?

    /// The prefix of the temporary files made for `path` (to find those of killed writers).
    static func temporaryPrefix(for path: String) -> String { ".\((path as NSString).lastPathComponent).loopmind-" }

    init(path: String) throws(AudioFileError) {
        self.path = path
        try AtomicFile.refuseFolder(path)
        var existing = stat()
        replacedMode = stat(path, &existing) == 0 && (existing.st_mode & S_IFMT) == S_IFREG ? existing.st_mode & 0o7777 : nil
        let directory = (path as NSString).deletingLastPathComponent
        var template = Array(((directory.isEmpty ? "." : directory) + "/" + Self.temporaryPrefix(for: path) + "XXXXXX").utf8CString)
        descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw AudioFileError(.write, path: path, reason: String(cString: strerror(errno))) }
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        interruptSlot = TemporaryFiles.register(temporaryPath)
    }

    deinit { discard() }

    /// Moves the finished file into place. `mode` nil: the replaced file's permissions, or
    /// 0666 less the umask for a new file.
    func commit(mode: mode_t? = nil) throws(AudioFileError) {
        precondition(!committed, "commit twice")
        if let mode = mode ?? replacedMode {
            fchmod(descriptor, mode)
        } else {
            let mask = umask(0)
            umask(mask)
            fchmod(descriptor, 0o666 & ~mask)
        }
        guard fsync(descriptor) == 0 else { throw fail() }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else { throw fail() }
        committed = true
        TemporaryFiles.forget(interruptSlot)
        interruptSlot = nil
        let directory = (path as NSString).deletingLastPathComponent
        let folder = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY)
        if folder >= 0 { fsync(folder); close(folder) }
    }

    /// Closes and removes the temporary file (a failed or abandoned write); safe to repeat.
    func discard() {
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
        if !committed { unlink(temporaryPath) }
        TemporaryFiles.forget(interruptSlot)
        interruptSlot = nil
    }

    /// Discards and returns the error for the current `errno`.
    func fail() -> AudioFileError {
        let reason = String(cString: strerror(errno))
        discard()
        return AudioFileError(.write, path: path, reason: reason)
    }
}
