import Analysis
import Foundation

/// A whole-track emotion guess from measured features, for `--emotion auto`.
///
/// Honest heuristics: each emotion scores how well loudness, crest factor, brightness (highs
/// re mids), low-end weight and stereo width fit its row of the behaviour table; the best score
/// wins and its lead over the runner-up sets the intensity. (Per-section estimation builds on
/// these scores.)
public struct EmotionEstimate: Sendable, Equatable {
    public var emotion: Emotion
    public var intensity: Double
    public var reason: String

    public init(_ report: AnalysisReport) {
        let tone = MasterModel.ToneFeatures(report)
        let loudness = report.integratedLUFS.isFinite ? report.integratedLUFS : -40
        let crest = report.crestFactorDB, width = report.stereo.width
        let scores: [(Emotion, Double)] = [
            (.powerful, (loudness + 14) / 6 + (12 - crest) / 6),
            (.calm, (-16 - loudness) / 6 + (crest - 12) / 6 + (width - 0.2) * 2),
            (.dreamy, (width - 0.25) * 3 + (-14 - tone.highTiltDB) / 8 + (crest - 10) / 8),
            (.dark, (-18 - tone.highTiltDB) / 6 + (tone.lowExcessDB - 6) / 6 - (width - 0.15) * 3),
            (.bright, (tone.highTiltDB + 12) / 6 + (width - 0.2)),
        ]
        let ranked = scores.sorted { $0.1 > $1.1 }
        emotion = ranked[0].0
        intensity = min(max(0.5 + (ranked[0].1 - ranked[1].1) / 2, 0.2), 0.9)
        reason = String(format: "auto: the track measures %@ (%.1f LUFS, crest %.1f dB, highs %.0f dB re mids, lows %+.0f dB, width %.2f)",
                        emotion.rawValue, loudness, crest, tone.highTiltDB, tone.lowExcessDB, width)
    }
}
