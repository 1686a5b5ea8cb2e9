import Analysis
import Foundation
import MasteringAI
import MasteringDSP
import Rendering

/// What `master` prints: JSON for machines, a short summary for people.
///
/// JSON: `input` and `output` (analyze's keys), `emotions` (the graph, in emotion-map form),
/// `sections` (each with its settings and loudness), `settings` (when there is one section),
/// `moves` (the AI moves timeline) and `loudness_loop`.
struct MasterReport {
    let result: OfflineMaster.Result

    private struct Document: Encodable {
        let input: AnalysisReport
        let emotions: EmotionGraphDocument
        let sections: [Section]
        let settings: [String: SettingValue]?
        let moves: [AIMove]
        let output: AnalysisReport
        let loudness_loop: Loop
        let transition_s: Double
        let emotion: String?
        let intensity: Double?
        let reference: Reference?
    }

    /// The reference match: what was matched, how far, and the measured distances.
    private struct Reference: Encodable {
        let sources: [String]
        let match_amount: Double
        let reference_lufs: Double
        let reference_crest_db: Double
        /// Mean loudness-normalized 1/3-octave distance to the reference, dB: the input's and
        /// the master's (its last pass).
        let input_distance_db: Double
        let output_distance_db: Double
        let input_crest_db: Double
        let output_crest_db: Double
        let compressor_threshold_change_db: Double
        let match_passes: Int
        let match_eq: [Bell]
        /// The flat gain that puts back the level the bells take from the mix, dB.
        let match_level_db: Double
    }

    private struct Bell: Encodable { let hz: Double, mid_db: Double, side_db: Double }

    private var reference: Reference? {
        guard let match = result.reference else { return nil }
        return Reference(sources: match.target.sources.map(\.name), match_amount: match.amount,
                         reference_lufs: round3(match.target.integratedLUFS), reference_crest_db: round3(match.target.crestDB),
                         input_distance_db: round3(match.inputDistanceDB), output_distance_db: round3(match.distanceDB),
                         input_crest_db: round3(match.inputCrestDB), output_crest_db: round3(match.crestDB),
                         compressor_threshold_change_db: round3(match.thresholdChangeDB), match_passes: match.iterations,
                         match_eq: (0..<MatchCurve.bandCount).map {
                             Bell(hz: (MatchCurve.centresHz[$0] * 10).rounded() / 10, mid_db: match.curve.mid[$0], side_db: match.curve.side[$0])
                         }, match_level_db: match.curve.gainDB)
    }

    private struct Section: Encodable {
        let start: Double, end: Double, emotion: String, intensity: Double
        @NullWhenAbsent var reason: String?
        let settings: [String: SettingValue]
        @NullWhenAbsent var input_lufs: Double?
        let target_lufs: Double
        @NullWhenAbsent var output_lufs: Double?
        let gain_db: Double
    }

    /// A setting as JSON gives it: a number, or a choice's name (exciter.mode "tube").
    private enum SettingValue: Encodable {
        case number(Double), name(String)

        static func settings(_ settings: ChainSettings) -> [String: SettingValue] {
            Dictionary(uniqueKeysWithValues: ChainParameter.allCases.map { parameter in
                let value = settings[parameter]
                return (parameter.spec.name, parameter.spec.choiceName(value).map(SettingValue.name) ?? .number(round3(value)))
            })
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .number(let value): try container.encode(value)
            case .name(let name): try container.encode(name)
            }
        }
    }

    private struct Loop: Encodable {
        let target_lufs: Double
        let reached_lufs: Double
        let error_lu: Double
        let passes: Int
        let mean_limiting_db: Double
        let fastest_gain_slew_db_per_s: Double
        let ceiling_dbtp: Double
        /// Under the ceiling by the room a lossy encoder's overshoot needed; the ceiling otherwise.
        let limiter_ceiling_dbtp: Double
        let true_peak_margin_db: Double
        @NullWhenAbsent var shortfall: String?
    }

    /// The loop's figures, rounded to three decimals for JSON. The table rounds the exact ones
    /// (`rounded: false`): rounded twice, a target just past -9.85 read "-9.8" beside a
    /// shortfall line that said "-9.9".
    private func loop(rounded: Bool) -> Loop {
        let round = rounded ? round3 : { $0 }
        let reached = result.output.integratedLUFS
        return Loop(target_lufs: round(result.targetLUFS), reached_lufs: round(reached),
                    error_lu: round(reached - result.targetLUFS), passes: result.passes,
                    mean_limiting_db: round(result.meanLimitingDB),
                    fastest_gain_slew_db_per_s: round(result.fastestGainSlewDBPerSecond), ceiling_dbtp: result.ceilingDBTP,
                    limiter_ceiling_dbtp: round(result.limiterCeilingDBTP),
                    true_peak_margin_db: round(result.ceilingDBTP - result.output.truePeakDBTP),
                    shortfall: result.shortfall)
    }

    func json() -> String {
        let sections = result.sections.map { section in
            Section(start: round3(section.span.lowerBound), end: round3(section.span.upperBound),
                    emotion: section.emotion.rawValue, intensity: round3(section.intensity), reason: section.reason,
                    settings: SettingValue.settings(section.decision.settings),
                    input_lufs: section.inputLUFS.isFinite ? round3(section.inputLUFS) : nil,
                    target_lufs: round3(section.targetLUFS),
                    output_lufs: section.outputLUFS.isFinite ? round3(section.outputLUFS) : nil,
                    gain_db: round3(section.gainDB))
        }
        let single = result.sections.count == 1 ? result.sections[0] : nil
        let document = Document(
            input: result.input,
            emotions: EmotionGraphDocument(graph: result.graph, duration: result.input.durationSeconds),
            sections: sections,
            settings: single.map { SettingValue.settings($0.decision.settings) },
            moves: result.moves.map { var move = $0; move.time = round3(move.time); move.from = round3(move.from); move.to = round3(move.to); return move },
            output: result.output, loudness_loop: loop(rounded: true), transition_s: result.transitionSeconds,
            emotion: single?.emotion.rawValue, intensity: single.map { round3($0.intensity) }, reference: reference)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self)
    }

    func table() -> String {
        let loop = loop(rounded: false)
        // Each figure rounded as printed, so one a hair under zero (a true peak of -0.04 dBTP, a
        // target of -0) reads 0.0, not -0.0.
        func one(_ value: Double) -> Double { value.isFinite ? value.asPrinted(places: 1) : value }
        func two(_ value: Double) -> Double { value.isFinite ? value.asPrinted(places: 2) : value }
        var lines: [String] = []
        for (index, section) in result.sections.enumerated() {
            lines.append(String(format: "section %d  %6.1f–%6.1f s  %@ %.1f   in %6.1f  → %6.1f LUFS (aim %6.1f)",
                                index + 1, section.span.lowerBound, section.span.upperBound,
                                section.emotion.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0),
                                section.intensity, one(section.inputLUFS), one(section.outputLUFS), one(section.targetLUFS)))
            if let reason = section.reason { lines.append("           \(reason)") }
        }
        lines.append(String(format: "target      %6.1f LUFS   reached %6.1f LUFS (%+.2f LU) in %d pass%@",
                            one(loop.target_lufs), one(loop.reached_lufs), two(loop.error_lu), loop.passes, loop.passes == 1 ? "" : "es"))
        lines.append(String(format: "true peak   %6.1f dBTP   ceiling %6.1f dBTP (%.2f dB under)",
                            one(result.output.truePeakDBTP), one(loop.ceiling_dbtp), two(loop.true_peak_margin_db))
                     + (loop.limiter_ceiling_dbtp < loop.ceiling_dbtp
                        ? String(format: "; limiter at %.1f dBTP for the encoder", one(loop.limiter_ceiling_dbtp)) : ""))
        lines.append(String(format: "mean limiting %.1f dB", loop.mean_limiting_db))
        if let reference {
            lines.append(String(format: "reference   %@ at %.1f LUFS, matched %.0f %%: tone distance %.2f dB → %.2f dB, crest %.1f → %.1f dB (reference %.1f)",
                                reference.sources.joined(separator: ", "), reference.reference_lufs, reference.match_amount * 100,
                                reference.input_distance_db, reference.output_distance_db,
                                reference.input_crest_db, reference.output_crest_db, reference.reference_crest_db))
        }
        lines.append("AI moves:")
        // A choice reads by name ("tape → tube"), right-aligned where the numbers are.
        func shown(_ value: Double, of move: AIMove) -> String {
            guard let name = move.choiceName(value) else { return String(format: "%8.2f", value) }
            return String(repeating: " ", count: max(0, 8 - name.count)) + name
        }
        for move in result.moves {
            lines.append(String(format: "  %6.1f s  %@ %@ → %@   %@", move.time,
                                move.parameter.padding(toLength: 22, withPad: " ", startingAt: 0),
                                shown(move.from, of: move), shown(move.to, of: move), move.reason as NSString))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

private func round3(_ value: Double) -> Double { value.isFinite ? value.asPrinted(places: 3) : 0 }
