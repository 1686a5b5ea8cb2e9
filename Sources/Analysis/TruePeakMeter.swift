import MasteringDSP

/// Per-channel true peak (BS.1770-4, libebur128's 4× interpolation below 96 kHz) over
/// blocks that may arrive out of order.
///
/// The true peak of a file is a maximum, so blocks can be measured on several threads
/// at once. Each block is preceded by a few frames of the audio before it (the
/// pre-roll) to warm the interpolation filter; the peaks found while the pre-roll is
/// still cold are discarded, so the result is the same as one pass over the whole file.
///
/// Two ways to measure, with the same filter: libebur128 itself, or `TruePeakInterpolator`
/// (libebur128's 49-tap, 4-phase filter in two-lane vectors, several times cheaper; a test holds
/// it to libebur128 within 0.001 dB). The interpolator is used where it is that filter (one or
/// two channels below 96 kHz); tests that check the limiter ask for libebur128 by name, so the
/// limiter is never judged by its own interpolator alone.
public final class TruePeakMeter {
    public enum Method: Sendable { case libebur128, interpolator }

    /// Frames of pre-roll needed: libebur128's 49-tap, 4-phase filter spans 13 input frames.
    public static let preRollFrames = 64

    public let method: Method
    private let channelCount: Int
    private let meter: LoudnessMeter?
    private var interpolator = TruePeakInterpolator()
    public private(set) var peaks: [Double]

    /// `method` nil: the interpolator where it applies, libebur128 elsewhere.
    public init(channelCount: Int, sampleRate: Double, layout: [SpeakerPosition], method: Method? = nil) throws {
        let interpolatorApplies = (1...2).contains(channelCount) && sampleRate < 96_000
        self.method = method == .libebur128 || !interpolatorApplies ? .libebur128 : .interpolator
        self.channelCount = channelCount
        if self.method == .libebur128 {
            meter = try LoudnessMeter(channelCount: channelCount, sampleRate: sampleRate, layout: layout, measures: .truePeak)
        } else {
            meter = nil
            interpolator.prepare(maximumBlockFrames: 1024)
        }
        peaks = Array(repeating: 0, count: channelCount)
    }

    deinit { interpolator.release() }

    /// Measures `block`, warming up on `preRoll`: the frames just before it, all of them when the
    /// stream started less than `preRollFrames` ago; empty when blocks arrive in order on this meter.
    public func add(preRoll: UnsafeBufferPointer<Float>, block: UnsafeBufferPointer<Float>) throws {
        guard let meter else { return addInterpolated(preRoll: preRoll, block: block) }
        if !preRoll.isEmpty { try meter.add(preRoll) }
        try meter.add(block)
        for channel in peaks.indices {
            peaks[channel] = max(peaks[channel], meter.lastTruePeak(channel: channel))
        }
    }

    private func addInterpolated(preRoll: UnsafeBufferPointer<Float>, block: UnsafeBufferPointer<Float>) {
        var highest = SIMD2<Float>.zero
        if let start = preRoll.baseAddress, !preRoll.isEmpty {
            interpolator.reset()
            let frames = preRoll.count / channelCount
            // A short pre-roll is the stream's start: the zeros a reset leaves are the silence before
            // it, as in one pass. Otherwise the first gaps after the reset are not real: skip them.
            // (The later pre-roll gaps belong to the block before; counting them twice does not
            // change a maximum.)
            let cold = frames < Self.preRollFrames ? 0 : min(frames, TruePeakInterpolator.tapsPerPhase - 1)
            _ = interpolator.peak(interleaved: start, channels: channelCount, frames: cold)
            highest = interpolator.peak(interleaved: start + cold * channelCount, channels: channelCount, frames: frames - cold)
        }
        if let start = block.baseAddress {
            // What this meter has found bounds what needs filtering.
            let found = SIMD2(Float(peaks[0]), Float(peaks[channelCount - 1]))
            highest = interpolator.peak(interleaved: start, channels: channelCount, frames: block.count / channelCount,
                                        above: lanewiseMax(highest, found))
        }
        for channel in peaks.indices { peaks[channel] = max(peaks[channel], Double(highest[channel])) }
    }
}
