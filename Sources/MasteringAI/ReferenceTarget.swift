import Analysis
import Foundation
import MasteringDSP

/// What LoopMind learns from one or more reference masters: their long-term tone (mid and side
/// per 1/3-octave band, relative to their loudness), loudness, dynamics and width. Matching
/// shapes a track toward it; profiles keep it under a name (`style reference add`).
public struct ReferenceTarget: Sendable, Equatable, Codable {
    /// One reference file the target was learned from.
    public struct Source: Sendable, Equatable, Codable {
        public var name: String
        public var durationSeconds: Double
        public var sampleRate: Double
        public var channels: Int
        public var integratedLUFS: Double
        enum CodingKeys: String, CodingKey {
            case name, durationSeconds = "duration_s", sampleRate = "sample_rate", channels, integratedLUFS = "integrated_lufs"
        }
        public init(name: String, durationSeconds: Double, sampleRate: Double, channels: Int, integratedLUFS: Double) {
            self.name = name; self.durationSeconds = durationSeconds; self.sampleRate = sampleRate
            self.channels = channels; self.integratedLUFS = integratedLUFS
        }
    }

    /// One 1/3-octave band: mid and side level relative to integrated loudness, dB (nil where no
    /// reference had the band: above Nyquist, or no side in mono references).
    public struct Band: Sendable, Equatable, Codable {
        public var hz: Double
        public var mid: Double?
        public var side: Double?
        enum CodingKeys: String, CodingKey { case hz, mid = "mid_db", side = "side_db" }
        public init(hz: Double, mid: Double?, side: Double?) { self.hz = hz; self.mid = mid; self.side = side }
    }

    public var sources: [Source]
    public var integratedLUFS: Double
    public var loudnessRangeLU: Double
    /// Mean 100 ms crest factor, dB (`ToneMatchMeasurement.blockCrestDB`).
    public var crestDB: Double
    /// Side over mid energy, dB (−∞ stored as null: mono).
    public var sideToMidDB: Double?
    public var bands: [Band]

    enum CodingKeys: String, CodingKey {
        case sources, integratedLUFS = "integrated_lufs", loudnessRangeLU = "loudness_range_lu",
             crestDB = "crest_db", sideToMidDB = "side_to_mid_db", bands
    }

    /// Lowest a band may sit under the loudness and still count as content (below: noise floor).
    public static let floorDB = -100.0

    /// The target of one reference, from its loudness and its tone measurement.
    public init(name: String, durationSeconds: Double, sampleRate: Double, channels: Int,
                integratedLUFS loudness: Double, loudnessRangeLU: Double, tone: ToneMatchMeasurement) {
        let relative = tone.relative(toLoudness: loudness)
        sources = [Source(name: name, durationSeconds: durationSeconds, sampleRate: sampleRate,
                          channels: channels, integratedLUFS: loudness)]
        integratedLUFS = loudness
        self.loudnessRangeLU = loudnessRangeLU
        crestDB = tone.blockCrestDB
        sideToMidDB = tone.sideToMidDB.isFinite ? tone.sideToMidDB : nil
        bands = ThirdOctaveBands.nominalCentresHz.indices.map { index in
            Band(hz: ThirdOctaveBands.nominalCentresHz[index],
                 mid: relative.midDB[index].map { max($0, Self.floorDB) },
                 side: relative.sideDB[index].map { max($0, Self.floorDB) })
        }
    }

    init(sources: [Source], integratedLUFS: Double, loudnessRangeLU: Double,
         crestDB: Double, sideToMidDB: Double?, bands: [Band]) {
        self.sources = sources; self.integratedLUFS = integratedLUFS; self.loudnessRangeLU = loudnessRangeLU
        self.crestDB = crestDB; self.sideToMidDB = sideToMidDB; self.bands = bands
    }

    /// Several references as one target: each figure the mean of theirs (tone per band in dB,
    /// over the references that have the band; loudness in LUFS), weighted equally, so a long
    /// reference counts no more than a short one.
    public static func average(_ targets: [ReferenceTarget]) -> ReferenceTarget {
        precondition(!targets.isEmpty, "at least one reference")
        if targets.count == 1 { return targets[0] }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
        func meanOrNil(_ values: [Double?]) -> Double? {
            let present = values.compactMap { $0 }
            return present.isEmpty ? nil : mean(present)
        }
        let bands = targets[0].bands.indices.map { index in
            Band(hz: targets[0].bands[index].hz,
                 mid: meanOrNil(targets.map { $0.bands[index].mid }),
                 side: meanOrNil(targets.map { $0.bands[index].side }))
        }
        return ReferenceTarget(sources: targets.flatMap(\.sources),
                               integratedLUFS: mean(targets.map(\.integratedLUFS)),
                               loudnessRangeLU: mean(targets.map(\.loudnessRangeLU)),
                               crestDB: mean(targets.map(\.crestDB)),
                               sideToMidDB: meanOrNil(targets.map(\.sideToMidDB)),
                               bands: bands)
    }

    /// The target's tone as a measurement relative to its loudness (crest and width included).
    public var tone: ToneMatchMeasurement {
        ToneMatchMeasurement(midDB: bands.map(\.mid), sideDB: bands.map(\.side), blockCrestDB: crestDB,
                             sideToMidDB: sideToMidDB ?? -.infinity)
    }

    /// What `--reference`'s moves call it: the file name, or "the 3 references (together)".
    public var label: String {
        sources.count == 1 ? "the reference '\(sources[0].name)'" : "the \(sources.count) references together"
    }

    /// `singular` for one reference, `plural` for several ("has"/"have").
    public func verb(_ singular: String, _ plural: String) -> String { sources.count == 1 ? singular : plural }

    /// Checks an untrusted target (from a profile or an import); the error names the field.
    public func validate() throws {
        struct Invalid: Error, CustomStringConvertible { let description: String }
        func finite(_ value: Double, _ field: String, _ range: ClosedRange<Double>) throws {
            guard value.isFinite, range.contains(value) else { throw Invalid(description: "\(field) \(value) is outside \(range)") }
        }
        guard !sources.isEmpty else { throw Invalid(description: "sources is empty") }
        try finite(integratedLUFS, "integrated_lufs", -70...0)
        try finite(loudnessRangeLU, "loudness_range_lu", 0...60)
        try finite(crestDB, "crest_db", 0...60)
        if let sideToMidDB { try finite(sideToMidDB, "side_to_mid_db", -200...60) }
        guard bands.count == ThirdOctaveBands.count else {
            throw Invalid(description: "bands has \(bands.count) entries, not \(ThirdOctaveBands.count)")
        }
        for (index, band) in bands.enumerated() {
            guard band.hz == ThirdOctaveBands.nominalCentresHz[index] else { throw Invalid(description: "bands[\(index)].hz is not \(ThirdOctaveBands.nominalCentresHz[index])") }
            if let mid = band.mid { try finite(mid, "bands[\(index)].mid_db", Self.floorDB...60) }
            if let side = band.side { try finite(side, "bands[\(index)].side_db", Self.floorDB...60) }
        }
    }
}

/// The loudness-normalized spectral distance the issue measures matching by: the mean absolute
/// difference of two recordings' 1/3-octave bands (both channels together), each relative to its
/// integrated loudness, over the bands both have from 20 Hz to 20 kHz. Levels below the floor
/// count as the floor, so silence against silence is no difference.
public enum SpectralDistance {
    public static func meanBandDifferenceDB(_ a: ToneMatchMeasurement, loudness aLUFS: Double,
                                            _ b: ToneMatchMeasurement, loudness bLUFS: Double) -> Double {
        let left = a.stereoDB, right = b.stereoDB
        var sum = 0.0, count = 0
        for index in left.indices {
            guard let x = left[index], let y = right[index] else { continue }
            sum += abs(max(x - aLUFS, ReferenceTarget.floorDB) - max(y - bLUFS, ReferenceTarget.floorDB))
            count += 1
        }
        return count > 0 ? sum / Double(count) : .nan
    }

    /// The same distance from a measurement to a learned target (its levels are already relative).
    public static func meanBandDifferenceDB(_ a: ToneMatchMeasurement, loudness aLUFS: Double, to target: ReferenceTarget) -> Double {
        meanBandDifferenceDB(a, loudness: aLUFS, target.tone, loudness: 0)
    }
}
