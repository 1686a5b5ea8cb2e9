import Glibc
import MasteringDSP

/// What one stretch of a track measures like, summed from its `FeatureTrack` frames.
///
/// Loudness is BS.1770 integrated loudness of the stretch: 400 ms blocks (four 100 ms
/// sub-blocks, 75 % overlap) gated at −70 LUFS and 10 LU under their mean. The tone curve
/// is the mean 1/3-octave spectrum; width is side RMS over mid RMS; onset density counts
/// spectral-flux onsets per second.
public struct SectionMeasurement: Sendable, Equatable {
    public var startSeconds: Double
    public var endSeconds: Double
    public var loudnessLUFS: Double
    /// RMS over all channels, the DC offset in it (as `AnalysisReport.rmsDBFS`).
    public var rmsDBFS: Double
    /// RMS without the stretch's DC offset: what the chain's stages meet after its DC blocker
    /// (as `AnalysisReport.rmsWithoutOffsetDBFS`).
    public var rmsWithoutOffsetDBFS: Double
    public var peakDBFS: Double
    public var crestFactorDB: Double
    public var toneCurve: [ToneBand]
    public var spectralCentroidHz: Double
    /// Share of the power below 200 Hz and from 4 kHz up, dB re the total.
    public var lowShareDB: Double
    public var highShareDB: Double
    public var stereoWidth: Double
    public var onsetsPerSecond: Double

    public var durationSeconds: Double { endSeconds - startSeconds }

    /// Measures frames `frames` of `track`.
    public init(_ track: FeatureTrack, frames: Range<Int>) {
        let frames = frames.clamped(to: 0..<track.frameCount)
        startSeconds = Double(frames.lowerBound) * FeatureTrack.frameSeconds
        endSeconds = Double(frames.upperBound) * FeatureTrack.frameSeconds
        loudnessLUFS = Self.gatedLoudness(track.loudnessEnergies[frames])
        var squares = 0.0, peak: Float = 0, mid = 0.0, side = 0.0, onsets = 0
        var bands = [Double](repeating: 0, count: FeatureTrack.bandCount)
        var means = [Double](repeating: 0, count: track.channelCount)
        for frame in frames {
            squares += Double(track.meanSquares[frame])
            for (channel, mean) in track.channelMeans(ofFrame: frame).enumerated() { means[channel] += Double(mean) }
            peak = max(peak, track.peaks[frame])
            mid += Double(track.midEnergies[frame]); side += Double(track.sideEnergies[frame])
            onsets += Int(track.onsets[frame])
            for (band, power) in track.bands(ofFrame: frame).enumerated() { bands[band] += Double(power) }
        }
        let count = Double(max(frames.count, 1))
        rmsDBFS = Decibels.fromPower(squares / count)
        rmsWithoutOffsetDBFS = AnalysisReport.rmsWithoutOffsetDBFS(meanSquare: squares / count, channelMeans: means.map { $0 / count })
        peakDBFS = Decibels.fromAmplitude(Double(peak))
        crestFactorDB = rmsDBFS.isFinite ? peakDBFS - rmsDBFS : 0
        // As `StereoMeter`: a stretch with side and no mid (the channels in opposite phase) is
        // infinitely wide, not mono.
        stereoWidth = mid > 0 ? (side / mid).squareRoot() : (side > 0 ? .infinity : 0)
        onsetsPerSecond = Double(onsets) / max(count * FeatureTrack.frameSeconds, FeatureTrack.frameSeconds)
        let nyquist = track.sampleRate / 2
        var curve: [ToneBand] = []
        var total = 0.0, low = 0.0, high = 0.0, weighted = 0.0
        for (index, centre) in ThirdOctaveBands.nominalCentresHz.enumerated() where ThirdOctaveBands.edgesHz[index].lower < nyquist {
            let power = bands[index] / count
            curve.append(ToneBand(hz: centre, db: Decibels.fromPower(power)))
            total += power
            weighted += power * ThirdOctaveBands.exactCentresHz[index]
            if centre < 200 { low += power }
            if centre >= 4000 { high += power }
        }
        toneCurve = curve
        spectralCentroidHz = total > 0 ? weighted / total : 0
        lowShareDB = total > 0 ? Decibels.fromPower(max(low / total, 1e-9)) : -90
        highShareDB = total > 0 ? Decibels.fromPower(max(high / total, 1e-9)) : -90
    }

    /// BS.1770-4 gated loudness of consecutive 100 ms K-weighted energies (`GatedLoudness`); a
    /// stretch shorter than one 400 ms block gets its mean energy's loudness rather than none.
    public static func gatedLoudness(_ energies: ArraySlice<Double>) -> Double {
        guard energies.count >= 4 else {
            return LoudnessMeter.lufs(ofEnergy: energies.reduce(0, +) / Double(max(energies.count, 1)))
        }
        return GatedLoudness.integrated(energies)
    }
}
