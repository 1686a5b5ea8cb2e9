import Glibc
import MasteringDSP

/// The chain's front half's output (trim, EQ, match, compressor, exciter) from one pass, kept in
/// a temporary file so that a later pass whose front half would do exactly the same work reads
/// it back instead. The closed loop's corrections only move loudness gains, which act after the
/// front half, so usually only the first pass runs it.
///
/// The file is unlinked as soon as it is made: a crash leaves nothing behind, and its space
/// returns when the cache goes. Its pages sit in the page cache, not in the process's memory
/// (a 10-minute stereo file makes about 210 MB of it). No recording is made when the disk is
/// short of room, and a failed write drops it: the next pass runs the front half again. The
/// cache saves time; it never changes the output.
final class FrontHalfCache {
    /// What a front half's output depends on besides the input: each section's start and the
    /// settings its stages read, the crossfade length, and the match curve.
    struct Key: Equatable {
        var startFrames: [Int]
        var frontSettings: [ChainSettings]
        var transitionFrames: Int
        var match: MatchCurve

        init(_ automation: ChainAutomation) {
            startFrames = automation.sections.map(\.startFrame)
            frontSettings = automation.sections.map { section in
                var settings = section.settings
                for parameter in MasteringChain.backHalfParameters { settings[parameter] = parameter.spec.defaultValue }
                return settings
            }
            transitionFrames = automation.transitionFrames
            match = automation.match
        }
    }

    private let descriptor: Int32
    /// The key of the recording the file holds; nil while recording or after a failure.
    private var recorded: Key?
    private var recording: Key?
    /// Each recorded block's frame count, in order (the left channel then the right, per block).
    private var blockFrames: [Int] = []
    private var writeOffset: off_t = 0
    private var readOffset: off_t = 0
    private var readBlock = 0

    /// A cache file in `directory`; nil when none can be made there (then passes just run the front half).
    init?(directory: String) {
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
            + Array(".loopmind-front-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard made >= 0 else { return nil }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        unlink(path)
        descriptor = made
    }

    deinit { close(descriptor) }

    /// True when the recording holds what a front half following `automation` would produce.
    func holds(_ automation: ChainAutomation) -> Bool { recorded == Key(automation) }

    /// The total frames of the recording.
    var recordedFrames: Int { blockFrames.reduce(0, +) }

    // MARK: Recording

    /// Starts a recording of about `expectedFrames` frames (when known). It is not made when the
    /// disk has less than three times its size free: the output, on the same disk, comes first.
    func beginRecording(_ automation: ChainAutomation, expectedFrames: Int?) {
        recorded = nil
        blockFrames.removeAll(keepingCapacity: true)
        writeOffset = 0
        _ = ftruncate(descriptor, 0)
        var disk = statvfs()
        let needed = UInt64(max(0, expectedFrames ?? 0)) * 2 * UInt64(MemoryLayout<Float>.stride) * 3
        let roomy = fstatvfs(descriptor, &disk) == 0 && UInt64(disk.f_bavail) * UInt64(disk.f_frsize) >= needed
        recording = roomy ? Key(automation) : nil
    }

    /// Appends one block of the front half's output. Does nothing once a write has failed.
    func record(left: UnsafePointer<Float>, right: UnsafePointer<Float>, count: Int) {
        guard recording != nil, count > 0 else { return }
        let bytes = count * MemoryLayout<Float>.stride
        guard Self.writeAll(descriptor, UnsafeRawPointer(left), bytes, at: writeOffset),
              Self.writeAll(descriptor, UnsafeRawPointer(right), bytes, at: writeOffset + off_t(bytes))
        else { recording = nil; return }
        writeOffset += off_t(2 * bytes)
        blockFrames.append(count)
    }

    /// The recording is complete: later passes with the same key may replay it.
    func endRecording() {
        recorded = recording
        recording = nil
    }

    // MARK: Replaying

    func beginReplay() {
        readOffset = 0
        readBlock = 0
    }

    /// Reads the next recorded block into `left` and `right` (each with room for the largest
    /// block); returns its frame count, 0 at the end. Throws when the file cannot be read back.
    func replay(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>) throws -> Int {
        guard readBlock < blockFrames.count else { return 0 }
        let count = blockFrames[readBlock]
        let bytes = count * MemoryLayout<Float>.stride
        guard Self.readAll(descriptor, into: UnsafeMutableRawPointer(left), bytes, at: readOffset),
              Self.readAll(descriptor, into: UnsafeMutableRawPointer(right), bytes, at: readOffset + off_t(bytes))
        else {
            recorded = nil
            throw OfflineMaster.Failure(description: "cannot read back the master's working file (\(String(cString: strerror(errno))))")
        }
        readOffset += off_t(2 * bytes)
        readBlock += 1
        return count
    }

    private static func writeAll(_ descriptor: Int32, _ base: UnsafeRawPointer, _ length: Int, at offset: off_t) -> Bool {
        transferAll(length) { done in pwrite(descriptor, base + done, length - done, offset + off_t(done)) }
    }

    private static func readAll(_ descriptor: Int32, into base: UnsafeMutableRawPointer, _ length: Int, at offset: off_t) -> Bool {
        transferAll(length) { done in pread(descriptor, base + done, length - done, offset + off_t(done)) }
    }

    /// Repeats `transfer` (given the bytes done so far) until `length` bytes are done, through
    /// short counts and interruptions; false on an error or an early end of file.
    private static func transferAll(_ length: Int, _ transfer: (Int) -> Int) -> Bool {
        var done = 0
        while done < length {
            let result = transfer(done)
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { return false }
            done += result
        }
        return true
    }
}
