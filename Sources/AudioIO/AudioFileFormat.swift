import CSndFile
import Foundation

/// A container and codec LoopMind writes, chosen from the output file's extension.
public enum AudioFileFormat: String, CaseIterable, Sendable {
    case wav, aiff, flac, ogg, opus, mp3

    /// The format for a path's extension (case-insensitive), or `nil` when unknown.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "wav", "wave": self = .wav
        case "aif", "aiff", "aifc": self = .aiff
        case "flac": self = .flac
        case "ogg", "oga": self = .ogg
        case "opus": self = .opus
        case "mp3": self = .mp3
        default: return nil
        }
    }

    /// The extensions accepted, for error messages and help.
    public static let knownExtensions = "wav, aiff, flac, ogg, opus, mp3"

    /// Extensions of files worth offering to open (the console's reference picker): every one
    /// `init(path:)` knows, and the containers libsndfile also reads whole (W64, CAF, RF64).
    public static let openableExtensions: Set<String> =
        ["wav", "wave", "aif", "aiff", "aifc", "flac", "ogg", "oga", "opus", "mp3", "w64", "caf", "rf64"]

    /// Lossy codecs: their true peak must be checked on the decoded file.
    public var isLossy: Bool { self == .ogg || self == .opus || self == .mp3 }

    /// Whether a sample encoding can be chosen (integer PCM formats and WAV/AIFF float).
    public func supports(_ encoding: SampleEncoding) -> Bool {
        switch (self, encoding) {
        case (.wav, _), (.aiff, _): true
        case (.flac, .pcm16), (.flac, .pcm24): true
        default: false
        }
    }

    /// Sample rates the codec accepts; `nil` when any rate from 8 to 192 kHz works.
    public var allowedSampleRates: [Int]? {
        switch self {
        case .opus: [8000, 12000, 16000, 24000, 48000]
        case .mp3: [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]
        default: nil
        }
    }

    /// How the lossy codecs are set up: a master is encoded at the quality it is delivered at,
    /// not at libsndfile's middling default (MP3 VBR about 150 kbit/s, Vorbis q4). MP3 at 320
    /// kbit/s constant, Vorbis q8 (about 256 kbit/s), Opus 128 kbit/s a channel. Better encodes
    /// also overshoot their input's peaks less (MP3 of a -8 LUFS master: +2.5 dB at the default,
    /// +1.2 dB at 320), so the limiter gives away less loudness to make room for the codec.
    var encoderSettings: (bitrateMode: Int32?, compressionLevel: Double)? {
        switch self {
        case .mp3: (Int32(SF_BITRATE_MODE_CONSTANT), 0)            // constant: 320 − level × 288 kbit/s
        case .ogg: (nil, 0.2)                                       // Vorbis quality 1 − level: q8
        case .opus: (nil, 0.488)                                    // (1 − level) × 250 + 6 kbit/s a channel: 128
        default: nil
        }
    }

    /// libsndfile's format word for this container and encoding.
    func libsndfileFormat(_ encoding: SampleEncoding) -> Int32 {
        let subtype: Int
        switch encoding {
        case .pcm16: subtype = SF_FORMAT_PCM_16
        case .pcm24: subtype = SF_FORMAT_PCM_24
        case .float32: subtype = SF_FORMAT_FLOAT
        }
        switch self {
        case .wav: return Int32(SF_FORMAT_WAV | subtype)
        case .aiff: return Int32(SF_FORMAT_AIFF | subtype)
        case .flac: return Int32(SF_FORMAT_FLAC | subtype)
        case .ogg: return Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
        case .opus: return Int32(SF_FORMAT_OGG | SF_FORMAT_OPUS)
        case .mp3: return Int32(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III)
        }
    }
}

/// How samples are stored in PCM formats.
public enum SampleEncoding: String, CaseIterable, Sendable {
    case pcm16 = "16", pcm24 = "24", float32 = "32f"

    /// Integer encodings get dither when rendered from float.
    public var isInteger: Bool { self != .float32 }

    public var bitDepth: Int {
        switch self {
        case .pcm16: 16
        case .pcm24: 24
        case .float32: 32
        }
    }
}

extension AudioFileFormat {
    /// The files in `folder` worth offering to open (the console's reference picker), by name,
    /// sorted: an extension LoopMind reads, and not hidden. A dot file is left out: `._mix.wav`,
    /// the resource fork macOS leaves beside every file on a shared drive, has an audio
    /// extension and is no sound file. At most `limit` (a folder of a hundred versions of a mix
    /// once showed its first sixty, and the rest could not be reached).
    public static func openableFiles(inFolder folder: String, limit: Int = 1000) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        return Array(names.filter { !$0.hasPrefix(".") && openableExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().prefix(limit))
    }
}
