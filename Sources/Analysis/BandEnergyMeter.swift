import MasteringDSP

/// Low / mid / high energy from real crossovers: fourth-order Linkwitz–Riley splits at
/// 200 Hz and 4 kHz on every channel, the mean square of each band accumulated.
///
/// Because Linkwitz–Riley bands sum to an all-pass, the three band energies of a
/// broadband signal add up to (nearly) its total energy; their shares are what the
/// AI model reads as "low-end share" and "brightness".
public final class BandEnergyMeter {
    public static let lowCrossoverHz = 200.0
    public static let highCrossoverHz = 4000.0

    private var lowSplit: [LinkwitzRileyCrossover]
    private var highSplit: [LinkwitzRileyCrossover]
    private var sums = (low: 0.0, mid: 0.0, high: 0.0)
    private var samples = 0
    public let channelCount: Int

    public init(sampleRate: Double, channelCount: Int) {
        self.channelCount = channelCount
        lowSplit = Array(repeating: LinkwitzRileyCrossover(sampleRate: sampleRate, frequency: Self.lowCrossoverHz),
                         count: channelCount)
        highSplit = Array(repeating: LinkwitzRileyCrossover(sampleRate: sampleRate, frequency: Self.highCrossoverHz),
                          count: channelCount)
    }

    public func add(_ interleaved: UnsafeBufferPointer<Float>) {
        let frames = interleaved.count / channelCount
        for channel in 0..<channelCount {
            var low: Float = 0, mid: Float = 0, high: Float = 0
            var lowFilter = lowSplit[channel], highFilter = highSplit[channel]
            var index = channel
            // Sums in Float per block (≤ a few thousand frames) stay accurate; the totals are Double.
            for _ in 0..<frames {
                let split = lowFilter.process(interleaved[index])
                let upper = highFilter.process(split.high)
                low += split.low * split.low
                mid += upper.low * upper.low
                high += upper.high * upper.high
                index += channelCount
            }
            lowSplit[channel] = lowFilter
            highSplit[channel] = highFilter
            sums.low += Double(low); sums.mid += Double(mid); sums.high += Double(high)
        }
        samples += frames * channelCount
    }

    /// Mean square per band (averaged over channels), and each band's share of their sum.
    public func result() -> BandEnergies {
        let count = Double(max(samples, 1))
        let low = sums.low / count, mid = sums.mid / count, high = sums.high / count
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
