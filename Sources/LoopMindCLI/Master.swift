import Analysis
import ArgumentParser
import AudioIO
import DemoSong
import Foundation
import MasteringAI
import MasteringDSP
import Rendering
import StyleStore

/// `loopmind master IN -o OUT [options]`
struct Master: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Master a file offline through the chain and the AI model.",
        discussion: """
        The emotion graph comes from --emotion-map, --emotion (the whole track) or auto (sections found \
        and their emotions estimated from the audio). The AI picks settings for each section and \
        renders input trim → EQ → compressor → exciter → width → loudness gain → true-peak limiter → \
        dither, crossfading the settings over --transition seconds at each boundary. The output is \
        measured after the limiter and the gains corrected until its integrated loudness is within \
        ±0.2 LU of the target while each section keeps its place; its true peak never exceeds the \
        ceiling (lossy formats are checked after decoding). IN may be 'demo' for the built-in song.
        """
    )

    @Argument(help: "The mix to master (or 'demo').")
    var input: String

    @Option(name: [.short, .customLong("output")], help: "The master to write; the format comes from the extension.")
    var output: String

    @OptionGroup var chain: ChainOptions

    @Option(name: .customLong("bit-depth"), help: "16, 24 or 32f for wav, aiff and flac (default 24).")
    var bitDepth: SampleEncoding?

    @Option(help: "Also write the AI moves timeline as CSV (time_s, parameter, from, to, reason).")
    var moves: String?

    @Flag(help: "Print the input analysis, emotion graph, settings, AI moves and output analysis as JSON.")
    var json = false

    func validate() throws {
        if AtomicFile.isFolder(output) {
            // "out/" suggests "out/master.wav", not "out//master.wav".
            let folder = output.hasSuffix("/") ? String(output.dropLast(output.reversed().prefix { $0 == "/" }.count)) : output
            throw ValidationError("cannot write '\(output)': is a folder; name the master's file, e.g. '\(folder)/master.wav'")
        }
        if AudioFileFormat(path: output) == nil {
            throw ValidationError("cannot write '\(output)': unknown extension; use one of \(AudioFileFormat.knownExtensions)")
        }
    }

    /// The master and the moves are written by rename, so `-o mix.wav` on `mix.wav` would succeed
    /// and the mix would be gone; the same goes for a reference or the emotion map.
    private func refuseToReplaceWhatIsRead() throws {
        var read: [(path: String, what: String)] = input == "demo" ? [] : [(input, "the input mix")]
        read += chain.references.map { ($0, "a reference") }
        if let map = chain.emotionMap { read.append((map, "the emotion map")) }
        let written = [(output, "the master")] + (moves.map { [($0, "the moves")] } ?? [])
        for (path, what) in written {
            if let same = read.first(where: { AtomicFile.isSameFile(path, $0.path) }) {
                throw CommandFailure("cannot write \(what) to '\(path)': it is \(same.what), which would be replaced; choose another name")
            }
        }
        if let moves, AtomicFile.isSameFile(moves, output) {
            throw CommandFailure("cannot write the moves to '\(moves)': it is where the master goes; choose another name")
        }
    }

    func run() throws {
        let progress = ProgressLine(label: "mastering \((output as NSString).lastPathComponent)")
        let result: OfflineMaster.Result
        do {
            // Everything that can be refused is refused before any work.
            try refuseToReplaceWhatIsRead()
            try AtomicFile.checkWritable(output)
            _ = try SoundFileWriter.format(of: output, encoding: bitDepth)
            if let moves { try AtomicFile.checkWritable(moves) }
            let job = try chain.job(input: input, outputPath: output, encoding: bitDepth)
            var engine = OfflineMaster()
            engine.progress = progress.update
            result = try engine.run(job)
            if let moves { try AtomicFile.write(Data(MovesCSV(result.moves).text.utf8), to: moves) }
        } catch {
            progress.clear()
            throw chain.failure(error)
        }
        progress.clear()
        StandardError.warnIfCutShort(result.inputEndedShort, name: input)
        StandardError.warnIfClipped(result.input.clipping, name: input)
        if let shortfall = result.shortfall {
            StandardError.say(shortfall)
        }
        if json {
            print(MasterReport(result: result).json())
        } else {
            StandardOutput.show(MasterReport(result: result).table(), terminator: "")
        }
    }
}
