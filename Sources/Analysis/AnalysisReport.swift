import Glibc
import MasteringDSP

/// Everything `loopmind analyze` measures about one piece of audio.
///
/// Encodes to the JSON keys of SPEC.md. Levels that do not exist (the loudness of
/// silence, −∞) encode as `null`, since JSON has no infinity.
public struct AnalysisReport: Sendable {
    public var sampleRate: Double
    public var channelCount: Int
    public var durationSeconds: Double

    public var integratedLUFS: Double
    public var loudnessRangeLU: Double
    public var momentaryMaxLUFS: Double
    public var shortTermMaxLUFS: Double
    public var truePeakDBTP: Double
    public var truePeakPerChannelDBTP: [Double]
    public var samplePeakDBFS: Double
    public var rmsDBFS: Double
    /// Sample peak over RMS, dB.
    public var crestFactorDB: Double
    /// Each channel's mean sample (linear, signed): what a faulty converter or a bad edit
    /// leaves. RMS, peaks and crest include it, as sox's `stats` does; the chain's DC blocker
    /// takes it out before any stage acts.
    public var dcOffsetPerChannel: [Double] = []
    /// The largest channel's offset, dBFS (−∞: none).
    public var dcOffsetDBFS: Double { Decibels.fromAmplitude(dcOffsetPerChannel.map(abs).max() ?? 0) }
    /// RMS without the offsets, dBFS: the level the chain's stages meet once its DC blocker has
    /// taken them out (the mean square less each channel's mean squared, averaged).
    public var rmsWithoutOffsetDBFS: Double {
        guard !dcOffsetPerChannel.isEmpty, rmsDBFS.isFinite else { return rmsDBFS }
        return Self.rmsWithoutOffsetDBFS(meanSquare: pow(10, rmsDBFS / 10), channelMeans: dcOffsetPerChannel)
    }

    /// RMS in dBFS of a mean square over all channels, less each channel's mean squared (the
    /// channels averaged): what is left once a DC blocker has taken the offsets out.
    public static func rmsWithoutOffsetDBFS(meanSquare: Double, channelMeans: [Double]) -> Double {
        let offsetPower = channelMeans.reduce(0) { $0 + $1 * $1 } / Double(max(channelMeans.count, 1))
        return Decibels.fromPower(max(0, meanSquare - offsetPower))
    }
    /// Runs of samples at full scale: a mix clipped before it arrived (`ClipCount`).
    public var clipping = ClipCount()
    public var spectralCentroidHz: Double

    public var bands: BandEnergies
    public var toneCurve: [ToneBand]
    public var stereo: StereoImage
    /// Momentary and short-term loudness every 100 ms, when asked for.
    public var timeline: [LoudnessPoint]?
    /// The 100 ms feature track, when asked for (not part of the JSON).
    public var features: FeatureTrack? = nil
    /// Mid and side tone and short-term crest (mono and stereo inputs): what reference mastering
    /// compares. Not part of the JSON.
    public var midSideTone: ToneMatchMeasurement? = nil
    /// Every 100 ms sub-block's energy, when asked for. Not part of the JSON.
    public var subBlockLoudness: SubBlockLoudness? = nil
}

/// Loudness at one instant of a timeline.
public struct LoudnessPoint: Sendable, Equatable {
    public var seconds: Double
    public var momentaryLUFS: Double
    public var shortTermLUFS: Double
}

// MARK: - JSON

extension AnalysisReport: Encodable {
    enum CodingKeys: String, CodingKey {
        case sampleRate = "sample_rate", channels, durationSeconds = "duration_s"
        case integratedLUFS = "integrated_lufs", loudnessRangeLU = "loudness_range_lu"
        case momentaryMaxLUFS = "momentary_max_lufs", shortTermMaxLUFS = "short_term_max_lufs"
        case truePeakDBTP = "true_peak_dbtp", truePeakPerChannelDBTP = "true_peak_per_channel_dbtp"
        case samplePeakDBFS = "sample_peak_dbfs", rmsDBFS = "rms_dbfs", crestFactorDB = "crest_factor_db"
        case dcOffsetDBFS = "dc_offset_dbfs", clippedRuns = "clipped_runs", clippedSamples = "clipped_samples"
        case spectralCentroidHz = "spectral_centroid_hz"
        case bands, toneCurve = "tone_curve", stereo, timeline
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Int(sampleRate), forKey: .sampleRate)
        try container.encode(channelCount, forKey: .channels)
        try container.encodeLevel(durationSeconds, forKey: .durationSeconds, places: 6)
        try container.encodeLevel(integratedLUFS, forKey: .integratedLUFS)
        try container.encodeLevel(loudnessRangeLU, forKey: .loudnessRangeLU)
        try container.encodeLevel(momentaryMaxLUFS, forKey: .momentaryMaxLUFS)
        try container.encodeLevel(shortTermMaxLUFS, forKey: .shortTermMaxLUFS)
        try container.encodeLevel(truePeakDBTP, forKey: .truePeakDBTP)
        try container.encode(truePeakPerChannelDBTP.map(JSONLevel.init), forKey: .truePeakPerChannelDBTP)
        try container.encodeLevel(samplePeakDBFS, forKey: .samplePeakDBFS)
        try container.encodeLevel(rmsDBFS, forKey: .rmsDBFS)
        try container.encodeLevel(crestFactorDB, forKey: .crestFactorDB)
        try container.encodeLevel(dcOffsetDBFS, forKey: .dcOffsetDBFS)
        try container.encode(clipping.runs, forKey: .clippedRuns)
        try container.encode(clipping.samples, forKey: .clippedSamples)
        try container.encodeLevel(spectralCentroidHz, forKey: .spectralCentroidHz, places: 1)
        try container.encode(bands, forKey: .bands)
        try container.encode(toneCurve, forKey: .toneCurve)
        try container.encode(stereo, forKey: .stereo)
        try container.encodeIfPresent(timeline, forKey: .timeline)
    }
}

extension BandEnergies: Encodable {
    enum CodingKeys: String, CodingKey { case low, mid, high }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(low, forKey: .low)
        try container.encode(mid, forKey: .mid)
        try container.encode(high, forKey: .high)
    }
}

extension BandEnergies.Band: Encodable {
    enum CodingKeys: String, CodingKey {
        case rmsDBFS = "rms_dbfs", share, fromHz = "from_hz", toHz = "to_hz"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeLevel(rmsDBFS, forKey: .rmsDBFS)
        try container.encodeLevel(share, forKey: .share, places: 4)
        try container.encode(fromHz, forKey: .fromHz)
        try container.encode(toHz, forKey: .toHz)
    }
}

extension StereoImage: Encodable {
    enum CodingKeys: String, CodingKey { case correlation, width }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeLevel(correlation, forKey: .correlation, places: 4)
        try container.encodeLevel(width, forKey: .width, places: 4)
    }
}

extension LoudnessPoint: Encodable {
    enum CodingKeys: String, CodingKey {
        case seconds = "t", momentaryLUFS = "momentary_lufs", shortTermLUFS = "short_term_lufs"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeLevel(seconds, forKey: .seconds, places: 3)
        try container.encodeLevel(momentaryLUFS, forKey: .momentaryLUFS)
        try container.encodeLevel(shortTermLUFS, forKey: .shortTermLUFS)
    }
}

/// A level rounded for JSON, `null` when not finite.
struct JSONLevel: Encodable {
    let value: Double
    let places: Int

    init(_ value: Double) { self.init(value, places: 3) }
    init(_ value: Double, places: Int) { self.value = value; self.places = places }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isFinite {
            try container.encode(value.asPrinted(places: places))
        } else {
            try container.encodeNil()
        }
    }
}

extension KeyedEncodingContainer {
    mutating func encodeLevel(_ value: Double, forKey key: Key, places: Int = 3) throws {
        try encode(JSONLevel(value, places: places), forKey: key)
    }
}

extension Double {
    /// Rounded to `places` decimals as a reason or a JSON report prints it, with a negative zero
    /// made 0, so a hair under zero reads "+0.0" and `0`, not "-0.0" and `-0`.
    public func asPrinted(places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale + 0
    }
}
