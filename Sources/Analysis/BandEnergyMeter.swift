import MasteringDSP

/// Low / mid / high energy from real crossovers: fourth-order Linkwitz–Riley splits at
/// 200 Hz and 4 kHz on every channel, the mean square of each band accumulated.
///
/// Because Linkwitz–Riley bands sum to an all-pass, the three band energies of a
/// broadband signal add up to (nearly) its total energy; their shares are what the
/// AI model reads as "low-end share" and "brightness".
///
/// Channels are processed in pairs with SIMD lanes: the first split runs
/// (low, high, low, high) of two channels at once, the second split the same on the
/// upper parts. An odd last channel is paired with silence.
public final class BandEnergyMeter {
    public static let lowCrossoverHz = 200.0
    public static let highCrossoverHz = 4000.0

    /// Per channel pair: two cascaded sections per split (LR4 = Butterworth²).
    private var firstSplit: [(Biquad4, Biquad4)]
    private var secondSplit: [(Biquad4, Biquad4)]
    private var sums = (low: 0.0, mid: 0.0, high: 0.0)
    /// The first split's upper parts of one block, (restL, restL, restR, restR): the second split's input.
    private var upperInput: [SIMD4<Float>] = []
    private var samples = 0
    public let channelCount: Int

    public init(sampleRate: Double, channelCount: Int) {
        self.channelCount = channelCount
        let lp200 = BiquadCoefficients.lowPass(sampleRate: sampleRate, frequency: Self.lowCrossoverHz)
        let hp200 = BiquadCoefficients.highPass(sampleRate: sampleRate, frequency: Self.lowCrossoverHz)
        let lp4k = BiquadCoefficients.lowPass(sampleRate: sampleRate, frequency: Self.highCrossoverHz)
        let hp4k = BiquadCoefficients.highPass(sampleRate: sampleRate, frequency: Self.highCrossoverHz)
        let first = Biquad4((lp200, hp200, lp200, hp200))
        let second = Biquad4((lp4k, hp4k, lp4k, hp4k))
        let pairs = (channelCount + 1) / 2
        firstSplit = Array(repeating: (first, first), count: pairs)
        secondSplit = Array(repeating: (second, second), count: pairs)
    }

    public func add(_ interleaved: UnsafeBufferPointer<Float>) {
        let frames = interleaved.count / channelCount
        guard frames > 0, let base = interleaved.baseAddress else { return }
        if upperInput.count < frames { upperInput = Array(repeating: .zero, count: frames) }
        for pair in 0..<firstSplit.count {
            let left = 2 * pair
            let right = left + 1 < channelCount ? left + 1 : -1
            // One split at a time over the block: each loop keeps its two sections' coefficients
            // and state in registers (all four at once do not fit, and spill every sample).
            // Float sums over one block stay accurate; block totals go into Double.
            var lowSquares = SIMD4<Float>(repeating: 0), upperSquares = SIMD4<Float>(repeating: 0)
            upperInput.withUnsafeMutableBufferPointer { upperInput in
                var (first1, first2) = firstSplit[pair]
                var frameStart = base
                for frame in 0..<frames {
                    let l = frameStart[left]
                    let r: Float = right >= 0 ? frameStart[right] : 0
                    let split = first2.process(first1.process(SIMD4(l, l, r, r)))   // (lowL, restL, lowR, restR)
                    lowSquares += split * split
                    upperInput[frame] = SIMD4(split[1], split[1], split[3], split[3])
                    frameStart += channelCount
                }
                firstSplit[pair] = (first1, first2)
                var (second1, second2) = secondSplit[pair]
                for frame in 0..<frames {
                    let upper = second2.process(second1.process(upperInput[frame]))   // (midL, highL, midR, highR)
                    upperSquares += upper * upper
                }
                secondSplit[pair] = (second1, second2)
            }
            sums.low += Double(lowSquares[0] + lowSquares[2])
            sums.mid += Double(upperSquares[0] + upperSquares[2])
            sums.high += Double(upperSquares[1] + upperSquares[3])
        }
        samples += frames * channelCount
    }

    /// Band power under which a band is silent (−300 dBFS): the filters' anti-denormal constant
    /// (1e-20 a sample) leaves about −410 to −450 dB on digital silence, which read as a level
    /// and gave silence a "69 % low" share.
    static let silentPower = 1e-30

    /// Mean square per band (averaged over channels), and each band's share of their sum.
    public func result() -> BandEnergies {
        let count = Double(max(samples, 1))
        func power(_ sum: Double) -> Double { sum / count < Self.silentPower ? 0 : sum / count }
        let low = power(sums.low), mid = power(sums.mid), high = power(sums.high)
        let total = low + mid + high
        func band(_ power: Double, _ from: Double, _ to: Double?) -> BandEnergies.Band {
            .init(rmsDBFS: Decibels.fromPower(power), share: total > 0 ? power / total : 0, fromHz: from, toHz: to)
        }
        return BandEnergies(
            low: band(low, 0, Self.lowCrossoverHz),
            mid: band(mid, Self.lowCrossoverHz, Self.highCrossoverHz),
            high: band(high, Self.highCrossoverHz, nil))
    }
}

/// Band energies of a signal (see `BandEnergyMeter`).
public struct BandEnergies: Equatable, Sendable {
    public struct Band: Equatable, Sendable {
        /// The band's RMS level, dBFS (sine at full scale = −3 dB).
        public var rmsDBFS: Double
        /// Fraction of the three bands' summed energy, 0…1.
        public var share: Double
        public var fromHz: Double
        /// `nil` for the top band, which runs to Nyquist.
        public var toHz: Double?
    }

    public var low: Band, mid: Band, high: Band
}
