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

    @Option(help: "powerful, calm, dreamy, dark, bright or auto.")
    var emotion: String = "auto"

    @Option(help: "How strongly the emotion shapes the master, 0…1.")
    var intensity: Double?

    @Option(help: "Integrated loudness target, LUFS (overrides the emotion's).")
    var target: Double?

    @Option(help: "A platform's target and ceiling: \(Platform.allCases.map(\.rawValue).joined(separator: ", ")).")
    var platform: String?

    @Option(help: "True-peak ceiling, dBTP (default -1, or the platform's).")
    var ceiling: Double?

    @Option(name: .customLong("bit-depth"), help: "16, 24 or 32f for wav, aiff and flac (default 24).")
    var bitDepth: SampleEncoding?

    @Option(name: .customLong("emotion-map"),
            help: "A JSON emotion map {\"sections\":[{\"start\":0,\"emotion\":\"calm\",\"intensity\":0.4}, …]}; wins over --emotion.")
    var emotionMap: String?

    @Option(help: "Seconds over which settings crossfade at each section boundary.")
    var transition: Double = 2

    @Option(help: "Also write the AI moves timeline as CSV (time_s, parameter, from, to, reason).")
    var moves: String?

    @Option(help: "The style profile to apply: a name (default 'default') or a path.")
    var profile: String?

    @Flag(name: .customLong("no-style"), help: "Do not apply the learned style.")
    var noStyle = false

    @Flag(help: "Print the input analysis, emotion graph, settings, AI moves and output analysis as JSON.")
    var json = false

    func validate() throws {
        if let intensity, !(0...1).contains(intensity) {
            throw ValidationError("--intensity must be between 0 and 1 (got \(intensity))")
        }
        if emotion != "auto" && Emotion(rawValue: emotion) == nil {
            throw ValidationError("unknown emotion '\(emotion)'; use \(Emotion.allCases.map(\.rawValue).joined(separator: ", ")) or auto")
        }
        if let platform, Platform(rawValue: platform) == nil {
            throw ValidationError("unknown platform '\(platform)'; use \(Platform.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if target != nil && platform != nil {
            throw ValidationError("give --target or --platform, not both")
        }
        if let target, !(target <= 0 && target >= -40) {
            throw ValidationError("--target must be between -40 and 0 LUFS (got \(target))")
        }
        if let ceiling, !(ceiling <= 0 && ceiling >= -6) {
            throw ValidationError("--ceiling must be between -6 and 0 dBTP (got \(ceiling))")
        }
        if profile != nil && noStyle {
            throw ValidationError("give --profile or --no-style, not both")
        }
        if !(transition >= 0 && transition <= 30) {
            throw ValidationError("--transition must be between 0 and 30 seconds (got \(transition))")
        }
        if AudioFileFormat(path: output) == nil {
            throw ValidationError("cannot write '\(output)': unknown extension; use one of \(AudioFileFormat.knownExtensions)")
        }
    }

    func run() throws {
        let inputPath = input
        let openSource: () throws -> any AudioSource = {
            inputPath == "demo" ? DemoSongSource() : try SoundFileReader(path: inputPath)
        }
        let platformChoice = platform.flatMap(Platform.init(rawValue:))
        let progress = ProgressLine(label: "mastering \((output as NSString).lastPathComponent)")
        let result: OfflineMaster.Result
        do {
            // Everything that can be refused is refused before any work.
            if let moves { try AtomicFile.checkWritable(moves) }
            let choice: OfflineMaster.EmotionChoice
            if let emotionMap {
                choice = .map(try Self.readMap(emotionMap))
            } else if let named = Emotion(rawValue: emotion) {
                choice = .whole(named, intensity: intensity)
            } else {
                choice = .auto(intensity: intensity)
            }
            // The learned style: read once; a bad profile is kept aside with a warning.
            var style: StyleProfile?
            if !noStyle {
                let store = try StyleStore(profile: profile) { warning in
                    FileHandle.standardError.write(Data("loopmind: warning: \(warning)\n".utf8))
                }
                style = try store.load()
            }
            var engine = OfflineMaster()
            engine.progress = progress.update
            let job = OfflineMaster.Job(openSource: openSource, inputName: input, outputPath: output, emotions: choice,
                                        targetLUFS: target ?? platformChoice?.targetLUFS,
                                        ceilingDBTP: ceiling ?? platformChoice?.ceilingDBTP ?? -1,
                                        style: { emotion in style?.offsets(for: emotion) ?? StyleOffsets() },
                                        encoding: bitDepth, transitionSeconds: transition)
            result = try engine.run(job)
            if let moves { try AtomicFile.write(Data(MovesCSV(result.moves).text.utf8), to: moves) }
        } catch let error as EmotionGraph.MapError {
            progress.clear()
            throw CommandFailure("bad emotion map '\(emotionMap ?? "")': \(error.description)")
        } catch {
            progress.clear()
            throw CommandFailure(error)
        }
        progress.clear()
        if let shortfall = result.shortfall {
            FileHandle.standardError.write(Data("loopmind: \(shortfall)\n".utf8))
        }
        if json {
            print(MasterReport(result: result).json())
        } else {
            print(MasterReport(result: result).table(), terminator: "")
        }
    }

    /// Reads and validates an emotion map (untrusted: size-limited, every field checked);
    /// a `MapError` is reported by `run` with the map's name.
    static func readMap(_ path: String) throws -> EmotionGraph {
        let data = try AtomicFile.read(path, limit: 1 << 20, kind: "an emotion map")
        return try EmotionGraph.parseMap(data)
    }
}
