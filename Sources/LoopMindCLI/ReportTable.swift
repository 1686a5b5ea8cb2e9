import Analysis
import Foundation

/// The human form of an analysis: aligned rows with units.
struct ReportTable {
    let report: AnalysisReport
    let name: String
    /// An offset from here up is pointed out (0.1 % of full scale): under it, even left in, it
    /// would cost a master under 0.1 dB of headroom.
    static let noticeableOffsetDBFS = -60.0

    func render() -> String {
        var lines: [String] = []
        let r = report
        lines.append("\(name)")
        lines.append("  \(Int(r.sampleRate)) Hz · \(r.channelCount) channel\(r.channelCount == 1 ? "" : "s") · \(clock(r.durationSeconds))")
        lines.append("")
        lines.append("Loudness")
        lines.append(row("integrated", level(r.integratedLUFS), "LUFS"))
        lines.append(row("loudness range", fixed(r.loudnessRangeLU), "LU"))
        lines.append(row("momentary max", level(r.momentaryMaxLUFS), "LUFS"))
        lines.append(row("short-term max", level(r.shortTermMaxLUFS), "LUFS"))
        lines.append("Peaks and level")
        let perChannel = r.truePeakPerChannelDBTP.count > 1
            ? "  (" + r.truePeakPerChannelDBTP.enumerated().map { "ch\($0.offset + 1) \(level($0.element))" }.joined(separator: ", ") + ")"
            : ""
        lines.append(row("true peak", level(r.truePeakDBTP), "dBTP") + perChannel)
        lines.append(row("sample peak", level(r.samplePeakDBFS), "dBFS"))
        lines.append(clippingRow(r.clipping))
        lines.append(row("RMS", level(r.rmsDBFS), "dBFS"))
        lines.append(row("crest factor", fixed(r.crestFactorDB), "dB"))
        lines.append(row("DC offset", level(r.dcOffsetDBFS), "dBFS")
                     + (r.dcOffsetDBFS >= Self.noticeableOffsetDBFS ? "  (the master's DC blocker takes it out)" : ""))
        lines.append("Tone")
        lines.append(row("low (< 200 Hz)", level(r.bands.low.rmsDBFS), "dBFS") + share(r.bands.low.share))
        lines.append(row("mid (200 Hz-4 kHz)", level(r.bands.mid.rmsDBFS), "dBFS") + share(r.bands.mid.share))
        lines.append(row("high (> 4 kHz)", level(r.bands.high.rmsDBFS), "dBFS") + share(r.bands.high.share))
        lines.append(row("spectral centroid", String(Int(r.spectralCentroidHz.rounded())), "Hz"))
        lines.append("Stereo")
        lines.append(row("correlation", String(format: "%.2f", r.stereo.correlation), "") + phaseWarning(r.stereo))
        lines.append(row("width (side/mid)", r.stereo.width.isFinite ? String(format: "%.2f", r.stereo.width) : "inf", ""))
        lines.append("Tone curve (1/3 octave, dBFS)")
        for band in r.toneCurve {
            let label = band.hz >= 1000 ? String(format: "%.4g kHz", band.hz / 1000) : String(format: "%g Hz", band.hz)
            let barLength = band.db.isFinite ? max(0, min(40, Int(((band.db + 80) / 2).rounded()))) : 0
            lines.append("  " + pad(label, 10, right: true) + "  " + pad(level(band.db), 7, right: true) + "  "
                         + String(repeating: "█", count: barLength))
        }
        if let timeline = r.timeline {
            lines.append("Timeline (every 100 ms)")
            lines.append("  " + pad("time", 10, right: true) + pad("momentary", 12, right: true) + pad("short-term", 12, right: true))
            for point in timeline {
                lines.append("  " + pad(String(format: "%.1f s", point.seconds), 10, right: true)
                             + pad(level(point.momentaryLUFS), 12, right: true)
                             + pad(level(point.shortTermLUFS), 12, right: true))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func row(_ label: String, _ value: String, _ unit: String) -> String {
        "  " + pad(label, 20) + pad(value, 8, right: true) + (unit.isEmpty ? "" : " " + unit)
    }

    /// Clipping is said with what it means for the master: a flat top the chain cannot restore.
    private func clippingRow(_ clipping: ClipCount) -> String {
        guard clipping.runs > 0 else { return row("clipping", "none", "") }
        return row("clipping", String(clipping.runs), clipping.runs == 1 ? "run" : "runs")
            + "  (\(clipping.samples) samples at full scale, 3 or more in a row: the mix was clipped before mastering,"
            + " and a master cannot undo it)"
    }

    /// Channels that lean out of phase (a polarity flipped, a phase-shifted microphone) are a
    /// mix fault the master cannot fix: said with what a mono listener loses, the stereo
    /// level over the mid's folded to both loudspeakers, 1 + (side/mid)².
    private func phaseWarning(_ stereo: StereoImage) -> String {
        guard report.channelCount >= 2, stereo.correlation < 0 else { return "" }
        guard stereo.width.isFinite else { return "  (out of phase: folded to mono it cancels entirely)" }
        return String(format: "  (out of phase: folded to mono it loses %.1f dB)", 10 * log10(1 + stereo.width * stereo.width))
    }

    private func share(_ fraction: Double) -> String {
        pad(String(format: "%.0f %%", fraction * 100), 7, right: true)
    }

    private func level(_ value: Double) -> String {
        value.isFinite ? String(format: "%.1f", value) : "-inf"
    }

    private func fixed(_ value: Double) -> String { String(format: "%.1f", value) }

    private func clock(_ seconds: Double) -> String {
        let minutes = Int(seconds) / 60
        return String(format: "%d:%06.3f", minutes, seconds - Double(minutes * 60))
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let gap = max(0, width - text.count)
        return right ? String(repeating: " ", count: gap) + text : text + String(repeating: " ", count: gap)
    }
}
