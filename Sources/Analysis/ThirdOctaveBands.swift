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
}
