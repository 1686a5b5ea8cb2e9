import Glibc
import MasteringDSP

/// Measures a stream of audio block by block and reports, in memory that grows only by the
/// loudness of every 100 ms (8 bytes: 288 kB an hour).
///
/// Loudness is libebur128's K-weighted energy of every 100 ms (`LoudnessMeter`), gated into
/// integrated loudness and loudness range by `GatedLoudness`; true peak is libebur128's filter
/// (`TruePeakMeter`); band energies come from Linkwitz–Riley crossovers; the tone curve and
/// centroid from an FFTW power spectrum; correlation and width from the first two channels.
/// Momentary and short-term loudness are read every 100 ms for their maxima and the timeline.
public final class Analyzer {
    public struct Options: Sendable {
        /// Keep momentary and short-term loudness every 100 ms.
        public var timeline = false
        /// Keep the 100 ms feature track that sections and emotions are found from.
        public var features = false
        /// Keep every 100 ms sub-block's K-weighted energy (`AnalysisReport.subBlockLoudness`):
        /// the loudness of any stretch, such as a master's sections, without a second meter.
        public var subBlocks = false
        /// The file's integer width, for where clipping starts (`analyze` takes its source's).
        public var integerBits: Int?
        public init(timeline: Bool = false, features: Bool = false, subBlocks: Bool = false, integerBits: Int? = nil) {
            self.timeline = timeline
            self.features = features
            self.subBlocks = subBlocks
            self.integerBits = integerBits
        }
    }

    public let sampleRate: Double
    public let channelCount: Int
    private let options: Options

    private let loudness: LoudnessMeter
    /// Measures true peak in line with `add`; `nil` when the caller measures it on other threads.
    private let inlineTruePeak: TruePeakMeter?
    /// Mono and stereo: the mid/side meter (its sum is the channels' spectrum, and reference
    /// mastering reads its mid and side); more channels: the channel-averaged spectrum.
    private let midSide: ToneMatchMeter?
    private let spectrum: SpectrumAnalyzer?
    private let bandMeter: BandEnergyMeter
    private var stereoMeter: StereoMeter
    private let featureTracker: FeatureTracker?
    private var sumOfSquares = 0.0
    /// Each channel's sum of samples: its DC offset once divided by the frames.
    private var channelSums: [Double]
    private var samplePeak: Float = 0
    private var clips: ClipCounter
    private var frames = 0
    /// The 100 ms reading instants.
    private var grid: ReadingGrid
    private var momentaryMax = -Double.infinity
    private var shortTermMax = -Double.infinity
    private var timeline: [LoudnessPoint] = []
    /// K-weighted mean-square energy of every 100 ms sub-block so far (8 bytes each: 288 kB an
    /// hour). Momentary (400 ms) and short-term (3 s) loudness are means over the last 4 and 30:
    /// the same samples and weights libebur128 sums, without re-summing 3 s at every reading.
    private var subBlocks: [Double] = []

    /// - Parameter measuresTruePeak: `false` when the caller measures true peak itself
    ///   (see `AnalysisPipeline`) and passes it to `finish`.
    public init(sampleRate: Double, channelCount: Int, layout: [SpeakerPosition], options: Options = .init(),
                measuresTruePeak: Bool = true) throws {
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.options = options
        channelSums = Array(repeating: 0, count: channelCount)
        clips = ClipCounter(channelCount: channelCount, integerBits: options.integerBits)
        loudness = try LoudnessMeter(channelCount: channelCount, sampleRate: sampleRate, layout: layout, measures: .shortTermWindow)
        inlineTruePeak = measuresTruePeak
            ? try TruePeakMeter(channelCount: channelCount, sampleRate: sampleRate, layout: layout) : nil
        midSide = channelCount <= 2 ? ToneMatchMeter(sampleRate: sampleRate, channelCount: channelCount) : nil
        spectrum = channelCount <= 2 ? nil : SpectrumAnalyzer(sampleRate: sampleRate, channelCount: channelCount)
        bandMeter = BandEnergyMeter(sampleRate: sampleRate, channelCount: channelCount)
        stereoMeter = StereoMeter(channelCount: channelCount)
        grid = ReadingGrid(sampleRate: sampleRate, channelCount: channelCount)
        featureTracker = options.features ? FeatureTracker(sampleRate: sampleRate, channelCount: channelCount) : nil
    }

    /// Reads `source` to its end and reports, using both cores (see `AnalysisPipeline`).
    /// `progress` gets the fraction done when the length is known.
    public static func analyze<Source: AudioSource>(
        _ source: inout Source, options: Options = .init(), blockFrames: Int = 16384,
        progress: ((Double) -> Void)? = nil
    ) throws -> AnalysisReport {
        var options = options
        if options.integerBits == nil { options.integerBits = source.integerBits }
        return try AnalysisPipeline.run(&source, options: options, blockFrames: blockFrames, progress: progress)
    }

    /// Feeds interleaved frames.
    public func add(_ block: UnsafeBufferPointer<Float>) throws {
        try addToLoudnessLane(block)
        try inlineTruePeak?.add(preRoll: UnsafeBufferPointer(start: nil, count: 0), block: block)
        addToSpectralLane(block)
    }

    /// The loudness lane of `add`: libebur128, the 100 ms readings and the feature track.
    /// The two lanes share no state, so each may run on its own thread as long as each sees
    /// every block in order (`AnalysisPipeline`).
    func addToLoudnessLane(_ block: UnsafeBufferPointer<Float>) throws {
        // Split the block at 100 ms reading instants so loudness is read at the exact frames.
        try grid.split(block, part: { part in
            try loudness.add(part)
            featureTracker?.add(part)
        }, reading: takeReading)
    }

    /// The spectral lane of `add`: tone, bands, stereo, RMS, DC offset, sample peak and clipping.
    func addToSpectralLane(_ block: UnsafeBufferPointer<Float>) {
        let blockFrames = block.count / channelCount
        midSide?.add(block)
        spectrum?.add(block)
        bandMeter.add(block)
        stereoMeter.add(block)
        // Eight samples to a vector (a serial Float sum cannot be vectorised by the compiler).
        var squares8 = SIMD8<Float>(), peak8 = SIMD8<Float>(), sums8 = SIMD8<Float>()
        let whole = block.count / 8 * 8
        if let base = block.baseAddress {
            let raw = UnsafeRawPointer(base)
            for index in stride(from: 0, to: whole, by: 8) {
                let samples = raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
                squares8 += samples * samples
                sums8 += samples
                peak8 = lanewiseMax(peak8, lanewiseAbs(samples))
            }
        }
        var squares = squares8.sum(), blockPeak = peak8.max()
        for sample in block[whole...] {
            squares += sample * sample
            blockPeak = max(blockPeak, abs(sample))
        }
        sumOfSquares += Double(squares)
        clips.add(block, blockPeak: blockPeak)
        // A block starts on a frame, so when the channel count divides 8 (mono, stereo, quad,
        // 7.1) each lane holds one channel's samples; otherwise the channels rotate through the
        // lanes and the block is summed again sample by sample.
        if 8 % channelCount == 0 {
            for lane in 0..<8 { channelSums[lane % channelCount] += Double(sums8[lane]) }
            for index in whole..<block.count { channelSums[index % channelCount] += Double(block[index]) }
        } else {
            for index in block.indices { channelSums[index % channelCount] += Double(block[index]) }
        }
        samplePeak = max(samplePeak, blockPeak)
        frames += blockFrames
    }

    private func takeReading(at frame: Int) {
        let seconds = Double(frame) / sampleRate
        let subBlockEnergy = loudness.lastSubBlockEnergy
        subBlocks.append(subBlockEnergy)
        featureTracker?.closeFrame(loudnessEnergy: subBlockEnergy)
        // Newest first; before the first 3 s the windows are padded with silence, as libebur128's are.
        var momentaryEnergy = 0.0, shortTermEnergy = 0.0
        for (age, energy) in subBlocks.suffix(30).reversed().enumerated() {
            if age < 4 { momentaryEnergy += energy }
            shortTermEnergy += energy
        }
        let momentary = LoudnessMeter.lufs(ofEnergy: momentaryEnergy / 4)
        let shortTerm = LoudnessMeter.lufs(ofEnergy: shortTermEnergy / 30)
        // The windows count only once they are full: 400 ms and 3 s.
        if seconds >= 0.4 - 1e-9 { momentaryMax = max(momentaryMax, momentary) }
        if seconds >= 3 - 1e-9 { shortTermMax = max(shortTermMax, shortTerm) }
        if options.timeline {
            timeline.append(LoudnessPoint(seconds: seconds, momentaryLUFS: momentary, shortTermLUFS: shortTerm))
        }
    }


    /// The frames fed so far.
    public var framesAnalyzed: Int { frames }

    /// The report for everything fed so far. `truePeaks` (linear, per channel) come from the
    /// caller when this analyzer was made with `measuresTruePeak: false`.
    public func finish(truePeaks externalTruePeaks: [Double]? = nil) -> AnalysisReport {
        let duration = Double(frames) / sampleRate
        // Sources shorter than a window still get a reading of their (zero-padded) window.
        if duration < 0.4 { momentaryMax = max(momentaryMax, loudness.momentaryLUFS) }
        if duration < 3 { shortTermMax = max(shortTermMax, loudness.shortTermLUFS) }

        let linearTruePeaks = externalTruePeaks ?? inlineTruePeak?.peaks ?? Array(repeating: 0, count: channelCount)
        let truePeaks = linearTruePeaks.map { Decibels.fromAmplitude($0) }
        let samplePeakDB = Decibels.fromAmplitude(Double(samplePeak))
        let rmsDB = Decibels.fromPower(sumOfSquares / Double(max(1, frames * channelCount)))
        let crest = samplePeakDB.isFinite && rmsDB.isFinite ? samplePeakDB - rmsDB : 0
        let integrated = GatedLoudness.integrated(subBlocks)
        return AnalysisReport(
            sampleRate: sampleRate,
            channelCount: channelCount,
            durationSeconds: duration,
            integratedLUFS: integrated,
            loudnessRangeLU: GatedLoudness.range(subBlocks),
            momentaryMaxLUFS: momentaryMax,
            shortTermMaxLUFS: shortTermMax,
            truePeakDBTP: truePeaks.max() ?? -.infinity,
            truePeakPerChannelDBTP: truePeaks,
            samplePeakDBFS: samplePeakDB,
            rmsDBFS: rmsDB,
            crestFactorDB: crest,
            dcOffsetPerChannel: channelSums.map { $0 / Double(max(1, frames)) },
            clipping: clips.total,
            spectralCentroidHz: midSide?.spectralCentroidHz() ?? spectrum!.spectralCentroidHz(),
            bands: bandMeter.result(),
            toneCurve: midSide?.toneCurve() ?? spectrum!.toneCurve(),
            stereo: stereoMeter.result(),
            timeline: options.timeline ? timeline : nil,
            features: featureTracker?.finish(),
            midSideTone: midSide?.finish(),
            subBlockLoudness: options.subBlocks ? SubBlockLoudness(energies: subBlocks, integratedLUFS: integrated) : nil)
    }
}
