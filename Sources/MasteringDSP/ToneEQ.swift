import Glibc

/// The chain's equaliser: low shelf, high shelf and a tilt around 1 kHz.
///
/// Usage: `prepare`, then `setLowShelf/HighShelf/Tilt` from the control side's values, then
/// `process` per block. Parameters: shelf gains ±12 dB, corners (low 20–500 Hz, high 1–16 kHz),
/// tilt ±6 dB (the lows go down by half of it and the highs up by half, 0 dB at 1 kHz).
/// Audio EQ Cookbook shelves (slope 1; the tilt's pair slope 0.5 for a broad lean).
/// Gains and corners glide over 20 ms; coefficients are recomputed every 32 frames while
/// anything glides, never per sample.
public struct ToneEQ {
    private var lowShelf = StereoBiquad(), highShelf = StereoBiquad()
    private var tiltLow = StereoBiquad(), tiltHigh = StereoBiquad()
    private var lowGain = SmoothedValue(0, rampFrames: 1), lowFrequency = SmoothedValue(120, rampFrames: 1)
    private var highGain = SmoothedValue(0, rampFrames: 1), highFrequency = SmoothedValue(8000, rampFrames: 1)
    private var tilt = SmoothedValue(0, rampFrames: 1)
    private var sampleRate = 44100.0
    private static let updateInterval = 32
    public static let tiltPivotHz = 1000.0
    public static let tiltSlope = 0.5

    public init() {}

    public mutating func prepare(_ spec: ProcessSpec) {
        sampleRate = spec.sampleRate
        let ramp = Int(0.02 * spec.sampleRate)
        lowGain = SmoothedValue(lowGain.target, rampFrames: ramp)
        lowFrequency = SmoothedValue(lowFrequency.target, rampFrames: ramp)
        highGain = SmoothedValue(highGain.target, rampFrames: ramp)
        highFrequency = SmoothedValue(highFrequency.target, rampFrames: ramp)
        tilt = SmoothedValue(tilt.target, rampFrames: ramp)
        updateCoefficients()
        reset()
    }

    public mutating func reset() {
        lowShelf.reset(); highShelf.reset(); tiltLow.reset(); tiltHigh.reset()
    }

    public mutating func setLowShelf(gainDB: Double, frequency: Double) {
        lowGain.setTarget(gainDB); lowFrequency.setTarget(frequency)
    }

    public mutating func setHighShelf(gainDB: Double, frequency: Double) {
        highGain.setTarget(gainDB); highFrequency.setTarget(frequency)
    }

    public mutating func setTilt(_ decibels: Double) { tilt.setTarget(decibels) }

    /// Jumps every parameter to its target (before a render starts).
    public mutating func snapToTargets() {
        lowGain.snap(to: lowGain.target); lowFrequency.snap(to: lowFrequency.target)
        highGain.snap(to: highGain.target); highFrequency.snap(to: highFrequency.target)
        tilt.snap(to: tilt.target)
        updateCoefficients()
    }

    /// The analytic response of the current settings, dB, for tests and the console's curve.
    public func magnitudeDB(atFrequency frequency: Double) -> Double {
        let s = sections()
        return [s.lowShelf, s.highShelf, s.tiltLow, s.tiltHigh]
            .map { 20 * log10($0.magnitude(atFrequency: frequency, sampleRate: sampleRate)) }
            .reduce(0, +)
    }

    /// The four sections for the current values: a tuple, so the render path never allocates.
    private func sections() -> (lowShelf: BiquadCoefficients, highShelf: BiquadCoefficients,
                                tiltLow: BiquadCoefficients, tiltHigh: BiquadCoefficients) {
        let rate = sampleRate, nyquistSafe = rate * 0.45
        return (.lowShelf(sampleRate: rate, frequency: min(lowFrequency.current, nyquistSafe), gainDB: lowGain.current),
                .highShelf(sampleRate: rate, frequency: min(highFrequency.current, nyquistSafe), gainDB: highGain.current),
                .lowShelf(sampleRate: rate, frequency: Self.tiltPivotHz, gainDB: -tilt.current / 2, slope: Self.tiltSlope),
                .highShelf(sampleRate: rate, frequency: Self.tiltPivotHz, gainDB: tilt.current / 2, slope: Self.tiltSlope))
    }

    private mutating func updateCoefficients() {
        let s = sections()
        lowShelf.setCoefficients(s.lowShelf); highShelf.setCoefficients(s.highShelf)
        tiltLow.setCoefficients(s.tiltLow); tiltHigh.setCoefficients(s.tiltHigh)
    }

    public mutating func process(_ block: StereoBlock) {
        var start = 0
        while start < block.frameCount {
            let count = min(Self.updateInterval, block.frameCount - start)
            let ramping = lowGain.isRamping || lowFrequency.isRamping || highGain.isRamping
                || highFrequency.isRamping || tilt.isRamping
            if ramping {
                lowGain.advance(frames: count); lowFrequency.advance(frames: count)
                highGain.advance(frames: count); highFrequency.advance(frames: count)
                tilt.advance(frames: count)
                updateCoefficients()
            }
            let left = block.left + start, right = block.right + start
            for index in 0..<count {
                var sample = SIMD2(left[index], right[index])
                sample = tiltHigh.process(tiltLow.process(highShelf.process(lowShelf.process(sample))))
                left[index] = sample[0]
                right[index] = sample[1]
            }
            start += count
        }
    }
}
