/// A stream of interleaved 32-bit float frames that can be pulled block by block.
///
/// Files, the demo song synthesizer and in-memory test signals all conform, so
/// analysis and rendering work in constant memory whatever the source.
public protocol AudioSource {
    /// Frames per second.
    var sampleRate: Double { get }
    /// Interleaved channels per frame (1…8).
    var channelCount: Int { get }
    /// Total frames, when the source knows it up front.
    var frameCount: Int? { get }
    /// Where each channel plays; `nil` means the default layout for the channel count.
    var channelLayout: [SpeakerPosition]? { get }
    /// Set once the source has ended well before the length it announced (see `ShortEnding`).
    var endedShort: ShortEnding? { get }
    /// Bits per sample of an integer file (8, 16, 24 or 32); `nil` for floats, lossy codecs and
    /// anything synthesized. Full scale is where the file's codes end.
    var integerBits: Int? { get }
    /// Fills the front of `buffer` with whole interleaved frames (at most
    /// `buffer.count / channelCount`) and returns how many frames it wrote; 0 means the end.
    mutating func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int
}

/// An in-memory source over interleaved samples: test signals and small renders.
public struct SampleBufferSource: AudioSource {
    public let sampleRate: Double
    public let channelCount: Int
    public let samples: [Float]
    private var position = 0

    public init(samples: [Float], channelCount: Int, sampleRate: Double) {
        precondition(channelCount > 0 && samples.count % channelCount == 0, "samples must hold whole frames")
        self.samples = samples
        self.channelCount = channelCount
        self.sampleRate = sampleRate
    }

    public var frameCount: Int? { samples.count / channelCount }

    public mutating func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
        let frames = min(buffer.count / channelCount, (samples.count - position) / channelCount)
        guard frames > 0 else { return 0 }
        let count = frames * channelCount
        samples.withUnsafeBufferPointer { source in
            buffer.baseAddress!.update(from: source.baseAddress! + position, count: count)
        }
        position += count
        return frames
    }
}

extension AudioSource {
    public var channelLayout: [SpeakerPosition]? { nil }
    public var endedShort: ShortEnding? { nil }
    public var integerBits: Int? { nil }

    /// The layout to measure with: the source's own, or the conventional one for its channel count.
    public var effectiveChannelLayout: [SpeakerPosition] {
        if let layout = channelLayout, layout.count == channelCount { return layout }
        return SpeakerPosition.defaultLayout(channelCount: channelCount)
    }
}

/// A source that ended well before the length it announced up front: a lossy file cut short
/// whose header still gives the whole song's length (an MP3's Xing header). Lossy decoders may
/// only estimate lengths, so it is a warning's matter, not an error's: the audio held is read.
public struct ShortEnding: Sendable, Equatable {
    public var announcedFrames: Int
    public var heldFrames: Int
    public var sampleRate: Double

    public init(announcedFrames: Int, heldFrames: Int, sampleRate: Double) {
        self.announcedFrames = announcedFrames; self.heldFrames = heldFrames; self.sampleRate = sampleRate
    }

    public var heldSeconds: Double { Double(heldFrames) / sampleRate }
    public var announcedSeconds: Double { Double(announcedFrames) / sampleRate }

    /// Whether `heldFrames` falls short of `announcedFrames` by more than an estimate's error:
    /// over a second and over 2 %.
    public var isShort: Bool {
        let missing = announcedFrames - heldFrames
        return Double(missing) > sampleRate && missing * 50 > announcedFrames
    }
}
