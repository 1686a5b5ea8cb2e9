import Analysis
import Foundation
import MasteringAI
import MasteringDSP
import Rendering

/// What `master` prints: JSON for machines, a short summary for people.
struct MasterReport {
    let result: OfflineMaster.Result
    let estimate: EmotionEstimate?

    private struct Document: Encodable {
        let input: AnalysisReport
        let settings: [String: Double]
        let moves: [AIMove]
        let output: AnalysisReport
        let loudness_loop: Loop
        let emotion: String
        let intensity: Double
        let emotion_reason: String?
    }

    private struct Loop: Encodable {
        let target_lufs: Double
        let reached_lufs: Double
        let error_lu: Double
        let gain_db: Double
        let passes: Int
        let mean_limiting_db: Double
        let ceiling_dbtp: Double
        let true_peak_margin_db: Double
        let shortfall: String?
    }

    private var loop: Loop {
        let settings = result.decision.settings
        let reached = result.output.integratedLUFS
        return Loop(target_lufs: round3(settings[.loudnessTarget]), reached_lufs: round3(reached),
                    error_lu: round3(reached - settings[.loudnessTarget]), gain_db: round3(result.loudnessGainDB),
                    passes: result.passes, mean_limiting_db: round3(result.meanLimitingDB),
                    ceiling_dbtp: settings[.limiterCeiling],
                    true_peak_margin_db: round3(settings[.limiterCeiling] - result.output.truePeakDBTP),
                    shortfall: result.shortfall)
    }

    func json() -> String {
        let document = Document(
            input: result.input,
            settings: result.decision.settings.byName.mapValues(round3),
            moves: result.decision.moves.map { var move = $0; move.from = round3(move.from); move.to = round3(move.to); return move },
            output: result.output, loudness_loop: loop, emotion: result.request.emotion.rawValue,
            intensity: round3(result.request.intensity), emotion_reason: estimate?.reason)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self)
    }

    func table() -> String {
        let loop = self.loop
        var lines: [String] = []
        if let estimate { lines.append(estimate.reason) }
        lines.append(String(format: "target      %6.1f LUFS   reached %6.1f LUFS (%+.2f LU) in %d pass%@",
                            loop.target_lufs, loop.reached_lufs, loop.error_lu, loop.passes, loop.passes == 1 ? "" : "es"))
        lines.append(String(format: "true peak   %6.1f dBTP   ceiling %6.1f dBTP (%.2f dB under)",
                            result.output.truePeakDBTP, loop.ceiling_dbtp, loop.true_peak_margin_db))
        lines.append(String(format: "gain        %+6.1f dB     mean limiting %.1f dB", loop.gain_db, loop.mean_limiting_db))
        lines.append("AI moves:")
        for move in result.decision.moves {
            lines.append(String(format: "  %-22@ %8.2f → %8.2f   %@", move.parameter as NSString, move.from, move.to, move.reason as NSString))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

private func round3(_ value: Double) -> Double { value.isFinite ? (value * 1000).rounded() / 1000 : 0 }
