import CSndFile
import Foundation
import MasteringDSP

/// Writes an audio file so that a failure never leaves a partial file or harms an existing one.
///
/// Samples go to a file with no name in the destination's folder (`PendingFile`); `commit()`
/// flushes it to disk (`fsync`), names it and renames it over the destination. A writer released
/// without `commit()`, or killed, leaves nothing. Codecs that accept only some sample
/// rates (Opus, MP3) get the audio resampled with libsoxr to the nearest rate they take.
/// Wraps `sf_open_fd`, `sf_writef_float` (float and lossy files), `sf_writef_int` (PCM) and
/// `sf_close`.
public final class SoundFileWriter {
    public let path: String
    public let format: AudioFileFormat
    public let encoding: SampleEncoding
    /// The rate of the samples handed to `write`.
    public let inputSampleRate: Int
    /// The rate stored in the file (differs only when the codec needs resampling).
    public let fileSampleRate: Int
    public let channelCount: Int

    private let file: PendingFile
    private var handle: OpaquePointer?
    private var resampler: Resampler?
    private var committed = false
    /// 16- and 24-bit PCM: samples are rounded to the file's integers here (`IntegerQuantizer`)
    /// and handed to libsndfile as integers, which it stores as they are.
    private var quantizer: IntegerQuantizer?
    /// The integers of one piece of `write` (at most `pieceFrames`).
    private var integers: [Int32] = []
    private static let pieceFrames = 4096

    /// The encoding used when the caller does not choose one: 24-bit where PCM applies.
    public static func defaultEncoding(for format: AudioFileFormat) -> SampleEncoding {
        format.supports(.pcm24) ? .pcm24 : .float32
    }

    /// The format `path`'s extension names and the encoding to write it in, or why not: what a
    /// command checks before any work (a bit depth for an MP3 was refused only once the master
    /// was made, 4 s into a 10-minute file). A lossy codec takes no bit depth, not even 32f.
    public static func format(of path: String, encoding requested: SampleEncoding?) throws(AudioFileError) -> (AudioFileFormat, SampleEncoding) {
        guard let format = AudioFileFormat(path: path) else {
            throw AudioFileError(.write, path: path,
                                 reason: "unknown extension; use one of \(AudioFileFormat.knownExtensions)")
        }
        let encoding = requested ?? Self.defaultEncoding(for: format)
        guard !format.isLossy || requested == nil else {
            throw AudioFileError(.write, path: path,
                                 reason: "\(format.rawValue) is a lossy format; a bit depth applies to wav, aiff and flac")
        }
        guard format.isLossy || format.supports(encoding) else {
            throw AudioFileError(.write, path: path,
                                 reason: "\(format.rawValue) cannot store \(encoding == .float32 ? "32-bit float" : "\(encoding.rawValue)-bit") samples; use --bit-depth "
                                     + SampleEncoding.allCases.filter(format.supports).map(\.rawValue).joined(separator: " or "))
        }
        return (format, encoding)
    }

    public init(path: String, sampleRate: Int, channelCount: Int,
                encoding requested: SampleEncoding? = nil) throws(AudioFileError) {
        self.path = path
        try AtomicFile.refuseAnythingButAFile(path)
        let (format, encoding) = try Self.format(of: path, encoding: requested)
        guard (1...8).contains(channelCount) else {
            throw AudioFileError(.write, path: path, reason: "\(channelCount) channels; LoopMind writes 1 to 8")
        }
        if format == .mp3 && channelCount > 2 {
            throw AudioFileError(.write, path: path, reason: "MP3 holds at most 2 channels")
        }
        self.format = format
        self.encoding = encoding
        self.inputSampleRate = sampleRate
        self.channelCount = channelCount
        self.fileSampleRate = Self.nearestAllowedRate(sampleRate, allowed: format.allowedSampleRates)

        file = try PendingFile(path: path)

        var info = SF_INFO()
        info.samplerate = Int32(fileSampleRate)
        info.channels = Int32(channelCount)
        info.format = format.libsndfileFormat(encoding)
        guard sf_format_check(&info) == SF_TRUE else {
            discard()
            throw AudioFileError(.write, path: path,
                                 reason: "libsndfile cannot write \(format.rawValue) at \(fileSampleRate) Hz with \(channelCount) channels")
        }
        guard let handle = sf_open_fd(file.descriptor, Int32(SFM_WRITE), &info, Int32(SF_FALSE)) else {
            let reason = AudioFileError.libsndfileReason(String(cString: sf_strerror(nil)))
            discard()
            throw AudioFileError(.write, path: path, reason: reason)
        }
        self.handle = handle
        if encoding.isInteger && !format.isLossy {
            quantizer = IntegerQuantizer(bitDepth: encoding.bitDepth)
        }
        if let settings = format.encoderSettings {
            // The mode first: libsndfile reads the level by the mode it finds. Setting the mode
            // returns 0 even when it worked (libsndfile 1.2), so it is read back instead.
            var modeTaken = true
            if var mode = settings.bitrateMode {
                sf_command(handle, Int32(SFC_SET_BITRATE_MODE), &mode, Int32(MemoryLayout<Int32>.size))
                modeTaken = sf_command(handle, Int32(SFC_GET_BITRATE_MODE), nil, 0) == mode
            }
            var level = settings.compressionLevel
            guard modeTaken, sf_command(handle, Int32(SFC_SET_COMPRESSION_LEVEL), &level, Int32(MemoryLayout<Double>.size)) == SF_TRUE else {
                let reason = AudioFileError.libsndfileReason(String(cString: sf_strerror(handle)))
                discard()
                throw AudioFileError(.write, path: path, reason: "cannot set the \(format.rawValue) encoder's quality: \(reason)")
            }
        }
        if fileSampleRate != sampleRate {
            do {
                resampler = try Resampler(from: Double(sampleRate), to: Double(fileSampleRate), channelCount: channelCount)
            } catch {
                discard()
                throw AudioFileError(.write, path: path, reason: "cannot resample: \(error)")
            }
        }
    }

    deinit { discard() }

    /// Appends whole interleaved frames. Wraps `sf_writef_float`.
    public func write(_ samples: UnsafeBufferPointer<Float>) throws(AudioFileError) {
        precondition(!committed, "write after commit")
        precondition(samples.count % channelCount == 0, "write takes whole frames")
        if let resampler {
            do {
                try resampler.process(samples) { output in try writeDirect(output) }
            } catch let error as AudioFileError {
                throw error
            } catch {
                throw AudioFileError(.write, path: path, reason: "cannot resample: \(error)")
            }
        } else {
            try writeDirect(samples)
        }
    }

    private func writeDirect(_ samples: UnsafeBufferPointer<Float>) throws(AudioFileError) {
        guard let handle, let base = samples.baseAddress, !samples.isEmpty else { return }
        guard let quantizer else {
            let frames = samples.count / channelCount
            guard Int(sf_writef_float(handle, base, sf_count_t(frames))) == frames else { throw writeFailure(handle) }
            return
        }
        // In pieces, so the integers take no more memory than one piece.
        let piece = Self.pieceFrames * channelCount
        if integers.count < min(piece, samples.count) { integers = Array(repeating: 0, count: min(piece, samples.count)) }
        var start = 0
        while start < samples.count {
            let count = min(piece, samples.count - start)
            let frames = count / channelCount
            let written = integers.withUnsafeMutableBufferPointer { output in
                quantizer.quantize(UnsafeBufferPointer(rebasing: samples[start..<(start + count)]), into: output)
                return Int(sf_writef_int(handle, output.baseAddress, sf_count_t(frames)))
            }
            guard written == frames else { throw writeFailure(handle) }
            start += count
        }
    }

    private func writeFailure(_ handle: OpaquePointer) -> AudioFileError {
        AudioFileError(.write, path: path, reason: AudioFileError.libsndfileReason(String(cString: sf_strerror(handle))))
    }

    /// Finishes the file and moves it into place: close, fsync, rename, fsync the folder.
    /// `replacing` false: only under a name nobody has taken (see `PendingFile.commit`).
    public func commit(replacing: Bool = true) throws(AudioFileError) {
        precondition(!committed, "commit twice")
        if let resampler {
            do {
                try resampler.flush { output in try writeDirect(output) }
            } catch let error as AudioFileError {
                throw error
            } catch {
                throw AudioFileError(.write, path: path, reason: "cannot resample: \(error)")
            }
        }
        if let handle {
            let status = sf_close(handle)
            self.handle = nil
            guard status == 0 else {
                let reason = AudioFileError.libsndfileReason(String(cString: sf_error_number(status)))
                discard()
                throw AudioFileError(.write, path: path, reason: reason)
            }
        }
        try file.commit(replacing: replacing)
        committed = true
    }

    /// Closes and removes the temporary file (a failed or abandoned write).
    private func discard() {
        if let handle { sf_close(handle); self.handle = nil }
        file.discard()
    }

    /// The allowed rate closest to `rate`, preferring to go up (no loss of bandwidth).
    static func nearestAllowedRate(_ rate: Int, allowed: [Int]?) -> Int {
        guard let allowed, !allowed.contains(rate) else { return rate }
        return allowed.first { $0 >= rate } ?? allowed.max()!
    }
}
