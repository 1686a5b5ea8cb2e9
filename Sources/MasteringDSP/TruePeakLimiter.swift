import Glibc

/// Lookahead, stereo-linked true-peak limiter.
///
/// Usage: `prepare` (allocates every buffer), `setCeiling`, `setRelease`, `process` per
/// block; the output is delayed by `latencyFrames`. `gainReductionDB` is the deepest
/// reduction of the last block; `gainCurve`, when given, receives the gain of every frame.
///
/// How: the signal is interpolated 4× with libebur128's own interpolation filter
/// (`TruePeakInterpolator`, so the limiter acts on the very values the meter reads) and each
/// gap between two samples gets its true peak. The gain each sample needs is ceiling ÷ the larger peak of its two gaps. A sliding minimum
/// over the lookahead, then a moving average of the same length, gives a gain that
/// starts falling one lookahead before a peak and has reached the needed value when the
/// peak leaves the delay line (Faust's `limiter_lad` idea); recovery is a one-pole release.
/// The limiter aims 0.05 dB under the ceiling so the measured true peak stays below it.
public struct TruePeakLimiter {
    public static let oversampling = TruePeakInterpolator.factor
    /// dB kept under the ceiling for the difference between our and a meter's interpolation.
    public static let safetyMarginDB = 0.05

    private var sampleRate = 44100.0
    private var lookahead = 1
    private var ceiling: Float = 1
    private var releaseCoefficient: Float = 0.999
    private var interpolator = TruePeakInterpolator()
    /// Each frame's gap peak, for a block at a time (`TruePeakInterpolator.gapPeaks`).
    private var segmentPeaks: UnsafeMutablePointer<Float>?
    private var maximumBlockFrames = 0
    /// Audio waiting for its gain.
    private var delayLine: UnsafeMutablePointer<SIMD2<Float>>?
    private var delayLength = 0
    private var delayPosition = 0
    /// Sliding minimum: a monotonic queue of (index, gain) in a ring.
    private var minimumIndices: UnsafeMutablePointer<Int>?
    private var minimumValues: UnsafeMutablePointer<Float>?
    private var queueHead = 0, queueCount = 0
    /// Moving average of the sliding minimum.
    private var averageRing: UnsafeMutablePointer<Float>?
    private var averageSum = 0.0
    private var averagePosition = 0
    /// The last step whose minimum was under 1: the average holds only 1s once it has left
    /// the window (`detectorIndex − window`).
    private var lastMinimumBelowOne = Int.min / 2
    private var detectorIndex = 0
    private var previousSegmentPeak: Float = 0
    private var gain: Float = 1
    public private(set) var gainReductionDB: Float = 0

    public init() {}

    /// Frames between a sample going in and coming out.
    public var latencyFrames: Int { delayLength }

    public mutating func prepare(_ spec: ProcessSpec, lookaheadMilliseconds: Double = 5) {
        sampleRate = spec.sampleRate
        lookahead = max(2, Int((lookaheadMilliseconds * 0.001 * sampleRate).rounded()))
        release()
        maximumBlockFrames = max(1, spec.maximumBlockFrames)
        interpolator.prepare(maximumBlockFrames: maximumBlockFrames)
        segmentPeaks = .allocate(capacity: maximumBlockFrames)
        // The interpolated gap lags the input; the gain is ready lookahead − 1 later.
        delayLength = lookahead - 1 + TruePeakInterpolator.latencyFrames
        delayLine = .allocate(capacity: delayLength + 1)
        minimumIndices = .allocate(capacity: lookahead)
        minimumValues = .allocate(capacity: lookahead)
        averageRing = .allocate(capacity: lookahead)
        reset()
    }

    private mutating func release() {
        interpolator.release(); delayLine?.deallocate(); segmentPeaks?.deallocate()
        minimumIndices?.deallocate(); minimumValues?.deallocate(); averageRing?.deallocate()
        delayLine = nil; minimumIndices = nil; minimumValues = nil; averageRing = nil; segmentPeaks = nil
    }

    public mutating func reset() {
        interpolator.reset()
        delayLine?.initialize(repeating: .zero, count: delayLength + 1)
        averageRing?.initialize(repeating: 1, count: lookahead)
        delayPosition = 0; queueHead = 0; queueCount = 0
        averageSum = Double(lookahead); averagePosition = 0; lastMinimumBelowOne = Int.min / 2; detectorIndex = 0
        previousSegmentPeak = 0; gain = 1; gainReductionDB = 0
    }

    public mutating func setCeiling(dBTP: Double) {
        ceiling = Float(pow(10, (min(dBTP, 0) - Self.safetyMarginDB) / 20))
    }

    public mutating func setRelease(milliseconds: Double) {
        releaseCoefficient = Float(exp(-1 / (max(milliseconds, 1) * 0.001 * sampleRate)))
    }

    /// Limits `block` in place (output delayed by `latencyFrames`).
    public mutating func process(_ block: StereoBlock, gainCurve: UnsafeMutablePointer<Float>? = nil) {
        guard delayLine != nil else { return }
        var lowest: Float = 1
        var offset = 0
        while offset < block.frameCount {
            let count = min(block.frameCount - offset, maximumBlockFrames)
            lowest = min(lowest, process(left: block.left + offset, right: block.right + offset, count: count,
                                         gainCurve: gainCurve.map { $0 + offset }))
            offset += count
        }
        gainReductionDB = 20 * log10f(lowest)
    }

    /// One piece of at most `maximumBlockFrames`; returns its lowest gain.
    private mutating func process(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, count: Int,
                                  gainCurve: UnsafeMutablePointer<Float>?) -> Float {
        guard let delayLine, let minimumIndices, let minimumValues, let averageRing, let segmentPeaks else { return 1 }
        let window = lookahead
        var lowest: Float = 1
        // 1.–2. The true peak of the gap each frame completes (its two ends and three inner
        // points, the larger channel), for the whole piece at once.
        // Gaps that cannot pass the ceiling need no gain and no exact value (they read 0).
        interpolator.gapPeaks(left: left, right: right, count: count, into: segmentPeaks, floor: ceiling)
        let releaseStep = 1 - releaseCoefficient
        /// 6. Delays the audio and applies the gain.
        @inline(__always) func emit(_ index: Int) {
            let delayed = delayLine[delayPosition]
            delayLine[delayPosition] = SIMD2(left[index], right[index])
            delayPosition = delayPosition == delayLength - 1 ? 0 : delayPosition + 1
            let output = delayed * gain
            left[index] = output[0]
            right[index] = output[1]
            gainCurve?[index] = gain
            lowest = min(lowest, gain)
        }
        var index = 0
        while index < count {
            // A stretch where no gap needs gain and the window holds only 1s (the queue's one
            // entry is 1, and so is every entry of the average, whose sum is then its length):
            // the minimum and the average stay 1, so only the queue's index, the average's
            // position, the release and the delay move. The same arithmetic as the step below
            // with `needed` = `minimum` = `attackGain` = 1, at a fraction of the cost.
            if queueCount == 1 && minimumValues[queueHead] == 1 && detectorIndex - lastMinimumBelowOne > window {
                while index < count {
                    let segmentPeak = segmentPeaks[index]
                    guard max(segmentPeak, previousSegmentPeak) <= ceiling else { break }
                    previousSegmentPeak = segmentPeak
                    minimumIndices[queueHead] = detectorIndex
                    averagePosition = averagePosition + 1 == window ? 0 : averagePosition + 1
                    gain = 1 < gain ? 1 : gain + (1 - gain) * releaseStep
                    detectorIndex += 1
                    emit(index)
                    index += 1
                }
                if index == count { break }
            }
            let segmentPeak = segmentPeaks[index]
            // Sample m must respect the gaps on both of its sides.
            let peak = max(segmentPeak, previousSegmentPeak)
            previousSegmentPeak = segmentPeak
            let needed: Float = peak > ceiling ? ceiling / peak : 1

            // 3. Sliding minimum of the needed gain over the lookahead: the entry that leaves the
            // window goes first, so the ring (`window` entries) always has room for the new one.
            // (Ring positions wrap by comparison: an integer division per step cost more than the
            // rest of the step.)
            if queueCount > 0 && minimumIndices[queueHead] <= detectorIndex - window {
                queueHead = queueHead + 1 == window ? 0 : queueHead + 1
                queueCount -= 1
            }
            while queueCount > 0 {
                let last = queueHead + queueCount - 1
                guard minimumValues[last >= window ? last - window : last] >= needed else { break }
                queueCount -= 1
            }
            let slot = queueHead + queueCount
            minimumIndices[slot >= window ? slot - window : slot] = detectorIndex
            minimumValues[slot >= window ? slot - window : slot] = needed
            queueCount += 1
            let minimum = minimumValues[queueHead]

            // 4. Moving average over the same length: a smooth fall that is complete in time.
            if minimum < 1 { lastMinimumBelowOne = detectorIndex }
            averageSum += Double(minimum) - Double(averageRing[averagePosition])
            averageRing[averagePosition] = minimum
            averagePosition = averagePosition + 1 == window ? 0 : averagePosition + 1
            let attackGain = Float(averageSum / Double(window))

            // 5. Follow falls at once (they are already smooth), recover with the release.
            gain = attackGain < gain ? attackGain : gain + (attackGain - gain) * releaseStep
            detectorIndex += 1

            emit(index)
            index += 1
        }
        return lowest
    }
}
