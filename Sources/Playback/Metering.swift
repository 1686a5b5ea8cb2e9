import Analysis
import Glibc
import MasteringAI
import MasteringDSP
import Synchronization

/// What the meters read at one moment: everything a display or a summary needs.
public struct MeterSnapshot: Sendable {
    /// Increases with every publication: a display redraws only when it changed.
    public var sequence = 0
    public var playheadSeconds = 0.0
    public var durationSeconds = 0.0
    public var isPlaying = false
    public var isBypassed = false
    /// The A/B is on the reference (level-matched) rather than the master.
    public var isReferenceHeard = false
    public var isFinished = false
    public var section = 0
    public var loop: Range<Double>?

    // The processed output (the master), whatever is heard.
    public var momentaryLUFS = -Double.infinity
    public var shortTermLUFS = -Double.infinity
    public var integratedLUFS = -Double.infinity
    public var loudnessRangeLU = 0.0
    /// Highest true peak since the start, dBTP.
    public var truePeakDBTP = -Double.infinity
    /// Highest true peak over the last 3 s, dBTP (the meter's hold).
    public var recentTruePeakDBTP = -Double.infinity
    /// Deepest gain reduction since the last snapshot, dB (≤ 0).
    public var compressorReductionDB = 0.0
    public var limiterReductionDB = 0.0
    public var loudnessGainDB = 0.0
    /// Peak-to-RMS ratio of each 100 ms of the output, dB, oldest first (the last 10 s).
    public var crestHistoryDB: [Double] = []
    /// 1/3-octave levels (dBFS) of the output and of the input, 20 Hz upward.
    public var outputToneDB: [Double] = []
    public var inputToneDB: [Double] = []

    /// What was actually heard (the master, or the gain-matched original in bypass).
    public var heardIntegratedLUFS = -Double.infinity
    public var heardTruePeakDBTP = -Double.infinity
    public var playedSeconds = 0.0
    /// The bypass gain that matches the original's loudness to the master's, dB.
    public var matchGainDB = 0.0

    /// The sound server's buffer underruns, and the audio thread's (disk too slow).
    public var underruns = 0
    public var diskUnderruns = 0
    public var droppedMeterRecords = 0
    /// Time from the audio thread writing a frame to it being heard, ms (nil: no sound server).
    public var outputLatencyMilliseconds: Double?
    /// The AI moves met while playing, newest first.
    public var movesHeard: [AIMove] = []
    /// The file could not be read to the end.
    public var failure: String?
    /// The sound server went away while playing: nothing is heard or metered any more.
    public var outputLost: String?

    public init() {}
}

/// Momentary (400 ms) and short-term (3 s) loudness from the 100 ms sub-blocks BS.1770's
/// windows are made of: libebur128 gives each sub-block's energy once (a 100 ms sum) instead of
/// summing the whole 3 s window at every query, which at 30 queries a second cost more than
/// everything else the meters do.
struct WindowedLoudness {
    static let subBlocksPerShortTerm = 30
    private var energies = [Double](repeating: 0, count: subBlocksPerShortTerm)
    private var newest = -1

    mutating func add(subBlockEnergy energy: Double) {
        newest = (newest + 1) % Self.subBlocksPerShortTerm
        energies[newest] = energy
    }

    private func mean(last count: Int) -> Double {
        guard newest >= 0 else { return 0 }
        var sum = 0.0
        for back in 0..<count { sum += energies[(newest - back + Self.subBlocksPerShortTerm) % Self.subBlocksPerShortTerm] }
        return sum / Double(count)
    }

    var momentaryLUFS: Double { LoudnessMeter.lufs(ofEnergy: mean(last: 4)) }
    var shortTermLUFS: Double { LoudnessMeter.lufs(ofEnergy: mean(last: Self.subBlocksPerShortTerm)) }
}

/// The metering thread: takes the audio thread's records from their ring, measures them
/// (libebur128 for loudness; true peak with libebur128's interpolation filter through
/// `TruePeakInterpolator`, the same values at a fraction of libebur128's true-peak mode's cost;
/// FFTW for the tone curves), works out the bypass's matching gain and hands it back through
/// an atomic, and publishes snapshots.
final class MeterCollector: @unchecked Sendable {
    static let period = 1.0 / 30
    static let crestWindowSeconds = 0.1
    static let crestHistoryLength = 100
    static let movesKept = 64

    private let renderer: AudioRenderer
    private let sampleRate: Double
    /// 1 for a mono file (measured as one loudspeaker), else 2.
    private let meteredChannels: Int
    private let processed: LoudnessMeter
    private let dry: LoudnessMeter
    private let heard: LoudnessMeter
    private var processedPeaks = TruePeakInterpolator()
    /// The heard signal's true peak, measured only while the bypass is in the mix (otherwise
    /// what is heard is the master, whose true peak is measured already).
    private var heardPeaks = TruePeakInterpolator()
    private let outputTone: RunningToneCurve
    private let inputTone: RunningToneCurve
    private let interleaved: UnsafeMutablePointer<Float>
    private let published = Mutex(MeterSnapshot())
    /// The moves of the plan in force, and the latency the output reports: set by the engine.
    let context: Mutex<Context>
    struct Context {
        var moves: [AIMove]
        var sectionStarts: [Double]
        var latency: Double?
        var underruns = 0
        var outputLost: String?
        /// Moves made while playing (a new plan, the user's emotion), shown at the next round.
        var pending: [AIMove] = []
    }
    private let running = Atomic<Bool>(true)
    private var thread: NativeThread?

    private var snapshot = MeterSnapshot()
    private var processedWindows = WindowedLoudness()
    private var dryWindows = WindowedLoudness()
    /// Frames fed since the last 100 ms sub-block boundary.
    private var subBlockFill = 0
    private let subBlockFrames: Int
    private var crestPeak: Float = 0
    private var crestSquares = 0.0
    private var crestFrames = 0
    private var recentPeaks: [(time: Double, peak: Double)] = []
    private var lastSection = -1
    private var compressorHold: Float = 0
    private var limiterHold: Float = 0
    private var gainNow: Float = 0

    /// - Parameter monoSource: the file is mono. It plays on both loudspeakers, but its loudness is
    ///   measured as `analyze` and `master` measure a mono file, as one loudspeaker (the left
    ///   channel, which equals the right): otherwise every reading sat 3 dB over the master's own.
    init(renderer: AudioRenderer, durationSeconds: Double, moves: [AIMove], sectionStarts: [Double], initialMatchDB: Double,
         monoSource: Bool = false) throws {
        self.renderer = renderer
        sampleRate = renderer.sampleRate
        subBlockFrames = Int((renderer.sampleRate / 10).rounded())
        meteredChannels = monoSource ? 1 : 2
        let layout = SpeakerPosition.defaultLayout(channelCount: meteredChannels)
        processed = try LoudnessMeter(channelCount: meteredChannels, sampleRate: sampleRate, layout: layout, measures: [.loudness, .constantMemory])
        // The original is only compared over the last 3 s (its 100 ms energies); what was heard only integrated.
        dry = try LoudnessMeter(channelCount: meteredChannels, sampleRate: sampleRate, layout: layout, measures: [])
        heard = try LoudnessMeter(channelCount: meteredChannels, sampleRate: sampleRate, layout: layout, measures: [.integrated, .constantMemory])
        processedPeaks.prepare()
        heardPeaks.prepare()
        outputTone = RunningToneCurve(sampleRate: sampleRate)
        inputTone = RunningToneCurve(sampleRate: sampleRate)
        interleaved = .allocate(capacity: 2 * MeterFeed.maximumFrames)
        context = Mutex(Context(moves: moves, sectionStarts: sectionStarts))
        snapshot.durationSeconds = durationSeconds
        snapshot.matchGainDB = initialMatchDB
        renderer.status.matchGainBits.store(initialMatchDB.bitPattern, ordering: .relaxed)
    }

    deinit {
        interleaved.deallocate()
        processedPeaks.release(); heardPeaks.release()
    }

    func start() {
        thread = NativeThread(name: "loopmind-meter") { [unowned self] in
            while self.running.load(ordering: .acquiring) {
                let began = monotonicSeconds()
                self.collect()
                sleepSeconds(Self.period - (monotonicSeconds() - began))
            }
            self.collect()
        }
    }

    func stop() {
        running.store(false, ordering: .releasing)
        thread?.join()
        thread = nil
    }

    var latest: MeterSnapshot { published.withLock { $0 } }

    /// One round: drain the records, measure, publish.
    func collect() {
        while let old = renderer.retired.pop() { old.release() }
        while let old = renderer.retiredClips.pop() { old.release() }
        let status = renderer.status
        var records = 0
        compressorHold = 0; limiterHold = 0
        while let slot = renderer.meters.readableSlot() {
            measure(slot.header.pointee, slot.samples)
            renderer.meters.commitRead()
            records += 1
        }
        if records > 0 {
            snapshot.momentaryLUFS = processedWindows.momentaryLUFS
            snapshot.shortTermLUFS = processedWindows.shortTermLUFS
            snapshot.integratedLUFS = processed.integratedLUFS
            snapshot.loudnessRangeLU = processed.loudnessRangeLU
            snapshot.heardIntegratedLUFS = heard.integratedLUFS
            snapshot.compressorReductionDB = Double(compressorHold)
            snapshot.limiterReductionDB = Double(limiterHold)
            snapshot.loudnessGainDB = Double(gainNow)
            snapshot.outputToneDB = outputTone.bandsDB
            snapshot.inputToneDB = inputTone.bandsDB
            let now = snapshot.playedSeconds
            recentPeaks.removeAll { now - $0.time > 3 }
            snapshot.recentTruePeakDBTP = Decibels.fromAmplitude(recentPeaks.map(\.peak).max() ?? 0)
            // The bypass plays the original as loud as the master: the difference of their last 3 s.
            let master = processedWindows.shortTermLUFS
            let original = dryWindows.shortTermLUFS
            if master.isFinite && original.isFinite && original > -70 {
                snapshot.matchGainDB = min(max(master - original, -24), 24)
                status.matchGainBits.store(snapshot.matchGainDB.bitPattern, ordering: .relaxed)
            }
        }
        let context = self.context.withLock { context in
            let copy = context
            context.pending.removeAll()
            return copy
        }
        if !context.pending.isEmpty {
            snapshot.movesHeard.insert(contentsOf: context.pending.reversed(), at: 0)
            if snapshot.movesHeard.count > Self.movesKept { snapshot.movesHeard.removeLast(snapshot.movesHeard.count - Self.movesKept) }
        }
        snapshot.playheadSeconds = Double(renderer.playheadOrSeekFrame) / sampleRate
        snapshot.isPlaying = status.isPlaying.load(ordering: .relaxed)
        snapshot.isBypassed = status.isBypassed.load(ordering: .relaxed)
        snapshot.isReferenceHeard = status.isReferenceHeard.load(ordering: .relaxed)
        snapshot.isFinished = status.isFinished.load(ordering: .acquiring)
        snapshot.section = status.section.load(ordering: .relaxed)
        snapshot.diskUnderruns = status.diskUnderruns.load(ordering: .relaxed)
        snapshot.droppedMeterRecords = status.droppedMeterRecords.load(ordering: .relaxed)
        snapshot.underruns = context.underruns
        snapshot.outputLost = context.outputLost
        snapshot.outputLatencyMilliseconds = context.latency.map { $0 * 1000 }
        snapshot.loop = renderer.disk.loop.map { Double($0.lowerBound) / sampleRate..<Double($0.upperBound) / sampleRate }
        if status.failed.load(ordering: .relaxed) { snapshot.failure = renderer.disk.failure }
        snapshot.sequence += 1
        let copy = snapshot
        published.withLock { $0 = copy }
    }

    private func measure(_ header: MeterHeader, _ samples: UnsafeMutablePointer<Float>) {
        let count = header.frameCount
        guard count > 0 else { return }
        let (outLeft, outRight) = MeterFeed.processed(samples)
        let (dryLeft, dryRight) = MeterFeed.dry(samples)
        let (heardLeft, heardRight) = MeterFeed.heard(samples)
        // The loudness meters in pieces cut at the 100 ms sub-block boundaries.
        var offset = 0
        while offset < count {
            let piece = min(count - offset, subBlockFrames - subBlockFill)
            feed(processed, outLeft + offset, outRight + offset, piece)
            feed(dry, dryLeft + offset, dryRight + offset, piece)
            subBlockFill += piece
            offset += piece
            if subBlockFill == subBlockFrames {
                subBlockFill = 0
                processedWindows.add(subBlockEnergy: processed.lastSubBlockEnergy)
                dryWindows.add(subBlockEnergy: dry.lastSubBlockEnergy)
            }
        }
        feed(heard, heardLeft, heardRight, count)
        let peaks = processedPeaks.peak(left: outLeft, right: outRight, count: count)
        let peak = Double(max(peaks[0], peaks[1]))
        snapshot.truePeakDBTP = max(snapshot.truePeakDBTP, Decibels.fromAmplitude(peak))
        var heardPeak = peak
        if header.bypassMixing {
            let peaks = heardPeaks.peak(left: heardLeft, right: heardRight, count: count)
            heardPeak = Double(max(peaks[0], peaks[1]))
        }
        snapshot.heardTruePeakDBTP = max(snapshot.heardTruePeakDBTP, Decibels.fromAmplitude(heardPeak))
        outputTone.add(left: outLeft, right: outRight, count: count)
        inputTone.add(left: dryLeft, right: dryRight, count: count)
        snapshot.playedSeconds += Double(count) / sampleRate
        recentPeaks.append((snapshot.playedSeconds, peak))
        compressorHold = min(compressorHold, header.compressorReductionDB)
        limiterHold = min(limiterHold, header.limiterReductionDB)
        gainNow = header.loudnessGainDB

        // Crest factor per 100 ms of output.
        for index in 0..<count {
            let level = max(abs(outLeft[index]), abs(outRight[index]))
            crestPeak = max(crestPeak, level)
            crestSquares += Double(outLeft[index] * outLeft[index] + outRight[index] * outRight[index]) / 2
        }
        crestFrames += count
        if Double(crestFrames) >= Self.crestWindowSeconds * sampleRate {
            let rms = (crestSquares / Double(crestFrames)).squareRoot()
            snapshot.crestHistoryDB.append(rms > 1e-6 ? Decibels.fromAmplitude(Double(crestPeak) / rms) : 0)
            if snapshot.crestHistoryDB.count > Self.crestHistoryLength { snapshot.crestHistoryDB.removeFirst() }
            crestPeak = 0; crestSquares = 0; crestFrames = 0
        }

        // AI moves: entering a section (by playing into it or jumping) shows the moves that start it.
        if header.section != lastSection {
            let moves = context.withLock { $0 }
            let starts = moves.sectionStarts
            if header.section < starts.count {
                let start = starts[header.section]
                let end = header.section + 1 < starts.count ? starts[header.section + 1] : .infinity
                let entering = moves.moves.filter { $0.time >= start - 1e-6 && $0.time < end - 1e-6 }
                snapshot.movesHeard.insert(contentsOf: entering.reversed(), at: 0)
                if snapshot.movesHeard.count > Self.movesKept { snapshot.movesHeard.removeLast(snapshot.movesHeard.count - Self.movesKept) }
            }
            lastSection = header.section
        }
    }

    private func feed(_ meter: LoudnessMeter, _ left: UnsafeMutablePointer<Float>, _ right: UnsafeMutablePointer<Float>, _ count: Int) {
        if meteredChannels == 1 {
            try? meter.add(UnsafeBufferPointer(start: left, count: count))
            return
        }
        for index in 0..<count {
            interleaved[2 * index] = left[index]
            interleaved[2 * index + 1] = right[index]
        }
        try? meter.add(UnsafeBufferPointer(start: interleaved, count: 2 * count))
    }
}
