import Analysis
import ArgumentParser
import AudioIO
import DemoSong
import Foundation
import MasteringDSP

/// `loopmind analyze [FILE] [--json] [--timeline]`
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure loudness, peaks, tone and stereo image.",
        discussion: """
        Integrated loudness, loudness range, momentary and short-term maxima and true peak follow \
        ITU-R BS.1770-4 / EBU R128 (measured by libebur128). Band energies come from Linkwitz-Riley \
        crossovers at 200 Hz and 4 kHz; the tone curve is a 31-band 1/3-octave spectrum (KissFFT). \
        A mono file is measured as one front loudspeaker. Without FILE the built-in demo song is measured.
        """
    )

    @Argument(help: "The audio file (WAV, AIFF, FLAC, OGG, Opus, MP3). Default: the built-in demo song.")
    var file: String?

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Flag(help: "Add momentary and short-term loudness every 100 ms.")
    var timeline = false

    func run() throws {
        let options = Analyzer.Options(timeline: timeline)
        let name = file ?? "demo song (built-in)"
        let progress = ProgressLine(label: "analyzing \((name as NSString).lastPathComponent)")
        let report: AnalysisReport
        do {
            if let file {
                var reader = try SoundFileReader(path: file)
                report = try Analyzer.analyze(&reader, options: options, progress: progress.update)
            } else {
                var song = DemoSongSource()
                report = try Analyzer.analyze(&song, options: options, progress: progress.update)
            }
        } catch {
            progress.clear()
            throw CommandFailure(error)
        }
        progress.clear()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(ReportTable(report: report, name: name).render(), terminator: "")
        }
    }
}
