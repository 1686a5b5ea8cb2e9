import Glibc

/// Finds where a track's character changes: section boundaries from a novelty curve.
///
/// Honest heuristics. At every 100 ms instant the `window` before is compared with the
/// `window` after on six features: loudness, spectral centroid, low-end share, high-end
/// share, stereo width and onset density. Each difference is divided by a fixed "one clear
/// step" scale (3 LU, half an octave, 3 dB, 4 dB, 0.15, 2 onsets/s) and the novelty is the
/// length of that vector. Boundaries are the highest novelty peaks above `threshold`, taken
/// greedily so no section is shorter than `minimumSectionSeconds`.
public struct Segmenter: Sendable {
    public var windowSeconds = 3.0
    public var minimumSectionSeconds = 6.0
    public var threshold = 1.5

    /// Scales of one clear step, per feature.
    public static let loudnessStepLU = 3.0
    public static let centroidStepOctaves = 0.5
    public static let lowShareStepDB = 3.0
    public static let highShareStepDB = 4.0
    public static let widthStep = 0.15
    public static let onsetStepPerSecond = 2.0

    public init() {}

    /// Section start frames (the first is 0).
    public func sectionStarts(_ track: FeatureTrack) -> [Int] {
        let novelty = self.novelty(track)
        let minimum = Int((minimumSectionSeconds / FeatureTrack.frameSeconds).rounded())
        let radius = max(1, minimum / 2)
        let count = novelty.count
        guard count >= 2 * minimum else { return [0] }
        var candidates: [(frame: Int, value: Double)] = []
        for frame in minimum...(count - minimum) where novelty[frame] >= threshold {
            let near = max(0, frame - radius)...min(count - 1, frame + radius)
            // A peak: nothing higher nearby (ties go to the first).
            if near.allSatisfy({ novelty[$0] < novelty[frame] || ($0 >= frame && novelty[$0] <= novelty[frame]) }) {
                candidates.append((frame, novelty[frame]))
            }
        }
        var starts: [Int] = []
        for candidate in candidates.sorted(by: { $0.value > $1.value })
        where starts.allSatisfy({ abs($0 - candidate.frame) >= minimum }) {
            starts.append(candidate.frame)
        }
        return [0] + starts.sorted()
    }

    /// Novelty at every frame boundary (index t: between frame t−1 and frame t).
    ///
    /// Features are taken per frame in their own units (dB, octaves, ratios, onsets/s) and
    /// averaged over each window, so the difference grows linearly as a window slides over a
    /// change and the novelty peaks where the change is, not where the window first touches it.
    public func novelty(_ track: FeatureTrack) -> [Double] {
        let count = track.frameCount
        guard count > 1 else { return Array(repeating: 0, count: count) }
        var sums = PrefixSums(count: count)
        for frame in 0..<count { sums.append(Self.features(of: track, frame: frame)) }
        let window = Int((windowSeconds / FeatureTrack.frameSeconds).rounded())
        let shortest = window * 2 / 3
        var novelty = [Double](repeating: 0, count: count)
        for boundary in 1..<count {
            let before = max(0, boundary - window)..<boundary
            let after = boundary..<min(count, boundary + window)
            guard before.count >= shortest, after.count >= shortest else { continue }
            let a = sums.sum(before).map { $0 / Double(before.count) }
            let b = sums.sum(after).map { $0 / Double(after.count) }
            var distance = 0.0
            for (index, scale) in Self.scales.enumerated() {
                distance += pow((b[index] - a[index]) / scale, 2)
            }
            novelty[boundary] = distance.squareRoot()
        }
        return novelty
    }

    private static let scales = [loudnessStepLU, centroidStepOctaves, lowShareStepDB, highShareStepDB,
                                 widthStep, onsetStepPerSecond]

    /// One frame's features: loudness (LUFS, floor −70), centroid (log2 Hz), low and high
    /// shares (dB, floor −50), width (side/mid, at most 2) and onsets per second.
    /// Silent frames count as 1 kHz-centred with shares at the floor, so silence is one state.
    static func features(of track: FeatureTrack, frame: Int) -> [Double] {
        var total = 0.0, low = 0.0, high = 0.0, weighted = 0.0
        for (band, power) in track.bands(ofFrame: frame).enumerated() {
            let p = Double(power)
            total += p
            weighted += p * log2(ThirdOctaveBands.exactCentresHz[band])
            if ThirdOctaveBands.nominalCentresHz[band] < 200 { low += p }
            if ThirdOctaveBands.nominalCentresHz[band] >= 4000 { high += p }
        }
        let loudness = max(LoudnessMeter.lufs(ofEnergy: track.loudnessEnergies[frame]), -70)
        let audible = loudness > -60 && total > 0
        let mid = Double(track.midEnergies[frame]), side = Double(track.sideEnergies[frame])
        return [
            loudness,
            audible ? weighted / total : log2(1000),
            audible ? max(10 * log10(max(low / total, 1e-9)), -50) : -50,
            audible ? max(10 * log10(max(high / total, 1e-9)), -50) : -50,
            mid > 0 ? min((side / mid).squareRoot(), 2) : 0,
            Double(track.onsets[frame]) / FeatureTrack.frameSeconds,
        ]
    }

    /// Running sums of a few per-frame quantities, for window sums in constant time.
    private struct PrefixSums {
        private var values: [[Double]] = []
        init(count: Int) { values.reserveCapacity(count + 1) }
        mutating func append(_ row: [Double]) {
            let last = values.last ?? Array(repeating: 0, count: row.count)
            if values.isEmpty { values.append(last) }
            values.append(zip(values.last!, row).map(+))
        }
        func sum(_ range: Range<Int>) -> [Double] {
            zip(values[range.upperBound], values[range.lowerBound]).map(-)
        }
    }
}
