import MasteringDSP

/// Per-channel true peak (BS.1770-4, libebur128's 4× interpolation below 96 kHz) over
/// blocks that may arrive out of order.
///
/// The true peak of a file is a maximum, so blocks can be measured on several threads
/// at once. Each block is preceded by a few frames of the audio before it (the
/// pre-roll) to warm the interpolation filter; the peaks found while the pre-roll
/// passes are discarded (`ebur128_prev_true_peak` reports each call separately), so
/// the result is the same as one pass over the whole file.
public final class TruePeakMeter {
    /// Frames of pre-roll needed: libebur128's 49-tap, 4-phase filter spans 13 input frames.
    public static let preRollFrames = 64

    private let meter: LoudnessMeter
    public private(set) var peaks: [Double]

    public init(channelCount: Int, sampleRate: Double, layout: [SpeakerPosition]) throws {
        meter = try LoudnessMeter(channelCount: channelCount, sampleRate: sampleRate, layout: layout, measures: .truePeak)
        peaks = Array(repeating: 0, count: channelCount)
    }

    /// Measures `block`, warming up on `preRoll` (the frames just before it; empty at the start of a stream
    /// or when blocks arrive in order on this meter).
    public func add(preRoll: UnsafeBufferPointer<Float>, block: UnsafeBufferPointer<Float>) throws {
        if !preRoll.isEmpty { try meter.add(preRoll) }
        try meter.add(block)
        for channel in peaks.indices {
            peaks[channel] = max(peaks[channel], meter.lastTruePeak(channel: channel))
        }
    }
}
