import Glibc

/// The 31 one-third-octave bands from 20 Hz to 20 kHz (IEC 61260 base-10 centres).
///
/// Exact centres are 1000·10^(n/10) Hz for n = −17…13; edges sit a sixth of a
/// decade-third (10^(±1/20)) either side. Nominal centres are the familiar rounded labels.
public enum ThirdOctaveBands {
    public static let nominalCentresHz: [Double] = [
        20, 25, 31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800,
        1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000, 20000,
    ]

    public static let exactCentresHz: [Double] = (-17...13).map { 1000 * pow(10, Double($0) / 10) }

    /// (lower, upper) band edges in Hz.
    public static let edgesHz: [(lower: Double, upper: Double)] = exactCentresHz.map {
        ($0 * pow(10, -1.0 / 20), $0 * pow(10, 1.0 / 20))
    }

    public static var count: Int { nominalCentresHz.count }

    /// Sums a one-sided power spectrum (mean square per bin) into the bands below Nyquist.
    /// Bins are spread evenly over their width, so a band narrower than a bin still gets its share.
    public static func bandPowers(perBin: [Double], binWidthHz width: Double, sampleRate: Double) -> [Double] {
        let nyquist = sampleRate / 2
        var powers: [Double] = []
        for edges in edgesHz where edges.lower < nyquist {
            let upper = min(edges.upper, nyquist)
            var power = 0.0
            let firstBin = max(0, Int((edges.lower / width - 0.5).rounded(.down)))
            let lastBin = min(perBin.count - 1, Int((upper / width + 0.5).rounded(.up)))
            if firstBin <= lastBin {
                for bin in firstBin...lastBin {
                    let binLow = (Double(bin) - 0.5) * width, binHigh = (Double(bin) + 0.5) * width
                    let overlap = min(binHigh, upper) - max(binLow, edges.lower)
                    if overlap > 0 { power += perBin[bin] * overlap / width }
                }
            }
            powers.append(power)
        }
        return powers
    }
}
