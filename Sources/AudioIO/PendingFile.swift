import CUnnamedFile
import Foundation
import Glibc

/// A file written beside its destination and moved over it only when complete: the one
/// mechanism behind every output (audio, CSV, profiles), so a failure or an interrupt never
/// leaves a partial file or harms an existing one.
///
/// `init` opens a file with no name in the destination's folder (`O_TMPFILE`), so even a
/// SIGKILL, an out-of-memory kill or a power cut mid-write leaves nothing behind: a killed
/// 60-minute master left a hidden 100 MB partial beside its output. The caller writes to
/// `descriptor`; `commit` sets the permissions (the replaced file's, if any) and fsyncs, names
/// the file `.<name>.loopmind-XXXXXX` (a link through `/proc/self/fd`, registered with
/// `TemporaryFiles` for the moment until the rename), renames that over the destination and
/// fsyncs the folder. Where the folder's file system has no unnamed files (or `/proc` is not
/// there), `init` makes the named file at once, registered so SIGINT/SIGTERM/SIGHUP remove it;
/// only a kill then leaves it. Released without `commit`, the file is removed.
///
/// A destination that is a link is written through: the file it names is replaced and the link
/// kept, as `cp` or a shell's `>` would (`-o latest.wav`, a link to `v3.wav`, once had the link
/// replaced by a file and `v3.wav` left as it was; a profile reached through a link stopped
/// being the one its name reads).
final class PendingFile {
    /// The destination as given (for messages).
    let path: String
    /// Where the file lands: `path`, or the file a link at `path` names.
    let destination: String
    private(set) var descriptor: Int32
    /// The named temporary file: from `init` when the file system has no unnamed files, else
    /// from `commit`'s link until its rename; nil otherwise.
    private var temporaryPath: String?
    private var interruptSlot: Int?
    private var committed = false
    /// The permissions of the file being replaced: a master written over a 0600 file stays private.
    private let replacedMode: mode_t?

    /// The prefix of the temporary files made for `path` (to find those of killed writers).
    static func temporaryPrefix(for path: String) -> String { ".\((path as NSString).lastPathComponent).loopmind-" }

    /// `path` itself, or, when it is a link, the file it leads to (through any chain of links).
    /// A link to nothing is refused: which file was meant is not known (GNU cp refuses it too).
    static func destination(of path: String) throws(AudioFileError) -> String {
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK else { return path }
        guard let real = realpath(path, nil) else {
            throw AudioFileError(.write, path: path, reason: "is a link to a file that does not exist; nothing was written")
        }
        defer { free(real) }
        return String(cString: real)
    }

    /// `unnamed` false: a named file from the start, as on a file system without unnamed files (tests).
    init(path: String, unnamed: Bool = true) throws(AudioFileError) {
        self.path = path
        try AtomicFile.refuseAnythingButAFile(path)
        destination = try Self.destination(of: path)
        var existing = stat()
        replacedMode = stat(destination, &existing) == 0 && (existing.st_mode & S_IFMT) == S_IFREG ? existing.st_mode & 0o7777 : nil
        let unnamedFile = unnamed ? lm_open_unnamed_file(Self.folder(of: destination), 0o600) : -1
        if unnamedFile >= 0 && access(Self.procPath(unnamedFile), F_OK) == 0 {
            descriptor = unnamedFile
            return
        }
        if unnamedFile >= 0 { close(unnamedFile) }
        var template = Array((Self.folder(of: destination) + "/" + Self.temporaryPrefix(for: destination) + "XXXXXX").utf8CString)
        descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw AudioFileError(.write, path: path, reason: String(cString: strerror(errno))) }
        let named = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        temporaryPath = named
        interruptSlot = TemporaryFiles.register(named)
    }

    deinit { discard() }

    /// Moves the finished file into place. `mode` nil: the replaced file's permissions, or
    /// 0666 less the umask for a new file. `replacing` false: the file only lands under a name
    /// nobody has taken (a link, which fails on an existing file, instead of a rename); if
    /// one has appeared, the commit fails with "exists" and nothing is replaced or left.
    func commit(mode: mode_t? = nil, replacing: Bool = true) throws(AudioFileError) {
        precondition(!committed, "commit twice")
        if let mode = mode ?? (replacing ? replacedMode : nil) {
            fchmod(descriptor, mode)
        } else {
            let mask = umask(0)
            umask(mask)
            fchmod(descriptor, 0o666 & ~mask)
        }
        guard fsync(descriptor) == 0 else { throw fail() }
        if replacing {
            if temporaryPath == nil { try name() }
            guard rename(temporaryPath!, destination) == 0 else { throw fail() }
        } else {
            let linked = temporaryPath.map { linkat(AT_FDCWD, $0, AT_FDCWD, destination, 0) }
                ?? linkat(AT_FDCWD, Self.procPath(descriptor), AT_FDCWD, destination, AT_SYMLINK_FOLLOW)
            guard linked == 0 else {
                let exists = errno == EEXIST
                let failure = fail()
                throw exists ? AudioFileError(.write, path: path, reason: "it exists (made while this was written); nothing replaced") : failure
            }
            if let temporaryPath { unlink(temporaryPath) }
        }
        close(descriptor)
        descriptor = -1
        committed = true
        TemporaryFiles.forget(interruptSlot)
        interruptSlot = nil
        let folder = open(Self.folder(of: destination), O_RDONLY | O_DIRECTORY)
        if folder >= 0 { fsync(folder); close(folder) }
    }

    /// Gives the unnamed file a temporary name beside the destination, for `rename` to move over
    /// it atomically (a link cannot replace an existing file).
    private func name() throws(AudioFileError) {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        for _ in 0..<100 {
            let suffix = String((0..<6).map { _ in alphabet.randomElement()! })
            let named = Self.folder(of: destination) + "/" + Self.temporaryPrefix(for: destination) + suffix
            let slot = TemporaryFiles.register(named)
            if linkat(AT_FDCWD, Self.procPath(descriptor), AT_FDCWD, named, AT_SYMLINK_FOLLOW) == 0 {
                temporaryPath = named
                interruptSlot = slot
                return
            }
            let failure = errno
            TemporaryFiles.forget(slot)
            guard failure == EEXIST else { errno = failure; throw fail() }
        }
        errno = EEXIST
        throw fail()
    }

    /// Closes and removes the file (a failed or abandoned write); safe to repeat.
    func discard() {
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
        if !committed, let temporaryPath { unlink(temporaryPath) }
        TemporaryFiles.forget(interruptSlot)
        interruptSlot = nil
    }

    /// Discards and returns the error for the current `errno`.
    func fail() -> AudioFileError {
        let reason = String(cString: strerror(errno))
        discard()
        return AudioFileError(.write, path: path, reason: reason)
    }

    private static func folder(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    private static func procPath(_ descriptor: Int32) -> String { "/proc/self/fd/\(descriptor)" }
}
