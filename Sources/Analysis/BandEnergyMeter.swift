import MasteringDSP

/// Low / mid / high energy from real crossovers: fourth-order Linkwitz–Riley splits at
/// 200 Hz and 4 kHz on every channel, the mean square of each band accumulated.
///
/// Because Linkwitz–Riley bands sum to an all-pass, the three band energies of a
/// broadband signal add up to (nearly) its total energy; their shares are what the
/// AI model reads as "low-end share" and "brightness".
///
/// Channels are processed in pairs with SIMD lanes, both splits as one wavefront: lanes 0–3
/// run the first split on this frame, (lowL, restL, lowR, restR), and lanes 4–7 the second
/// split on the previous frame's upper parts, (midL, highL, midR, highR). An odd last channel
/// is paired with silence.
public final class BandEnergyMeter {
    public static let lowCrossoverHz = 200.0
    public static let highCrossoverHz = 4000.0

    /// Per channel pair, both splits' two cascaded Butterworth sections (LR4 = Butterworth²):
    /// their first sections in one eight-lane biquad, their second in another.
    private var sections: [(Biquad8, Biquad8)]
    private var sums = (low: 0.0, mid: 0.0, high: 0.0)
    private var samples = 0
    public let channelCount: Int

    public init(sampleRate: Double, channelCount: Int) {
        self.channelCount = channelCount
        let lp200 = BiquadCoefficients.lowPass(sampleRate: sampleRate, frequency: Self.lowCrossoverHz)
        let hp200 = BiquadCoefficients.highPass(sampleRate: sampleRate, frequency: Self.lowCrossoverHz)
        let lp4k = BiquadCoefficients.lowPass(sampleRate: sampleRate, frequency: Self.highCrossoverHz)
        let hp4k = BiquadCoefficients.highPass(sampleRate: sampleRate, frequency: Self.highCrossoverHz)
        let section = Biquad8([lp200, hp200, lp200, hp200, lp4k, hp4k, lp4k, hp4k])
        sections = Array(repeating: (section, section), count: (channelCount + 1) / 2)
    }

    public func add(_ interleaved: UnsafeBufferPointer<Float>) {
        let frames = interleaved.count / channelCount
        guard frames > 0, let base = interleaved.baseAddress else { return }
        for pair in 0..<sections.count {
            let left = 2 * pair
            let right = left + 1 < channelCount ? left + 1 : -1
            func channels(_ frame: UnsafePointer<Float>) -> SIMD4<Float> {
                let l = frame[left]
                let r: Float = right >= 0 ? frame[right] : 0
                return SIMD4(l, l, r, r)
            }
            func upperParts(_ split: SIMD4<Float>) -> SIMD4<Float> { SIMD4(split[1], split[1], split[3], split[3]) }
            // Float sums over one block stay accurate; block totals go into Double. Each sum
            // takes the block's frames in order, as two loops one split at a time did.
            var lowSquares = SIMD4<Float>(repeating: 0), upperSquares = SIMD4<Float>(repeating: 0)
            var (firstSection, secondSection) = sections[pair]
            // The block's first frame: the first split alone (the previous block's last upper
            // parts went through the second split at its end).
            var frameStart = base
            var split = secondSection.process(firstSection.process(channels(frameStart), upper: false), upper: false)
            lowSquares += split * split
            for _ in 1..<frames {
                frameStart += channelCount
                let both = secondSection.process(firstSection.process(SIMD8(lowHalf: channels(frameStart), highHalf: upperParts(split))))
                split = both.lowHalf
                lowSquares += split * split
                upperSquares += both.highHalf * both.highHalf
            }
            // The block's last upper parts: the second split alone.
            let upper = secondSection.process(firstSection.process(upperParts(split), upper: true), upper: true)
            upperSquares += upper * upper
            sections[pair] = (firstSection, secondSection)
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
