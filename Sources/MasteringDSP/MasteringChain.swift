import Glibc

/// The mastering chain, one concrete struct of concrete stages in signal order:
/// input trim and DC blocker → EQ (tone, then the reference match) → compressor → exciter → stereo width → loudness gain → true-peak limiter → dither.
///
/// The same chain runs offline (`master`) and, later, live. `prepare` allocates; after it,
/// `apply`, `process` and the meters neither allocate nor lock. Settings are targets: every
/// continuous parameter glides (20 ms), the loudness gain within its slew limit.
public struct MasteringChain {
    private var trim = SmoothedValue(0, rampFrames: 1)
    private var dcBlocker = DCBlocker()
    private var eq = ToneEQ()
    private var match = MatchEQ()
    private var compressor = Compressor()
    private var exciter = Exciter()
    private var width = StereoWidth()
    private var loudness = LoudnessGain()
    private var limiter = TruePeakLimiter()
    private var dither = TPDFDither()
    public private(set) var settings = ChainSettings()

    public init() {}

    /// Frames from input to output.
    public var latencyFrames: Int { exciter.latencyFrames + limiter.latencyFrames }

    /// The limiter's deepest gain reduction in the last block, dB (≤ 0).
    public var limiterReductionDB: Float { limiter.gainReductionDB }
    /// The compressor's deepest gain reduction in the last block, dB (≤ 0).
    public var compressorReductionDB: Float { compressor.gainReductionDB }
    /// The loudness gain applied at the end of the last block, dB.
    public var loudnessGainDB: Double { loudness.appliedDB }

    /// - Parameter bitDepth: 16 or 24 to dither for integer output; 0 for float or lossy output.
    public mutating func prepare(_ spec: ProcessSpec, bitDepth: Int) {
        trim = SmoothedValue(trim.target, rampFrames: Int(0.02 * spec.sampleRate))
        dcBlocker.prepare(spec)
        eq.prepare(spec)
        match.prepare(spec)
        compressor.prepare(spec)
        exciter.prepare(spec)
        width.prepare(spec)
        loudness.prepare(spec)
        limiter.prepare(spec)
        dither.prepare(bitDepth: bitDepth)
        apply(settings)
        snapToSettings()
    }

    public mutating func reset() {
        dcBlocker.reset(); eq.reset(); match.reset(); compressor.reset(); exciter.reset(); width.reset(); loudness.reset(); limiter.reset()
    }

    /// Sets every stage's targets from `settings` (glides follow).
    public mutating func apply(_ settings: ChainSettings) {
        self.settings = settings
        trim.setTarget(settings[.inputTrim])
        eq.setLowShelf(gainDB: settings[.lowShelfGain], frequency: settings[.lowShelfFrequency])
        eq.setHighShelf(gainDB: settings[.highShelfGain], frequency: settings[.highShelfFrequency])
        eq.setTilt(settings[.tilt])
        var dynamics = Compressor.Parameters()
        dynamics.thresholdDB = settings[.compThreshold]
        dynamics.ratio = settings[.compRatio]
        dynamics.attackMilliseconds = settings[.compAttack]
        dynamics.releaseMilliseconds = settings[.compRelease]
        dynamics.kneeDB = settings[.compKnee]
        compressor.setParameters(dynamics)
        exciter.setDrive(settings[.exciterDrive])
        exciter.setMix(settings[.exciterMix])
        exciter.setMode(settings[.exciterMode] >= 0.5 ? .tube : .tape)
        width.setWidth(settings[.stereoWidth])
        limiter.setCeiling(dBTP: settings[.limiterCeiling])
        limiter.setRelease(milliseconds: settings[.limiterRelease])
    }

    /// The matching EQ's curve (reference mastering; flat: off). It glides over 50 ms.
    public mutating func setMatchCurve(_ curve: MatchCurve) { match.setCurve(curve) }
    public var matchCurve: MatchCurve { match.curve }

    /// The loudness controller's gain target, dB (it glides within the slew limit).
    public mutating func setLoudnessGain(_ decibels: Double) { loudness.setTarget(decibels) }

    /// Jumps every glide to its target: for the start of an offline render.
    public mutating func snapToSettings() {
        trim.snap(to: trim.target)
        eq.snapToTargets()
        match.snap()
        exciter.reset()
        width.reset()
        loudness.reset()
    }

    /// The parameters only the back half (`processBack`) reads: the front half's output does not
    /// depend on them, nor on the loudness gain.
    public static let backHalfParameters: [ChainParameter] = [.stereoWidth, .loudnessTarget, .limiterCeiling, .limiterRelease]

    /// Processes one block in place.
    public mutating func process(_ block: StereoBlock) {
        processFront(block)
        processBack(block)
    }

    /// The stages up to the exciter (trim, DC blocker, EQ, match, compressor, exciter), in place. With
    /// `processBack` on a second chain given the same settings at the same frames, the two
    /// halves can run on two threads and give exactly what `process` gives: no stage's state
    /// depends on another's. `throughExciter: false` stops before the exciter, which then runs
    /// on a third chain (`processExciter`): a third thread, since it alone weighs about as much
    /// as the rest of the front half.
    public mutating func processFront(_ block: StereoBlock, throughExciter: Bool = true) {
        let frames = block.frameCount
        guard frames > 0 else { return }
        trim.advance(frames: frames)
        if trim.current != trim.previous {
            for index in 0..<frames {
                let gain = Float(pow(10, trim.value(at: index, of: frames) / 20))
                block.left[index] *= gain; block.right[index] *= gain
            }
        } else if trim.current != 0 {
            let gain = Float(pow(10, trim.current / 20))
            for index in 0..<frames { block.left[index] *= gain; block.right[index] *= gain }
        }
        dcBlocker.process(block)
        eq.process(block)
        match.process(block)
        compressor.process(block)
        if throughExciter { exciter.process(block) }
    }

    /// The exciter alone, in place: between `processFront(_:throughExciter: false)` and `processBack`.
    public mutating func processExciter(_ block: StereoBlock) {
        guard block.frameCount > 0 else { return }
        exciter.process(block)
    }

    /// The stages after the exciter (width, loudness gain, limiter, dither), in place.
    public mutating func processBack(_ block: StereoBlock) {
        guard block.frameCount > 0 else { return }
        width.process(block)
        loudness.process(block)
        limiter.process(block)
        dither.process(block)
    }
}
