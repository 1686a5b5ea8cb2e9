import Glibc

/// Feed-forward, stereo-linked compressor with a soft knee.
///
/// Usage: `prepare`, `setParameters`, `process` per block; `gainReductionDB` reports the
/// deepest reduction of the last block (≤ 0). Parameters: threshold −48…0 dB, ratio 1…20,
/// knee 0…24 dB (width, centred on the threshold), attack 0.1…200 ms, release 10…2000 ms,
/// peak or RMS (10 ms) detection of the louder channel.
/// Gain computer: Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor
/// Design — A Tutorial and Analysis" (JAES 2012), eq. 4 (soft knee). Smoothing: the
/// gain reduction in dB follows one-pole filters, the attack coefficient while the
/// reduction deepens and the release one while it recovers (their "branching" detector),
/// so the time constants are exactly the set attack and release.
public struct Compressor {
    public enum Detection: Sendable { case peak, rms }

    public struct Parameters: Sendable, Equatable {
        public var thresholdDB: Double = -18
        public var ratio: Double = 2
        public var kneeDB: Double = 6
        public var attackMilliseconds: Double = 10
        public var releaseMilliseconds: Double = 150
        public var detection: Detection = .peak
        public init() {}
    }

    private var parameters = Parameters()
    private var sampleRate = 44100.0
    private var attackCoefficient: Float = 0, releaseCoefficient: Float = 0
    private var rmsCoefficient: Float = 0
    private var meanSquare: Float = 0
    private var reductionDB: Float = 0
    public private(set) var gainReductionDB: Float = 0

    public init() {}

    public mutating func prepare(_ spec: ProcessSpec) {
        sampleRate = spec.sampleRate
        rmsCoefficient = Float(exp(-1 / (0.010 * sampleRate)))
        updateCoefficients()
        reset()
    }

    public mutating func reset() { meanSquare = 0; reductionDB = 0; gainReductionDB = 0 }

    public mutating func setParameters(_ parameters: Parameters) {
        self.parameters = parameters
        updateCoefficients()
    }

    private mutating func updateCoefficients() {
        attackCoefficient = Float(exp(-1 / (max(parameters.attackMilliseconds, 0.01) * 0.001 * sampleRate)))
        releaseCoefficient = Float(exp(-1 / (max(parameters.releaseMilliseconds, 0.01) * 0.001 * sampleRate)))
    }

    /// The static curve: output level for an input level, both dB.
    public static func staticCurve(inputDB x: Double, thresholdDB t: Double, ratio r: Double, kneeDB w: Double) -> Double {
        let overshoot = x - t
        if 2 * overshoot < -w { return x }
        if w > 0 && 2 * abs(overshoot) <= w {
            let k = overshoot + w / 2
            return x + (1 / r - 1) * k * k / (2 * w)
        }
        return t + overshoot / r
    }

    public mutating func process(_ block: StereoBlock) {
        let threshold = Float(parameters.thresholdDB), knee = Float(parameters.kneeDB)
        let slope = Float(1 / parameters.ratio - 1)
        let attack = attackCoefficient, release = releaseCoefficient
        let rms = parameters.detection == .rms, rmsCoefficient = self.rmsCoefficient
        var state = reductionDB, meanSquare = self.meanSquare, deepest: Float = 0
        // Levels clearly under the knee's foot need no logarithm: their target is 0 dB either way.
        // (The margin keeps levels near the foot on the exact path, so no answer changes.)
        let footLevel = Float(pow(10, (parameters.thresholdDB - parameters.kneeDB / 2) / 20) * 0.999)
        for index in 0..<block.frameCount {
            let left = block.left[index], right = block.right[index]
            var level: Float
            if rms {
                meanSquare = rmsCoefficient * meanSquare + (1 - rmsCoefficient) * max(left * left, right * right)
                level = meanSquare.squareRoot()
            } else {
                level = max(abs(left), abs(right))
            }
            var target: Float = 0
            // Level in dB; −120 dB stands in for silence, far below any threshold.
            let inputDB = level < footLevel ? -120 : level > 1e-6 ? 20 * log10f(level) : -120
            let overshoot = inputDB - threshold
            if 2 * overshoot >= -knee {
                if knee > 0 && 2 * abs(overshoot) <= knee {
                    let k = overshoot + knee / 2
                    target = slope * k * k / (2 * knee)
                } else {
                    target = slope * overshoot
                }
            }
            let coefficient = target < state ? attack : release
            state = coefficient * state + (1 - coefficient) * target
            deepest = min(deepest, state)
            let gain = exp2f(state * 0.166_096_404_7) // 10^(dB/20) = 2^(dB·log2(10)/20)
            block.left[index] = left * gain
            block.right[index] = right * gain
        }
        reductionDB = state
        self.meanSquare = meanSquare
        gainReductionDB = deepest
    }
}
