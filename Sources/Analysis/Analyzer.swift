import MasteringDSP

/// Measures a stream of audio block by block, in constant memory, and reports.
///
/// Loudness, loudness range and peaks come from libebur128 (`LoudnessMeter`); band
/// energies from Linkwitz–Riley crossovers; the tone curve and centroid from a
/// KissFFT power spectrum; correlation and width from the first two channels.
/// Momentary and short-term loudness are read every 100 ms for their maxima and the timeline.
public final class Analyzer {
    public struct Options: Sendable {
        /// Keep momentary and short-term loudness every 100 ms.
        public var timeline = false
        public init(timeline: Bool = false) { self.timeline = timeline }
    }

    public let sampleRate: Double
    public let channelCount: Int
    private let options: Options

    private let loudness: LoudnessMeter
    private let spectrum: SpectrumAnalyzer
    private let bandMeter: BandEnergyMeter
    private var stereoMeter: StereoMeter
    private var sumOfSquares = 0.0
    private var frames = 0
    /// Index of the next 100 ms reading; its frame is round(index · rate / 10).
    private var nextReading = 1
    private var momentaryMax = -Double.infinity
    private var shortTermMax = -Double.infinity
    private var timeline: [LoudnessPoint] = []

    public init(sampleRate: Double, channelCount: Int, layout: [SpeakerPosition], options: Options = .init()) throws {
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.options = options
        loudness = try LoudnessMeter(channelCount: channelCount, sampleRate: sampleRate, layout: layout)
        spectrum = SpectrumAnalyzer(sampleRate: sampleRate, channelCount: channelCount)
        bandMeter = BandEnergyMeter(sampleRate: sampleRate, channelCount: channelCount)
        stereoMeter = StereoMeter(channelCount: channelCount)
    }

    /// Reads `source` to its end and reports. `progress` gets the fraction done (when the length is known).
    public static func analyze<Source: AudioSource>(
        _ source: inout Source, options: Options = .init(), blockFrames: Int = 8192,
        progress: ((Double) -> Void)? = nil
    ) throws -> AnalysisReport {
        let analyzer = try Analyzer(sampleRate: source.sampleRate, channelCount: source.channelCount,
                                    layout: source.effectiveChannelLayout, options: options)
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockFrames * source.channelCount)
        defer { buffer.deallocate() }
        let total = source.frameCount
        while true {
            let count = try source.read(into: buffer)
            if count == 0 { break }
            try analyzer.add(UnsafeBufferPointer(rebasing: buffer[0..<count * source.channelCount]))
            if let progress, let total, total > 0 { progress(min(1, Double(analyzer.frames) / Double(total))) }
        }
        return analyzer.finish()
    }

    /// Feeds interleaved frames.
    public func add(_ block: UnsafeBufferPointer<Float>) throws {
        let blockFrames = block.count / channelCount
        // Split the block at 100 ms reading instants so loudness is read at the exact frames.
        var offset = 0
        while offset < blockFrames {
            let readingFrame = Int((Double(nextReading) * sampleRate / 10).rounded())
            let take = min(blockFrames - offset, readingFrame - (frames + offset))
            let part = UnsafeBufferPointer(rebasing: block[(offset * channelCount)..<((offset + take) * channelCount)])
            try loudness.add(part)
            offset += take
            if frames + offset == readingFrame {
                takeReading(at: readingFrame)
            }
        }
        spectrum.add(block)
        bandMeter.add(block)
        stereoMeter.add(block)
        var squares: Float = 0
        for sample in block { squares += sample * sample }
        sumOfSquares += Double(squares)
        frames += blockFrames
    }

    private func takeReading(at frame: Int) {
        let seconds = Double(frame) / sampleRate
        let momentary = loudness.momentaryLUFS
        let shortTerm = loudness.shortTermLUFS
        // The windows count only once they are full: 400 ms and 3 s.
        if seconds >= 0.4 - 1e-9 { momentaryMax = max(momentaryMax, momentary) }
        if seconds >= 3 - 1e-9 { shortTermMax = max(shortTermMax, shortTerm) }
        if options.timeline {
            timeline.append(LoudnessPoint(seconds: seconds, momentaryLUFS: momentary, shortTermLUFS: shortTerm))
        }
        nextReading += 1
    }

    /// The report for everything fed so far.
    public func finish() -> AnalysisReport {
        let duration = Double(frames) / sampleRate
        // Sources shorter than a window still get a reading of their (zero-padded) window.
        if duration < 0.4 { momentaryMax = max(momentaryMax, loudness.momentaryLUFS) }
        if duration < 3 { shortTermMax = max(shortTermMax, loudness.shortTermLUFS) }

        let truePeaks = (0..<channelCount).map { Decibels.fromAmplitude(loudness.truePeak(channel: $0)) }
        let samplePeak = (0..<channelCount).map { loudness.samplePeak(channel: $0) }.max() ?? 0
        let samplePeakDB = Decibels.fromAmplitude(samplePeak)
        let rmsDB = Decibels.fromPower(sumOfSquares / Double(max(1, frames * channelCount)))
        let crest = samplePeakDB.isFinite && rmsDB.isFinite ? samplePeakDB - rmsDB : 0
        return AnalysisReport(
            sampleRate: sampleRate,
            channelCount: channelCount,
            durationSeconds: duration,
            integratedLUFS: loudness.integratedLUFS,
            loudnessRangeLU: loudness.loudnessRangeLU,
            momentaryMaxLUFS: momentaryMax,
            shortTermMaxLUFS: shortTermMax,
            truePeakDBTP: truePeaks.max() ?? -.infinity,
            truePeakPerChannelDBTP: truePeaks,
            samplePeakDBFS: samplePeakDB,
            rmsDBFS: rmsDB,
            crestFactorDB: crest,
            spectralCentroidHz: spectrum.spectralCentroidHz(),
            bands: bandMeter.result(),
            toneCurve: spectrum.toneCurve(),
            stereo: stereoMeter.result(),
            timeline: options.timeline ? timeline : nil)
    }
}
