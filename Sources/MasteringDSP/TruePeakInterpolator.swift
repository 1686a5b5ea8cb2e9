import Glibc

/// libebur128's true-peak interpolation (BS.1770-4, Annex 2) for a stereo stream, one frame at
/// a time: a 49-tap Hann-windowed sinc cut at the input Nyquist, split into 4 phases of 13 taps.
/// The limiter acts on these values and the live meter reads them, so what is limited is what
/// is shown, and both agree with libebur128 (a test holds them to it).
///
/// Each frame completes one gap between two samples, `latencyFrames` behind the newest input;
/// its true peak is the larger of its two samples and the three points interpolated between them.
/// `prepare` allocates; `gapPeak`, `gapPeaks` and `peak` do not.
///
/// Two forms. Frame by frame (`gapPeak`, `peak(left:right:…)`: the live meters) in two-lane
/// vectors, one lane per channel. Block by block (`gapPeaks`: the limiter; `peak(interleaved:…)`:
/// the file meters) one channel at a time, eight frames to a vector: the same sums in the same
/// order, about four times fewer operations. The meters need only a running maximum, so most
/// gaps need no filtering: an interpolated point is at most `peakBound` times the largest
/// magnitude in its window, so while every sample in the window stays under `level / peakBound`
/// the gap cannot reach `level` (the meter's highest peak so far). Those gaps only enter the
/// history; the answers are the same as filtering every gap. One interpolator is used in one
/// form only: each keeps its own history.
public struct TruePeakInterpolator {
    public static let factor = 4
    /// Window length of each interpolation phase (49 prototype taps / 4, rounded up).
    public static let tapsPerPhase = 13
    /// The gap a new frame completes lies between window[gapStart] and window[gapStart + 1].
    public static let gapStart = 6
    /// Frames between a sample going in and the gap after it being measured.
    public static let latencyFrames = tapsPerPhase - 1 - gapStart

    /// The taps of the fractional positions 1/4, 2/4, 3/4, one phase after the other.
    private var phases: UnsafeMutablePointer<Float>?
    /// Input history, written twice so a window is always contiguous.
    private var history: UnsafeMutablePointer<SIMD2<Float>>?
    private var position = 0
    /// Inputs since the last one at or above `level / peakBound` (the window is quiet from `tapsPerPhase` on).
    private var framesSinceLoud = 0
    /// `gapPeaks`' history: per channel, the last `tapsPerPhase − 1` inputs, then room for a block
    /// and seven frames more, so a last short group of frames is read as a whole vector.
    private var planar: UnsafeMutablePointer<Float>?
    private var planarBlockFrames = 0

    /// The most an interpolated point can exceed the largest sample magnitude in its window:
    /// the largest sum of absolute taps of a phase, with room for float rounding.
    public static let peakBound: Float = {
        let sums = interpolationPhases().map { $0.reduce(0) { $0 + abs(Double($1)) } }
        return Float(max(1, sums.max()!) * 1.0001)
    }()

    public init() {}

    /// `maximumBlockFrames`: the longest block `gapPeaks` will be given (0: that form is not used).
    public mutating func prepare(maximumBlockFrames: Int = 0) {
        release()
        let taps = Self.tapsPerPhase
        let phases = UnsafeMutablePointer<Float>.allocate(capacity: 3 * taps)
        for (phase, coefficients) in Self.interpolationPhases().enumerated() {
            for (tap, value) in coefficients.enumerated() { phases[phase * taps + tap] = value }
        }
        self.phases = phases
        history = .allocate(capacity: 2 * taps)
        if maximumBlockFrames > 0 {
            planarBlockFrames = maximumBlockFrames
            planar = .allocate(capacity: 2 * Self.planarStride(maximumBlockFrames))
        }
        reset()
    }

    public mutating func reset() {
        history?.initialize(repeating: .zero, count: 2 * Self.tapsPerPhase)
        planar?.initialize(repeating: 0, count: 2 * Self.planarStride(planarBlockFrames))
        position = 0
        framesSinceLoud = 0
    }

    /// Frees the buffers (the owner calls it; a struct has no deinit).
    public mutating func release() {
        phases?.deallocate(); history?.deallocate(); planar?.deallocate()
        phases = nil; history = nil; planar = nil; planarBlockFrames = 0
    }

    /// Phase f's value lies f/4 of a sample after window[gapStart]; window[i] is the i-th oldest
    /// of the last `tapsPerPhase` inputs.
    static func interpolationPhases() -> [[Float]] {
        let prototypeTaps = 49
        return (1..<factor).map { phase in
            (0..<tapsPerPhase).map { index in
                // window[index] = x[n − (tapsPerPhase − 1 − index)]; prototype tap j = factor·age + phase.
                let age = tapsPerPhase - 1 - index
                let j = factor * age + phase
                guard j < prototypeTaps else { return 0 }
                let m = Double(j) - Double(prototypeTaps - 1) / 2
                let sinc = m == 0 ? 1 : sin(m * Double.pi / Double(factor)) / (m * Double.pi / Double(factor))
                let hann = 0.5 * (1 - cos(2 * Double.pi * Double(j) / Double(prototypeTaps - 1)))
                return Float(sinc * hann)
            }
        }
    }

    /// Adds one frame; per channel, the largest magnitude in the gap it completes.
    /// (Before `prepare`: zero.)
    @inline(__always)
    public mutating func gapPeak(adding input: SIMD2<Float>) -> SIMD2<Float> {
        guard let history, let phases else { return .zero }
        return Self.gapPeak(adding: input, history: history, phases: phases, position: &position)
    }

    /// Adds a stereo block of at most `maximumBlockFrames` frames; for each frame, the true peak
    /// of the gap it completes, the larger of the two channels (linear), into `peaks`. The values
    /// are `gapPeak`'s, bit for bit, except that with a `floor` above 0 a group of eight gaps that
    /// cannot exceed it (no sample in their windows reaches `floor / peakBound`) is not filtered
    /// and reads 0: the limiter needs no value under its ceiling.
    public mutating func gapPeaks(left: UnsafePointer<Float>, right: UnsafePointer<Float>, count: Int,
                                  into peaks: UnsafeMutablePointer<Float>, floor: Float = 0) {
        guard let planar, let phases, count > 0 else { return }
        precondition(count <= planarBlockFrames, "a block longer than prepared for")
        let kept = Self.tapsPerPhase - 1
        let leftWindow = planar, rightWindow = planar + Self.planarStride(planarBlockFrames)
        (leftWindow + kept).update(from: left, count: count)
        (rightWindow + kept).update(from: right, count: count)
        // Frame n's window is the `tapsPerPhase` inputs ending with it: window[n ..< n + taps].
        // A last group shorter than eight reads stale samples past the block (the padding) in the
        // lanes it does not store.
        for frame in stride(from: 0, to: count, by: 8) {
            var highest = SIMD8<Float>.zero
            if floor <= 0 || Self.mayReach(floor, from: leftWindow + frame) || Self.mayReach(floor, from: rightWindow + frame) {
                highest = lanewiseMax(Self.gapPeaks8(leftWindow + frame, phases: phases),
                                      Self.gapPeaks8(rightWindow + frame, phases: phases))
            }
            if count - frame >= 8 {
                UnsafeMutableRawPointer(peaks + frame).storeBytes(of: highest, as: SIMD8<Float>.self)
            } else {
                for lane in 0..<(count - frame) { peaks[frame + lane] = highest[lane] }
            }
        }
        // The newest inputs start the next block's windows (overlapping when the block is short).
        memmove(leftWindow, leftWindow + count, kept * MemoryLayout<Float>.stride)
        memmove(rightWindow, rightWindow + count, kept * MemoryLayout<Float>.stride)
    }

    /// Floats per channel in `gapPeaks`' history for blocks of up to `blockFrames`.
    private static func planarStride(_ blockFrames: Int) -> Int { tapsPerPhase - 1 + blockFrames + 7 }

    /// The gap peaks of eight consecutive windows of one channel, starting at `window`.
    @inline(__always)
    private static func gapPeaks8(_ window: UnsafePointer<Float>, phases: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        let taps = tapsPerPhase
        @inline(__always) func load(_ offset: Int) -> SIMD8<Float> {
            UnsafeRawPointer(window + offset).loadUnaligned(as: SIMD8<Float>.self)
        }
        var v1 = SIMD8<Float>.zero, v2 = SIMD8<Float>.zero, v3 = SIMD8<Float>.zero
        for tap in 0..<taps {
            let sample = load(tap)
            v1 += phases[tap] * sample; v2 += phases[taps + tap] * sample; v3 += phases[2 * taps + tap] * sample
        }
        let start = load(gapStart), end = load(gapStart + 1)
        let ends = lanewiseMax(lanewiseAbs(start), lanewiseAbs(end))
        let inner = lanewiseMax(lanewiseMax(lanewiseAbs(v1), lanewiseAbs(v2)), lanewiseAbs(v3))
        return lanewiseMax(ends, inner)
    }

    /// Adds a stereo block; per channel, the larger of `floor` and the largest true peak of the
    /// gaps it completes (linear). Gaps that cannot exceed what was found are not filtered.
    public mutating func peak(left: UnsafePointer<Float>, right: UnsafePointer<Float>, count: Int,
                              above floor: SIMD2<Float> = .zero) -> SIMD2<Float> {
        guard let history, let phases else { return .zero }
        var highest = floor
        framesSinceLoud = 0
        for index in 0..<count {
            Self.add(SIMD2(left[index], right[index]), to: &highest, history: history, phases: phases,
                     position: &position, framesSinceLoud: &framesSinceLoud)
        }
        return highest
    }

    /// Adds interleaved frames of one or two channels (mono goes into both lanes); per lane, the
    /// larger of `floor` and the largest true peak of the gaps they complete (linear). The block
    /// form (`prepare(maximumBlockFrames:)`), any number of frames: the file meters' way, eight gaps
    /// to a vector, a group of eight skipped per channel when no sample in its windows could take
    /// it past what was found. The answer is the frame form's (`peak(left:right:count:above:)`).
    public mutating func peak(interleaved samples: UnsafePointer<Float>, channels: Int, frames: Int,
                              above floor: SIMD2<Float> = .zero) -> SIMD2<Float> {
        guard let planar, let phases, channels == 1 || channels == 2 else { return .zero }
        let kept = Self.tapsPerPhase - 1
        let left = planar, right = planar + Self.planarStride(planarBlockFrames)
        var highest = floor
        var done = 0
        while done < frames {
            let count = min(planarBlockFrames, frames - done)
            let source = samples + done * channels
            if channels == 2 {
                for index in 0..<count {
                    left[kept + index] = source[2 * index]
                    right[kept + index] = source[2 * index + 1]
                }
            } else {
                (left + kept).update(from: source, count: count)
            }
            highest[0] = Self.highestGapPeak(left, count: count, above: highest[0], phases: phases)
            memmove(left, left + count, kept * MemoryLayout<Float>.stride)
            if channels == 2 {
                highest[1] = Self.highestGapPeak(right, count: count, above: highest[1], phases: phases)
                memmove(right, right + count, kept * MemoryLayout<Float>.stride)
            }
            done += count
        }
        return channels == 2 ? highest : SIMD2(repeating: highest[0])
    }

    /// Whether a gap among the eight from `window` on might reach `level`: whether a sample in their
    /// windows, window[0 ..< 20], reaches `level / peakBound` (in a last short group some of it is
    /// padding, and a bound over more samples is still a bound). Lane compares, no lane-wise maximum:
    /// `Swift.max` per lane stayed scalar here.
    @inline(__always)
    private static func mayReach(_ level: Float, from window: UnsafePointer<Float>) -> Bool {
        @inline(__always) func reaches(_ offset: Int) -> SIMDMask<SIMD8<Int32>> {
            let samples = UnsafeRawPointer(window + offset).loadUnaligned(as: SIMD8<Float>.self)
            let bounds = samples * peakBound
            return (bounds .>= level) .| (-bounds .>= level)
        }
        return any(reaches(0) .| reaches(8) .| reaches(12))
    }

    /// The larger of `floor` and the gap peaks of the `count` frames after the kept history of
    /// one channel's planar window.
    @inline(__always)
    private static func highestGapPeak(_ window: UnsafeMutablePointer<Float>, count: Int, above floor: Float,
                                       phases: UnsafeMutablePointer<Float>) -> Float {
        var highest = floor
        for frame in stride(from: 0, to: count, by: 8) {
            if !mayReach(highest, from: window + frame) { continue }
            let peaks = gapPeaks8(window + frame, phases: phases)
            let lanes = count - frame
            highest = max(highest, lanes >= 8 ? peaks.max() : (0..<lanes).reduce(highest) { max($0, peaks[$1]) })
        }
        return highest
    }

    /// One frame of a running maximum: filtered only when its window holds a sample that could
    /// take a lane past `highest` (the threshold only rises, so earlier quiet marks stay true).
    @inline(__always)
    private static func add(_ input: SIMD2<Float>, to highest: inout SIMD2<Float>, history: UnsafeMutablePointer<SIMD2<Float>>,
                            phases: UnsafeMutablePointer<Float>, position: inout Int, framesSinceLoud: inout Int) {
        let magnitude = lanewiseAbs(input)
        let loud = any(magnitude * peakBound .>= highest)
        framesSinceLoud = loud ? 0 : framesSinceLoud + 1
        if framesSinceLoud >= tapsPerPhase {
            push(input, history: history, position: &position)
        } else {
            highest = lanewiseMax(highest, gapPeak(adding: input, history: history, phases: phases, position: &position))
        }
    }

    @inline(__always)
    private static func push(_ input: SIMD2<Float>, history: UnsafeMutablePointer<SIMD2<Float>>, position: inout Int) {
        history[position] = input
        history[position + tapsPerPhase] = input
        position = position == tapsPerPhase - 1 ? 0 : position + 1
    }

    @inline(__always)
    private static func gapPeak(adding input: SIMD2<Float>, history: UnsafeMutablePointer<SIMD2<Float>>,
                                phases: UnsafeMutablePointer<Float>, position: inout Int) -> SIMD2<Float> {
        let taps = tapsPerPhase
        push(input, history: history, position: &position)
        let window = history + position
        var v1 = SIMD2<Float>.zero, v2 = SIMD2<Float>.zero, v3 = SIMD2<Float>.zero
        for tap in 0..<taps {
            let sample = window[tap]
            v1 += phases[tap] * sample; v2 += phases[taps + tap] * sample; v3 += phases[2 * taps + tap] * sample
        }
        let start = window[gapStart], end = window[gapStart + 1]
        let ends = lanewiseMax(lanewiseAbs(start), lanewiseAbs(end))
        let inner = lanewiseMax(lanewiseMax(lanewiseAbs(v1), lanewiseAbs(v2)), lanewiseAbs(v3))
        return lanewiseMax(ends, inner)
    }
}
