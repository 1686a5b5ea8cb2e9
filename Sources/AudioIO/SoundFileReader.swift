import CSndFile
import Foundation
import MasteringDSP

/// An audio file open for streaming reads: owns the `SNDFILE*` and closes it in `deinit`.
///
/// Opening validates what the rest of LoopMind relies on (a regular, non-empty file in a
/// format libsndfile knows, 1…8 channels, 8…192 kHz, at least one frame); reading checks
/// every block for NaN, infinity and magnitudes beyond `largestSample`, so no later stage meets
/// a poisoned sample.
/// Wraps `sf_open`, `sf_readf_float`, `sf_close`.
public final class SoundFileReader: AudioSource {
    public static let channelRange = 1...8
    public static let sampleRateRange = 8000...192_000
    /// The largest sample magnitude read as audio: 2²⁰, +120 dBFS. Floating-point files may go
    /// over full scale, but not by this much; beyond it squares and sums in single precision
    /// overflow (a 10¹⁹ sample crashed `analyze` and broke the limiter's ceiling).
    public static let largestSample: Float = 1_048_576

    public let path: String
    public let sampleRate: Double
    public let channelCount: Int
    /// Frames the header announces. Decoders of lossy formats may estimate it.
    public let frameCount: Int?
    public let channelLayout: [SpeakerPosition]?
    /// A human description such as "WAV, 24-bit PCM".
    public let formatDescription: String
    /// Set at the end of a lossy file that held well under the frames its header announced.
    public private(set) var endedShort: ShortEnding?

    private var handle: OpaquePointer?
    private var framesRead = 0
    /// Lossy decoders may only estimate the length, so a short read is not proof of damage.
    private let isLossy: Bool
    public let integerBits: Int?

    public init(path: String) throws(AudioFileError) {
        self.path = path
        try Self.checkRegularFile(path)

        var info = SF_INFO()
        guard var handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioFileError(.read, path: path, reason: Self.openFailureReason())
        }
        var frames = Int(info.frames)
        if info.frames == sf_count_t.max && Self.channelRange.contains(Int(info.channels)) {
            (handle, frames) = try Self.decodingToTheEnd(handle, path: path, channelCount: Int(info.channels))
        }
        self.handle = handle

        // Everything below may throw; deinit closes the handle.
        sampleRate = Double(info.samplerate)
        channelCount = Int(info.channels)
        frameCount = frames
        formatDescription = Self.describe(format: info.format)
        channelLayout = Self.readChannelMap(handle, channelCount: Int(info.channels))

        guard Self.channelRange.contains(channelCount) else {
            throw AudioFileError(.read, path: path,
                                 reason: "\(channelCount) channels; LoopMind reads 1 to 8")
        }
        guard Self.sampleRateRange.contains(Int(info.samplerate)) else {
            throw AudioFileError(.read, path: path,
                                 reason: "sample rate \(info.samplerate) Hz is outside 8000 to 192000 Hz")
        }
        guard info.frames > 0 else {
            throw AudioFileError(.read, path: path, reason: "no audio frames (the file holds 0 frames)")
        }
        integerBits = switch Int(info.format) & SF_FORMAT_SUBMASK {
        case SF_FORMAT_PCM_S8, SF_FORMAT_PCM_U8: 8
        case SF_FORMAT_PCM_16: 16
        case SF_FORMAT_PCM_24: 24
        case SF_FORMAT_PCM_32: 32
        default: nil
        }
        isLossy = [SF_FORMAT_OGG, SF_FORMAT_MPEG].contains(Int(info.format) & SF_FORMAT_TYPEMASK)
            || (Int(info.format) & SF_FORMAT_SUBMASK) >= SF_FORMAT_MPEG_LAYER_I
        if let announced = Self.truncatedDataLength(handle) {
            throw AudioFileError(.read, path: path, reason: "truncated: the header announces \(announced) bytes of audio that the file does not hold")
        }
    }

    deinit {
        if let handle { sf_close(handle) }
    }

    /// Reads the next block of interleaved frames; 0 at the end of the file.
    /// Wraps `sf_readf_float`.
    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
        guard let handle, let base = buffer.baseAddress else { return 0 }
        let capacity = buffer.count / channelCount
        let frames = Int(sf_readf_float(handle, base, sf_count_t(capacity)))
        if frames <= 0 {
            if let failure = Self.decodingFailure(handle) {
                throw AudioFileError(.read, path: path, reason: "damaged or truncated audio data after \(framesRead) frames (\(failure))")
            }
            if let frameCount, framesRead < frameCount, !isLossy {
                throw AudioFileError(.read, path: path, reason: "truncated: the header announces \(frameCount) frames, the file ends after \(framesRead)")
            }
            if let frameCount {
                let ending = ShortEnding(announcedFrames: frameCount, heldFrames: framesRead, sampleRate: sampleRate)
                if ending.isShort { endedShort = ending }
            }
            return 0
        }
        let samples = UnsafeBufferPointer(start: base, count: frames * channelCount)
        if let bad = Self.firstUnreadable(samples) {
            let value = samples[bad]
            let what = value.isNaN ? "NaN" : value.isInfinite ? "infinite"
                : String(format: "%g (%+.0f dBFS, beyond +120)", Double(value), 20 * log10(Double(abs(value))))
            throw AudioFileError(.read, path: path, reason: "sample \(describe(sampleIndex: framesRead * channelCount + bad)) is \(what); the file is damaged")
        }
        framesRead += frames
        return frames
    }

    /// Moves the read position to `frame` (clamped to the file): playback's seek and loop.
    /// Wraps `sf_seek`.
    public func seek(toFrame frame: Int) throws {
        guard let handle else { return }
        let wanted = max(0, min(frame, frameCount ?? frame))
        guard sf_seek(handle, sf_count_t(wanted), SEEK_SET) >= 0 else {
            throw AudioFileError(.read, path: path, reason: "cannot seek to frame \(wanted)")
        }
        framesRead = wanted
    }

    private func describe(sampleIndex: Int) -> String {
        let frame = sampleIndex / channelCount
        let seconds = Double(frame) / sampleRate
        return "at frame \(frame) (\(String(format: "%.3f", seconds)) s), channel \(sampleIndex % channelCount + 1)"
    }

    /// Finds a NaN, infinite or absurdly large sample. One cheap pass decides (eight samples
    /// per compare, NaN failing it too), and only a damaged block is searched.
    private static func firstUnreadable(_ samples: UnsafeBufferPointer<Float>) -> Int? {
        func readable(_ sample: Float) -> Bool { abs(sample) <= largestSample }
        let lanes = samples.count / 8 * 8
        var fine = SIMDMask<SIMD8<Int32>>(repeating: true)
        if let base = samples.baseAddress {
            let limit = SIMD8<Float>(repeating: largestSample)
            let raw = UnsafeRawPointer(base)
            for index in stride(from: 0, to: lanes, by: 8) {
                let values = raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
                fine .&= values .<= limit .& values .>= -limit
            }
        }
        if all(fine) && samples[lanes...].allSatisfy(readable) { return nil }
        return samples.firstIndex { !readable($0) }
    }

    // MARK: - Opening

    private static func checkRegularFile(_ path: String) throws(AudioFileError) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw AudioFileError(.read, path: path, reason: reason)
        }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: throw AudioFileError(.read, path: path, reason: "is a directory")
        case S_IFREG:
            if status.st_size == 0 { throw AudioFileError(.read, path: path, reason: "empty file (0 bytes)") }
        default: throw AudioFileError(.read, path: path, reason: "not a regular file")
        }
        guard access(path, R_OK) == 0 else {
            throw AudioFileError(.read, path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Turns libsndfile's open error into a short reason.
    private static func openFailureReason() -> String {
        let message = lowercasedFirst(String(cString: sf_strerror(nil)))
        switch Int(sf_error(nil)) {
        case SF_ERR_UNRECOGNISED_FORMAT: return "not a sound file (format not recognised)"
        case SF_ERR_UNSUPPORTED_ENCODING: return "unsupported sample encoding"
        case SF_ERR_SYSTEM: return message
        default:
            // Format-specific parse errors: the header is cut short or damaged.
            return "damaged or truncated header (\(message))"
        }
    }

    /// libsndfile reads a WAV or AIFF whose data chunk runs past the end of the file by
    /// shortening it, and notes "data : N (should be M)" in its log. Returns N when so.
    /// Wraps `sf_command(SFC_GET_LOG_INFO)`.
    private static func truncatedDataLength(_ handle: OpaquePointer) -> Int? {
        var log = [CChar](repeating: 0, count: 4096)
        let length = sf_command(handle, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        guard length > 0 else { return nil }
        let text = log.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("data") || trimmed.hasPrefix("SSND"), trimmed.contains("(should be") else { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == ":" })
            return fields.dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// What went wrong in the last read, in lower case, when something did.
    private static func decodingFailure(_ handle: OpaquePointer) -> String? {
        guard sf_error(handle) != 0 else { return nil }
        var message = String(cString: sf_strerror(handle))
        if message.hasPrefix("Error : ") { message.removeFirst(8) }
        return lowercasedFirst(message)
    }

    /// For a file whose decoder found no length (libsndfile says `SF_COUNT_MAX`: an Ogg stream
    /// cut short before its last page): reads it through once to count its frames, and opens it
    /// again at the start. Every stage sizes its work by the length, and `SF_COUNT_MAX` frames
    /// overflowed the first sum made from it (`master` and the console trapped). Closes `handle`
    /// whatever happens; returns the new one.
    private static func decodingToTheEnd(_ handle: OpaquePointer, path: String,
                                         channelCount: Int) throws(AudioFileError) -> (OpaquePointer, Int) {
        let blockFrames = 4096
        var scratch = [Float](repeating: 0, count: blockFrames * channelCount)
        var frames = 0
        while true {
            let read = Int(scratch.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(blockFrames)) })
            if read <= 0 { break }
            frames += read
        }
        let failure = decodingFailure(handle)
        sf_close(handle)
        if let failure {
            throw AudioFileError(.read, path: path, reason: "damaged or truncated audio data after \(frames) frames (\(failure))")
        }
        var info = SF_INFO()
        guard let reopened = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioFileError(.read, path: path, reason: openFailureReason())
        }
        return (reopened, frames)
    }

    private static func lowercasedFirst(_ text: String) -> String {
        var text = text
        while text.hasSuffix(".") || text.hasSuffix("\n") { text.removeLast() }
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }

    /// Reads the file's channel map (`SFC_GET_CHANNEL_MAP_INFO`), when it has one.
    private static func readChannelMap(_ handle: OpaquePointer, channelCount: Int) -> [SpeakerPosition]? {
        guard (1...64).contains(channelCount) else { return nil }
        var map = [Int32](repeating: 0, count: channelCount)
        let ok = map.withUnsafeMutableBytes { bytes in
            sf_command(handle, Int32(SFC_GET_CHANNEL_MAP_INFO), bytes.baseAddress, Int32(bytes.count))
        }
        guard ok == SF_TRUE else { return nil }
        let layout = map.map { position(forChannelMap: Int($0)) }
        return layout.contains(.unknown) ? nil : layout
    }

    private static func position(forChannelMap value: Int) -> SpeakerPosition {
        switch value {
        case SF_CHANNEL_MAP_MONO: .mono
        case SF_CHANNEL_MAP_LEFT, SF_CHANNEL_MAP_FRONT_LEFT, SF_CHANNEL_MAP_FRONT_LEFT_OF_CENTER: .left
        case SF_CHANNEL_MAP_RIGHT, SF_CHANNEL_MAP_FRONT_RIGHT, SF_CHANNEL_MAP_FRONT_RIGHT_OF_CENTER: .right
        case SF_CHANNEL_MAP_CENTER, SF_CHANNEL_MAP_FRONT_CENTER: .center
        case SF_CHANNEL_MAP_LFE: .lfe
        case SF_CHANNEL_MAP_REAR_CENTER: .backCenter
        case SF_CHANNEL_MAP_REAR_LEFT: .backLeft
        case SF_CHANNEL_MAP_REAR_RIGHT: .backRight
        case SF_CHANNEL_MAP_SIDE_LEFT: .sideLeft
        case SF_CHANNEL_MAP_SIDE_RIGHT: .sideRight
        default: .unknown
        }
    }

    /// "WAV, 24-bit PCM" from libsndfile's format word (`SFC_GET_FORMAT_INFO`).
    private static func describe(format: Int32) -> String {
        func name(_ value: Int32) -> String? {
            var info = SF_FORMAT_INFO()
            info.format = value
            guard sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
                  let cName = info.name else { return nil }
            return String(cString: cName)
        }
        let major = name(format & Int32(SF_FORMAT_TYPEMASK)) ?? "unknown container"
        let minor = name(format & Int32(SF_FORMAT_SUBMASK)) ?? "unknown encoding"
        return "\(major), \(minor)"
    }
}
