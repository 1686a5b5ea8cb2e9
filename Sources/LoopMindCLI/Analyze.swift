import Analysis
import ArgumentParser
import AudioIO
import DemoSong
import Foundation
import MasteringAI
import MasteringDSP

/// `loopmind analyze [FILE] [--json] [--timeline]`
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure loudness, peaks, tone and stereo image.",
        discussion: """
        Integrated loudness, loudness range, momentary and short-term maxima and true peak follow \
        ITU-R BS.1770-4 / EBU R128 (measured by libebur128). Band energies come from Linkwitz-Riley \
        crossovers at 200 Hz and 4 kHz; the tone curve is a 31-band 1/3-octave spectrum (FFTW). \
        A mono file is measured as one front loudspeaker. Without FILE the built-in demo song is measured.
        """
    )

    @Argument(help: "The audio file (WAV, AIFF, FLAC, OGG, Opus, MP3). Default: the built-in demo song.")
    var file: String?

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Flag(help: "Add momentary and short-term loudness every 100 ms.")
    var timeline = false

    @Flag(help: "Find the sections and estimate each one's emotion and intensity (auto's graph).")
    var emotions = false

    func run() throws {
        let options = Analyzer.Options(timeline: timeline, features: emotions)
        let name = file ?? "demo song (built-in)"
        let progress = ProgressLine(label: "analyzing \((name as NSString).lastPathComponent)")
        let report: AnalysisReport
        var endedShort: ShortEnding?
        do {
            if let file {
                var reader = try SoundFileReader(path: file)
                report = try Analyzer.analyze(&reader, options: options, progress: progress.update)
                endedShort = reader.endedShort
            } else {
                var song = DemoSongSource()
                report = try Analyzer.analyze(&song, options: options, progress: progress.update)
            }
        } catch {
            progress.clear()
            throw CommandFailure(error)
        }
        progress.clear()
        StandardError.warnIfCutShort(endedShort, name: name)
        let graph = emotions ? report.features.map { EmotionEstimator().estimate($0) } : nil
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let document = AnalyzeDocument(report: report,
                                           emotions: graph.map { EmotionGraphDocument(graph: $0, duration: report.durationSeconds) })
            print(String(decoding: try encoder.encode(document), as: UTF8.self))
        } else {
            StandardOutput.show(ReportTable(report: report, name: name).render(), terminator: "")
            if let graph { StandardOutput.show(Self.graphTable(graph, duration: report.durationSeconds), terminator: "") }
        }
    }
}

extension Analyze {
    /// The emotion graph as an aligned table, a section a line, with the estimate's reason.
    static func graphTable(_ graph: EmotionGraph, duration: Double) -> String {
        var lines = ["", "emotions (auto, honest heuristics: see the README)"]
        for (index, span) in graph.spans(duration: duration).enumerated() {
            let section = graph.sections[index]
            lines.append(String(format: "  %2d  %6.1f – %6.1f s  %@  intensity %.2f", index + 1, span.lowerBound, span.upperBound,
                                section.emotion.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0), section.intensity))
            if let reason = section.reason { lines.append("      \(reason)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// analyze's JSON: the report's keys, plus `emotions` with `--emotions`.
struct AnalyzeDocument: Encodable {
    let report: AnalysisReport
    let emotions: EmotionGraphDocument?
    private enum Keys: String, CodingKey { case emotions }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(emotions, forKey: .emotions)
    }
}
