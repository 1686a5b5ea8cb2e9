import Analysis
import Foundation

/// `auto`: finds the sections of a track and guesses each one's emotion and intensity.
///
/// Honest heuristics, documented in the README ("Auto emotions"). `Segmenter` finds where the
/// character changes; each section is then measured and compared with a reference: the
/// median section of the same track when there are several (a chorus is "powerful" because
/// it is louder, denser and busier than the rest of the song), a typical finished mix when
/// there is only one. Each emotion scores three traits, each worth −1…+1:
///
/// | emotion  | traits (relative to the reference) |
/// |----------|------------------------------------|
/// | powerful | louder (2 LU = full), denser (crest 3 dB lower), busier (2 more onsets/s) |
/// | calm     | quieter (2 LU), sparser (1 onset/s fewer), more dynamic (crest 3 dB higher) |
/// | dreamy   | wider (+0.1 side/mid), lower centroid (half an octave), softer highs (4 dB) |
/// | dark     | lower centroid (half an octave), heavier lows (1 dB more share), narrower (−0.1) |
/// | bright   | higher centroid (an octave), stronger highs (6 dB more share), busier (2 onsets/s) |
///
/// A mono track (no side anywhere) has no width to compare: its width traits count 0 ("no width
/// (mono) +0.0"), so a mono mix is not called dark for being mono.
///
/// The best score wins; intensity grows with it (0.2 at no evidence, 0.9 at full marks).
/// Neighbouring sections that get the same emotion are joined.
public struct EmotionEstimator: Sendable {
    public var segmenter = Segmenter()

    /// What a finished mix typically measures, for one-section tracks.
    public static let typicalMix = Reference(loudnessLUFS: -14, crestFactorDB: 12, centroidOctaves: log2(1500),
                                             lowShareDB: -4, highShareDB: -18, width: 0.25, onsetsPerSecond: 3)

    public struct Reference: Sendable, Equatable {
        public var loudnessLUFS, crestFactorDB, centroidOctaves, lowShareDB, highShareDB, width, onsetsPerSecond: Double
    }

    public init() {}

    /// The graph of a track from its feature track.
    public func estimate(_ track: FeatureTrack) -> EmotionGraph {
        var starts = segmenter.sectionStarts(track)
        var measured = Self.measure(track, starts: starts)
        var reference = Self.reference(for: measured)
        let stereo = Self.hasStereoImage(track)
        var labelled = measured.map { Self.score($0, against: reference, stereo: stereo) }
        // Join neighbours that came out the same, then measure and score the joined sections again.
        var joined = [0]
        for index in 1..<starts.count where labelled[index].emotion != labelled[joined.last!].emotion {
            joined.append(index)
        }
        if joined.count < starts.count {
            starts = joined.map { starts[$0] }
            measured = Self.measure(track, starts: starts)
            reference = Self.reference(for: measured)
            labelled = measured.map { Self.score($0, against: reference, stereo: stereo) }
        }
        return EmotionGraph(sections: zip(measured, labelled).map { section, label in
            EmotionSection(start: section.startSeconds, emotion: label.emotion, intensity: label.intensity, reason: label.reason)
        })
    }

    static func measure(_ track: FeatureTrack, starts: [Int]) -> [SectionMeasurement] {
        starts.indices.map { index in
            SectionMeasurement(track, frames: starts[index]..<(index + 1 < starts.count ? starts[index + 1] : track.frameCount))
        }
    }

    /// Whether the whole track has any side: a mono section of a stereo song is narrow, but a
    /// mono song has no image at all.
    static func hasStereoImage(_ track: FeatureTrack) -> Bool {
        SectionMeasurement(track, frames: 0..<track.frameCount).stereoWidth >= StereoImage.monoWidth
    }

    /// The median section (per feature), or a typical mix for a single section.
    static func reference(for sections: [SectionMeasurement]) -> Reference {
        guard sections.count > 1 else { return typicalMix }
        func median(_ values: [Double]) -> Double {
            let sorted = values.filter(\.isFinite).sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        return Reference(loudnessLUFS: median(sections.map(\.loudnessLUFS)),
                         crestFactorDB: median(sections.map(\.crestFactorDB)),
                         centroidOctaves: median(sections.map { log2(max($0.spectralCentroidHz, 20)) }),
                         lowShareDB: median(sections.map(\.lowShareDB)),
                         highShareDB: median(sections.map(\.highShareDB)),
                         width: median(sections.map(\.stereoWidth)),
                         onsetsPerSecond: median(sections.map(\.onsetsPerSecond)))
    }

    public struct Label: Sendable, Equatable {
        public var emotion: Emotion
        public var intensity: Double
        public var reason: String
        public var scores: [Emotion: Double]
    }

    /// Each trait's word for its opposite, for a trait that counts against its emotion.
    static let traitOpposites = ["louder": "quieter", "quieter": "louder", "denser": "more dynamic", "more dynamic": "denser",
                                 "busier": "sparser", "sparser": "busier", "wider": "narrower", "narrower": "wider",
                                 "lower centroid": "higher centroid", "higher centroid": "lower centroid",
                                 "softer highs": "stronger highs", "stronger highs": "softer highs", "heavier lows": "lighter lows"]

    /// Scores one section against the reference (see the table above); `stereo` false: the
    /// track is mono, and width counts for nothing.
    public static func score(_ section: SectionMeasurement, against reference: Reference, stereo: Bool = true) -> Label {
        let loudness = (section.loudnessLUFS.isFinite ? section.loudnessLUFS : -70) - reference.loudnessLUFS
        let crest = section.crestFactorDB - reference.crestFactorDB
        let centroid = log2(max(section.spectralCentroidHz, 20)) - reference.centroidOctaves
        let low = section.lowShareDB - reference.lowShareDB
        let high = section.highShareDB - reference.highShareDB
        let width = section.stereoWidth - reference.width
        let onsets = section.onsetsPerSecond - reference.onsetsPerSecond
        /// One trait: its name and its opposite's, what was measured, and its score (−1…+1, full
        /// at `fullAt`). A trait that counts against its emotion is named for what was found:
        /// "sparser (onsets -3.0/s) -1.0", not "busier (onsets -3.0/s) -1.0".
        struct Trait {
            let name: String, opposite: String, measured: String, score: Double
            var said: String { score.asPrinted(places: 1) < 0 ? opposite : name }
        }
        func trait(_ name: String, _ measured: String, _ value: Double, _ fullAt: Double) -> Trait {
            Trait(name: name, opposite: traitOpposites[name] ?? "not \(name)", measured: measured, score: min(max(value / fullAt, -1), 1))
        }
        func shown(_ value: Double, _ places: Int = 1) -> Double { value.asPrinted(places: places) }
        let said = (loudness: String(format: "loudness %+.1f LU", shown(loudness)), crest: String(format: "crest %+.1f dB", shown(crest)),
                    centroid: String(format: "centroid %+.1f oct", shown(centroid)), lows: String(format: "lows %+.1f dB", shown(low)),
                    highs: String(format: "highs %+.1f dB", shown(high)), width: String(format: "width %+.2f", shown(width, 2)),
                    onsets: String(format: "onsets %+.1f/s", shown(onsets)))
        let noWidth = Trait(name: "no width", opposite: "no width", measured: "mono", score: 0)
        let traits: [Emotion: [Trait]] = [
            .powerful: [trait("louder", said.loudness, loudness, 2), trait("denser", said.crest, -crest, 3), trait("busier", said.onsets, onsets, 2)],
            .calm: [trait("quieter", said.loudness, -loudness, 2), trait("sparser", said.onsets, -onsets, 1), trait("more dynamic", said.crest, crest, 3)],
            .dreamy: [stereo ? trait("wider", said.width, width, 0.1) : noWidth, trait("lower centroid", said.centroid, -centroid, 0.5),
                      trait("softer highs", said.highs, -high, 4)],
            .dark: [trait("lower centroid", said.centroid, -centroid, 0.5), trait("heavier lows", said.lows, low, 1),
                    stereo ? trait("narrower", said.width, -width, 0.1) : noWidth],
            .bright: [trait("higher centroid", said.centroid, centroid, 1), trait("stronger highs", said.highs, high, 6), trait("busier", said.onsets, onsets, 2)],
        ]
        let scores = traits.mapValues { $0.reduce(0) { $0 + $1.score } }
        // Ties go to the emotion listed first in SPEC.md's table.
        let order: [Emotion] = [.powerful, .calm, .dreamy, .dark, .bright]
        var best = order[0]
        for emotion in order where scores[emotion]! > scores[best]! { best = emotion }
        let intensity = 0.2 + 0.7 * min(max(scores[best]! / 3, 0), 1)
        // "auto: calm, 2.0 of 3: quieter (loudness -3.5 LU) +1.0, …": the winner's three traits, each with its share.
        let evidence = traits[best]!.map { String(format: "%@ (%@) %+.1f", $0.said, $0.measured, shown($0.score)) }.joined(separator: ", ")
        let reason = String(format: "auto: %@, %.1f of 3: %@, against %@", best.rawValue, shown(scores[best]!), evidence,
                            reference == typicalMix ? "a typical mix" : "the song's median section")
        return Label(emotion: best, intensity: intensity, reason: reason, scores: scores)
    }
}
