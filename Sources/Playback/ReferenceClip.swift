import Analysis
import AudioIO
import MasteringDSP

/// The reference's audio for A/B in the console: its loudest stretch (up to 30 s, the part a
/// mastering engineer compares against: the chorus, the drop), as stereo at the session's
/// rate, with the gain that brings its loudness to the master's target.
///
/// Loaded on a control thread (it reads the file twice, resamples, allocates); the audio
/// thread only reads the samples and loops over them. A class so that the audio thread can
/// hold it through the command queue without copying; freed by the control side.
public final class ReferenceClip: @unchecked Sendable {
    public static let maximumSeconds = 30.0

    public let name: String
    public let frameCount: Int
    /// Integrated loudness of the clip itself (BS.1770, libebur128).
    public let loudnessLUFS: Double
    /// Gain that brings the clip to the master's loudness as heard, dB.
    public let gainDB: Double
    /// Where the clip starts in the file, seconds.
    public let startSeconds: Double
    let left: UnsafeMutablePointer<Float>
    let right: UnsafeMutablePointer<Float>
    let gain: Float

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    /// Reads `path`, finds its loudest `maximumSeconds` (by 1 s short-term loudness) and keeps
    /// them at `sampleRate` (resampled with libsoxr when the file's rate differs), level-matched
    /// to `matchedLUFS` (the master's loudness target) as heard: a mono master (`masterChannels`
    /// 1) is measured as one loudspeaker but plays on two, 3 dB louder, and the clip is matched to
    /// that, or A/B would drop 3 dB on the way to the reference.
    public init(path: String, name: String, sampleRate: Double, matchedLUFS: Double, masterChannels: Int = 2) throws {
        self.name = name
        let reader = try SoundFileReader(path: path)
        let channels = reader.channelCount
        guard channels == 1 || channels == 2 else {
            throw Failure(description: "cannot play reference '\(name)': \(channels) channels (mono or stereo only)")
        }
        // 1. Loudness per second (short-term windows read at 1 s steps) to find the loudest stretch.
        let meter = try LoudnessMeter(channelCount: channels, sampleRate: reader.sampleRate,
                                      layout: SpeakerPosition.defaultLayout(channelCount: channels), measures: [.loudness])
        let secondFrames = Int(reader.sampleRate)
        var buffer = [Float](repeating: 0, count: secondFrames * channels)
        var perSecond: [Double] = []
        while true {
            let frames = try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0) }
            guard frames > 0 else { break }
            try buffer.withUnsafeBufferPointer { try meter.add(UnsafeBufferPointer(rebasing: $0[0..<frames * channels])) }
            perSecond.append(LoudnessMeter.energy(ofLUFS: meter.loudnessLUFS(lastMilliseconds: 1000)))
        }
        guard !perSecond.isEmpty else { throw Failure(description: "cannot play reference '\(name)': it has no audio") }
        let span = min(perSecond.count, Int(Self.maximumSeconds))
        var best = 0, bestEnergy = -1.0, running = perSecond[0..<span].reduce(0, +)
        for start in 0...(perSecond.count - span) {
            if start > 0 { running += perSecond[start + span - 1] - perSecond[start - 1] }
            if running > bestEnergy { bestEnergy = running; best = start }
        }
        startSeconds = Double(best)
        // 2. That stretch, as stereo at the session's rate.
        try reader.seek(toFrame: best * secondFrames)
        var stereo: [Float] = []
        stereo.reserveCapacity(Int(Double(span) * sampleRate * 2.1))
        let resampler = reader.sampleRate == sampleRate ? nil : try Resampler(from: reader.sampleRate, to: sampleRate, channelCount: 2)
        func keep(_ frames: UnsafeBufferPointer<Float>) { stereo.append(contentsOf: frames) }
        var remaining = span * secondFrames
        var pair = [Float](repeating: 0, count: secondFrames * 2)
        while remaining > 0 {
            let wanted = min(remaining, secondFrames)
            let frames = try buffer.withUnsafeMutableBufferPointer { try reader.read(into: UnsafeMutableBufferPointer(rebasing: $0[0..<wanted * channels])) }
            guard frames > 0 else { break }
            for frame in 0..<frames {
                pair[2 * frame] = buffer[frame * channels]
                pair[2 * frame + 1] = buffer[frame * channels + channels - 1]
            }
            if let resampler {
                try pair.withUnsafeBufferPointer { try resampler.process(UnsafeBufferPointer(rebasing: $0[0..<2 * frames]), sink: keep) }
            } else {
                pair.withUnsafeBufferPointer { keep(UnsafeBufferPointer(rebasing: $0[0..<2 * frames])) }
            }
            remaining -= frames
        }
        try resampler?.flush(sink: keep)
        frameCount = stereo.count / 2
        guard frameCount > 0 else { throw Failure(description: "cannot play reference '\(name)': it has no audio") }
        // 3. Its loudness as it will be heard (stereo, at this rate), and the matching gain.
        let clipMeter = try LoudnessMeter(channelCount: 2, sampleRate: sampleRate, layout: [.left, .right], measures: [.loudness])
        try stereo.withUnsafeBufferPointer { try clipMeter.add($0) }
        loudnessLUFS = clipMeter.integratedLUFS
        guard loudnessLUFS.isFinite, loudnessLUFS > -70 else { throw Failure(description: "cannot play reference '\(name)': it is silent") }
        let masterHeardLUFS = matchedLUFS + (masterChannels == 1 ? Decibels.fromPower(2) : 0)
        gainDB = min(max(masterHeardLUFS - loudnessLUFS, -40), 40)
        gain = Float(Decibels.toAmplitude(gainDB))
        left = .allocate(capacity: frameCount)
        right = .allocate(capacity: frameCount)
        for frame in 0..<frameCount {
            left[frame] = stereo[2 * frame]
            right[frame] = stereo[2 * frame + 1]
        }
    }

    deinit { left.deallocate(); right.deallocate() }
}
