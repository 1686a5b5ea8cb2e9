import Analysis
import AudioIO
import MasteringAI
import MasteringDSP

/// Learns a `ReferenceTarget` from reference files: one read of each (loudness, true peak and
/// LRA with libebur128; mid/side tone and crest with `ToneMatchMeter`), then their average.
///
/// References are untrusted input like any other file: unreadable, empty, silent, too short
/// or more-than-stereo files are refused with one line naming the file. A reference may have
/// any sample rate and be mono or stereo: what is learned is per band in Hz, relative to loudness.
public enum ReferenceLearner {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Shorter than this, a reference says little about a long-term tone.
    public static let minimumSeconds = 3.0

    /// `cutShort` hears of each lossy reference that ended well before the length its header
    /// announced (a cut download, say): it is learned from the audio it holds, and the person
    /// should know that may not be the whole master.
    public static func learn(paths: [String], cutShort: (String, ShortEnding) -> Void = { _, _ in }) throws -> ReferenceTarget {
        precondition(!paths.isEmpty, "at least one reference")
        return ReferenceTarget.average(try paths.map { try learn(path: $0, cutShort: cutShort) })
    }

    public static func learn(path: String, cutShort: (String, ShortEnding) -> Void = { _, _ in }) throws -> ReferenceTarget {
        var reader = try SoundFileReader(path: path)
        let target = try learn(&reader, name: path)
        if let ending = reader.endedShort { cutShort(path, ending) }
        return target
    }

    public static func learn(_ source: inout some AudioSource, name: String) throws -> ReferenceTarget {
        let channels = source.channelCount
        guard channels == 1 || channels == 2 else {
            throw Failure(description: "cannot use reference '\(name)': LoopMind learns from mono and stereo files; this one has \(channels) channels")
        }
        // Loudness and LRA from libebur128's 100 ms energies, tone and crest from the mid/side
        // meter: nothing more (no true peak, no features), so learning a reference costs about one read.
        let loudness = try LoudnessTimeline(channelCount: channels, sampleRate: source.sampleRate,
                                            layout: SpeakerPosition.defaultLayout(channelCount: channels))
        let tone = ToneMatchMeter(sampleRate: source.sampleRate, channelCount: channels)
        let frames = 16384
        var total = 0
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: frames * channels)
        defer { buffer.deallocate() }
        while true {
            let count = try source.read(into: buffer)
            if count == 0 { break }
            let block = UnsafeBufferPointer(rebasing: buffer[0..<count * channels])
            try loudness.add(block)
            tone.add(block)
            total += count
        }
        let seconds = Double(total) / source.sampleRate
        guard seconds >= minimumSeconds else {
            throw Failure(description: String(format: "cannot use reference '%@': it is %.1f s long; a reference needs at least %.0f s", name,
                                              seconds, minimumSeconds))
        }
        let integrated = loudness.integratedLUFS
        guard integrated.isFinite else {
            throw Failure(description: "cannot use reference '\(name)': it is silent (no loudness to learn)")
        }
        return ReferenceTarget(name: displayName(name), durationSeconds: seconds, sampleRate: source.sampleRate, channels: channels,
                               integratedLUFS: integrated, loudnessRangeLU: loudness.loudnessRangeLU, tone: tone.finish())
    }

    /// The file's own name, without its folders (what moves and profiles show).
    static func displayName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
