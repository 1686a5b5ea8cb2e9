import Glibc

/// libebur128's true-peak interpolation (BS.1770-4, Annex 2) for a stereo stream, one frame at
/// a time: a 49-tap Hann-windowed sinc cut at the input Nyquist, split into 4 phases of 13 taps.
/// The limiter acts on these values and the live meter reads them, so what is limited is what
/// is shown, and both agree with libebur128 (a test holds them to it).
///
/// Each frame completes one gap between two samples, `latencyFrames` behind the newest input;
/// its true peak is the larger of its two samples and the three points interpolated between them.
/// `prepare` allocates; `gapPeak` and `peak` do not. (Two-lane vectors, one per channel, measured
/// faster here than eight-lane ones, whose per-frame reductions cost more than they save.)
///
/// Most gaps need no filtering: an interpolated point is at most `peakBound` times the largest
/// magnitude in its window, so while every sample in the window stays under `level / peakBound`
/// the gap cannot reach `level` (the limiter's ceiling, the meter's highest peak so far). Those
/// gaps only enter the history; the answers are the same as filtering every gap.
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
    /// The level the quiet inputs were judged against (a lower one makes them count again).
    private var quietBelow: Float = 0

    /// The most an interpolated point can exceed the largest sample magnitude in its window:
    /// the largest sum of absolute taps of a phase, with room for float rounding.
    public static let peakBound: Float = {
        let sums = interpolationPhases().map { $0.reduce(0) { $0 + abs(Double($1)) } }
        return Float(max(1, sums.max()!) * 1.0001)
    }()

    public init() {}

    public mutating func prepare() {
        release()
        let taps = Self.tapsPerPhase
        let phases = UnsafeMutablePointer<Float>.allocate(capacity: 3 * taps)
        for (phase, coefficients) in Self.interpolationPhases().enumerated() {
            for (tap, value) in coefficients.enumerated() { phases[phase * taps + tap] = value }
        }
        self.phases = phases
        history = .allocate(capacity: 2 * taps)
        reset()
    }

    public mutating func reset() {
        history?.initialize(repeating: .zero, count: 2 * Self.tapsPerPhase)
        position = 0
        framesSinceLoud = 0
    }

    /// Frees the buffers (the owner calls it; a struct has no deinit).
    public mutating func release() {
        phases?.deallocate(); history?.deallocate()
        phases = nil; history = nil
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

    /// Adds one frame; per channel, the largest magnitude in the gap it completes when that may
    /// reach `level`, and zero when the gap is known to stay below it (without filtering).
    @inline(__always)
    public mutating func gapPeak(adding input: SIMD2<Float>, reaching level: Float) -> SIMD2<Float> {
        guard let history, let phases else { return .zero }
        if level != quietBelow { quietBelow = level; framesSinceLoud = 0 }
        let magnitude = lanewiseMax(input, -input)
        framesSinceLoud = max(magnitude[0], magnitude[1]) * Self.peakBound >= level ? 0 : framesSinceLoud + 1
        guard framesSinceLoud >= Self.tapsPerPhase else {
            return Self.gapPeak(adding: input, history: history, phases: phases, position: &position)
        }
        Self.push(input, history: history, position: &position)
        return .zero
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
    /// larger of `floor` and the largest true peak of the gaps they complete (linear).
    public mutating func peak(interleaved samples: UnsafePointer<Float>, channels: Int, frames: Int,
                              above floor: SIMD2<Float> = .zero) -> SIMD2<Float> {
        guard let history, let phases, channels == 1 || channels == 2 else { return .zero }
        var highest = floor
        framesSinceLoud = 0
        if channels == 2 {
            for index in 0..<frames {
                Self.add(SIMD2(samples[2 * index], samples[2 * index + 1]), to: &highest, history: history, phases: phases,
                         position: &position, framesSinceLoud: &framesSinceLoud)
            }
        } else {
            for index in 0..<frames {
                Self.add(SIMD2(repeating: samples[index]), to: &highest, history: history, phases: phases,
                         position: &position, framesSinceLoud: &framesSinceLoud)
            }
        }
        return highest
    }

    /// One frame of a running maximum: filtered only when its window holds a sample that could
    /// take a lane past `highest` (the threshold only rises, so earlier quiet marks stay true).
    @inline(__always)
    private static func add(_ input: SIMD2<Float>, to highest: inout SIMD2<Float>, history: UnsafeMutablePointer<SIMD2<Float>>,
                            phases: UnsafeMutablePointer<Float>, position: inout Int, framesSinceLoud: inout Int) {
        let magnitude = lanewiseMax(input, -input)
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
        let ends = lanewiseMax(lanewiseMax(start, -start), lanewiseMax(end, -end))
        let inner = lanewiseMax(lanewiseMax(lanewiseMax(v1, -v1), lanewiseMax(v2, -v2)), lanewiseMax(v3, -v3))
        return lanewiseMax(ends, inner)
    }
}
