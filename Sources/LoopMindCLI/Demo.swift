import ArgumentParser
import AudioIO
import DemoSong
import Foundation
import MasteringDSP

/// `loopmind demo -o FILE`
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the built-in demo song.",
        discussion: """
        An 80-second synthesized song (stereo, 44.1 kHz) in five sections, one per emotion: calm intro, \
        powerful chorus, dreamy bridge, dark verse, bright outro. It is the same every time. The format \
        comes from the extension (wav, aiff, flac, ogg, opus, mp3); the file appears only when complete.
        """
    )

    @Option(name: [.short, .customLong("output")], help: "Where to write the song.")
    var output: String

    @Option(name: .customLong("bit-depth"), help: "Sample format for wav, aiff and flac: 16, 24 or 32f (default 24).")
    var bitDepth: SampleEncoding?

    func run() throws {
        let progress = ProgressLine(label: "writing \((output as NSString).lastPathComponent)")
        defer { progress.clear() }
        do {
            try Self.write(to: output, encoding: bitDepth, progress: progress.update)
        } catch {
            throw CommandFailure(error)
        }
    }

    /// Synthesizes the song into a file (atomically: it appears only when complete), telling
    /// `progress` the share written (about two seconds' work).
    static func write(to path: String, encoding: SampleEncoding?, progress: ((Double) -> Void)? = nil) throws {
        let song = DemoSongSource()
        let total = Double(max(song.frameCount ?? 1, 1))
        var done = 0
        let writer = try SoundFileWriter(path: path, sampleRate: Int(song.sampleRate),
                                         channelCount: song.channelCount, encoding: encoding)
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096 * song.channelCount)
        defer { buffer.deallocate() }
        while true {
            let frames = try song.read(into: buffer)
            if frames == 0 { break }
            try writer.write(UnsafeBufferPointer(rebasing: buffer[0..<frames * song.channelCount]))
            done += frames
            progress?(min(Double(done) / total, 1))
        }
        try writer.commit()
    }
}

extension SampleEncoding: ExpressibleByArgument {}
