import MasteringDSP

/// Correlation and mid/side width of the first two channels.
///
/// Correlation is Σ L·R / √(Σ L² · Σ R²): +1 mono, 0 unrelated, −1 out of phase.
/// Width is side RMS over mid RMS with M = (L+R)/2, S = (L−R)/2: 0 for mono, 1 for
/// two unrelated channels of equal level, above 1 when the sides outweigh the centre.
public struct StereoMeter {
    private var sumLL = 0.0, sumRR = 0.0, sumLR = 0.0
    public let channelCount: Int

    public init(channelCount: Int) { self.channelCount = channelCount }

    public mutating func add(_ interleaved: UnsafeBufferPointer<Float>) {
        guard channelCount >= 2 else { return }
        var ll: Float = 0, rr: Float = 0, lr: Float = 0
        var index = 0
        while index + 1 < interleaved.count {
            let left = interleaved[index], right = interleaved[index + 1]
            ll += left * left; rr += right * right; lr += left * right
            index += channelCount
        }
        sumLL += Double(ll); sumRR += Double(rr); sumLR += Double(lr)
    }

    public func result() -> StereoImage {
        guard channelCount >= 2 else { return StereoImage(correlation: 1, width: 0) }
        let denominator = (sumLL * sumRR).squareRoot()
        let correlation = denominator > 0 ? sumLR / denominator : 1
        let mid = (sumLL + sumRR + 2 * sumLR) / 4
        let side = max(0, (sumLL + sumRR - 2 * sumLR) / 4)
        let width = mid > 0 ? (side / mid).squareRoot() : (side > 0 ? .infinity : 0)
        return StereoImage(correlation: correlation, width: width)
    }
}

/// How wide a stereo signal is.
public struct StereoImage: Equatable, Sendable {
    public var correlation: Double
    public var width: Double

    /// Under this width (side 60 dB below mid) a signal is mono: a mono file, or both channels
    /// the same. It has no image, so width is no evidence of anything and changing it does nothing.
    public static let monoWidth = 0.001
}
