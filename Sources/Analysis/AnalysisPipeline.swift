import Foundation
import MasteringDSP

/// Analysis on two worker threads while the calling thread reads the source.
///
/// A true peak is a maximum: blocks can be measured in any order, on any thread
/// (`TruePeakMeter`, with a pre-roll of the frames before the block). Everything else must
/// see the blocks in order, in two ordered lanes that share no state: loudness (libebur128,
/// the 100 ms readings, the feature track) and spectral (tone, bands, stereo, RMS). Each
/// worker takes the next block of a lane that is free, the loudness lane first (the
/// longest), and a true-peak block otherwise, which keeps both cores busy whatever the mix.
/// A fixed ring of block buffers bounds memory: the reader waits for a free one.
final class AnalysisPipeline: @unchecked Sendable {
    // `@unchecked Sendable`: every `var` below is guarded by `condition`'s lock. The
    // buffers are not: a buffer is written only by the reader while no job holds it,
    // and read by jobs only after the reader has published it under the lock.

    private struct BlockState {
        var preRollFrames = 0
        var frames = 0
        var lanesDone: InlineArray<2, Bool> = [true, true]
        var truePeakDone = true
        var isFree: Bool { lanesDone[0] && lanesDone[1] && truePeakDone }
    }

    /// The ordered lanes, in the order workers prefer them.
    private enum Lane: Int, CaseIterable { case loudness, spectral }
    private enum Job { case lane(Lane, Int), truePeak(Int) }

    private let channelCount: Int
    private let blockFrames: Int
    private let analyzer: Analyzer
    private let makeTruePeakMeter: () throws -> TruePeakMeter
    /// Pre-roll frames then block frames, interleaved; one per ring position.
    private let buffers: [UnsafeMutablePointer<Float>]

    private let condition = NSCondition()
    private var states: [BlockState]
    private var blocksRead = 0
    private var nextInLane = [0, 0]
    private var nextTruePeak = 0
    private var laneBusy = [false, false]
    private var endOfInput = false
    private var failure: (any Error)?
    private var truePeaks: [Double]
    private let finished = DispatchGroup()

    /// Starts the two workers; blocks come from `run`'s source or from `add`, and `finish` ends them.
    init(sampleRate: Double, channelCount: Int, layout: [SpeakerPosition], options: Analyzer.Options,
         blockFrames: Int, ringSize: Int = 6) throws {
        self.channelCount = channelCount
        self.blockFrames = blockFrames
        analyzer = try Analyzer(sampleRate: sampleRate, channelCount: channelCount, layout: layout, options: options,
                                measuresTruePeak: false)
        makeTruePeakMeter = { try TruePeakMeter(channelCount: channelCount, sampleRate: sampleRate, layout: layout) }
        let capacity = (TruePeakMeter.preRollFrames + blockFrames) * channelCount
        buffers = (0..<ringSize).map { _ in .allocate(capacity: capacity) }
        states = Array(repeating: BlockState(), count: ringSize)
        truePeaks = Array(repeating: 0, count: channelCount)
        tail = Array(repeating: 0, count: TruePeakMeter.preRollFrames * channelCount)
        for _ in 0..<2 {
            finished.enter()
            Thread { [self] in work(); finished.leave() }.start()
        }
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }

    static func run<Source: AudioSource>(_ source: inout Source, options: Analyzer.Options, blockFrames: Int,
                                         progress: ((Double) -> Void)?) throws -> AnalysisReport {
        let pipeline = try AnalysisPipeline(sampleRate: source.sampleRate, channelCount: source.channelCount,
                                            layout: source.effectiveChannelLayout, options: options,
                                            blockFrames: max(1, blockFrames))
        do {
            try pipeline.read(&source, progress: progress)
        } catch {
            pipeline.fail(error)
        }
        return try pipeline.finish()
    }

    /// Waits for the workers to measure every block published, and reports.
    func finish() throws -> AnalysisReport {
        if let filling {
            if filling.frames > 0 { publish(frames: filling.frames) }
            self.filling = nil
        }
        finishInput()
        finished.wait()
        if let failure { throw failure }
        return analyzer.finish(truePeaks: truePeaks)
    }

    // MARK: - Feeding (the calling thread)

    /// The last frames published, kept for the next block's pre-roll.
    private var tail: [Float] = []
    private var tailFrames = 0
    /// The block `add` is filling: its body, and the frames in it so far.
    private var filling: (body: UnsafeMutablePointer<Float>, frames: Int)?

    /// Waits for the next ring buffer to be free, puts the pre-roll in it, and returns where its
    /// block's `blockFrames` frames go; nil once a worker has failed.
    private func nextBody() -> UnsafeMutablePointer<Float>? {
        let position = blocksRead % buffers.count
        condition.lock()
        while !states[position].isFree && failure == nil { condition.wait() }
        let stop = failure != nil
        condition.unlock()
        if stop { return nil }
        let buffer = buffers[position]
        tail.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: tailFrames * channelCount) }
        return buffer + tailFrames * channelCount
    }

    /// Hands the block `nextBody` gave, now holding `frames` frames, to the workers.
    private func publish(frames: Int) {
        let position = blocksRead % buffers.count
        condition.lock()
        states[position] = BlockState(preRollFrames: tailFrames, frames: frames, lanesDone: [false, false], truePeakDone: false)
        blocksRead += 1
        condition.broadcast()
        condition.unlock()
        // Keep the newest `preRollFrames` frames of (old tail + this block).
        let channels = channelCount
        let available = tailFrames + frames
        let keep = min(TruePeakMeter.preRollFrames, available)
        let start = buffers[position] + (available - keep) * channels
        tail.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: start, count: keep * channels) }
        tailFrames = keep
    }

    private func read<Source: AudioSource>(_ source: inout Source, progress: ((Double) -> Void)?) throws {
        var framesRead = 0
        let total = source.frameCount
        while true {
            guard let body = nextBody() else { return }
            let frames = try source.read(into: UnsafeMutableBufferPointer(start: body, count: blockFrames * channelCount))
            if frames == 0 { return }
            framesRead += frames
            publish(frames: frames)
            if let progress, let total, total > 0 { progress(min(1, Double(framesRead) / Double(total))) }
        }
    }

    /// Measures `interleaved` (whole frames) after everything added before it: copied into the
    /// ring, a block at a time, so the caller may reuse it at once. Throws a worker's failure.
    func add(_ interleaved: UnsafeBufferPointer<Float>) throws {
        let channels = channelCount
        var offset = 0
        while offset < interleaved.count {
            if filling == nil {
                guard let body = nextBody() else { break }
                filling = (body, 0)
            }
            let frames = min(blockFrames - filling!.frames, (interleaved.count - offset) / channels)
            (filling!.body + filling!.frames * channels).update(from: interleaved.baseAddress! + offset, count: frames * channels)
            filling!.frames += frames
            offset += frames * channels
            if filling!.frames == blockFrames {
                publish(frames: blockFrames)
                filling = nil
            }
        }
        condition.lock()
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
    }

    private func finishInput() {
        condition.lock()
        endOfInput = true
        condition.broadcast()
        condition.unlock()
    }

    private func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    // MARK: - Working (two threads)

    private func work() {
        var meter: TruePeakMeter?
        condition.lock()
        while failure == nil {
            var job: Job?
            for lane in Lane.allCases where !laneBusy[lane.rawValue] && nextInLane[lane.rawValue] < blocksRead {
                job = .lane(lane, nextInLane[lane.rawValue])
                nextInLane[lane.rawValue] += 1
                laneBusy[lane.rawValue] = true
                break
            }
            if job == nil && nextTruePeak < blocksRead {
                job = .truePeak(nextTruePeak)
                nextTruePeak += 1
            }
            guard let job else {
                if endOfInput && nextInLane.allSatisfy({ $0 == blocksRead }) && nextTruePeak == blocksRead { break }
                condition.wait()
                continue
            }
            let index: Int
            switch job { case .lane(_, let i), .truePeak(let i): index = i }
            let position = index % buffers.count
            let state = states[position]
            condition.unlock()

            let buffer = buffers[position]
            let preRoll = UnsafeBufferPointer(start: buffer, count: state.preRollFrames * channelCount)
            let block = UnsafeBufferPointer(start: buffer + state.preRollFrames * channelCount,
                                            count: state.frames * channelCount)
            do {
                switch job {
                case .lane(.loudness, _):
                    try analyzer.addToLoudnessLane(block)
                case .lane(.spectral, _):
                    analyzer.addToSpectralLane(block)
                case .truePeak:
                    if meter == nil { meter = try makeTruePeakMeter() }
                    try meter!.add(preRoll: preRoll, block: block)
                }
            } catch {
                fail(error)
            }

            condition.lock()
            switch job {
            case .lane(let lane, _):
                states[position].lanesDone[lane.rawValue] = true
                laneBusy[lane.rawValue] = false
            case .truePeak:
                states[position].truePeakDone = true
            }
            condition.broadcast()
        }
        if let meter {
            for channel in truePeaks.indices { truePeaks[channel] = max(truePeaks[channel], meter.peaks[channel]) }
        }
        condition.unlock()
    }
}

/// The analysis of samples as they are made rather than read (a master's output as it is written):
/// the report `Analyzer.analyze` gives for a file of the same samples, measured on the pipeline's
/// two workers while the caller goes on. `finish` must end every one, also after a failure
/// (it waits for the workers).
public final class StreamAnalyzer {
    private let pipeline: AnalysisPipeline

    public init(sampleRate: Double, channelCount: Int, layout: [SpeakerPosition], options: Analyzer.Options = .init(),
                blockFrames: Int = 16384) throws {
        pipeline = try AnalysisPipeline(sampleRate: sampleRate, channelCount: channelCount, layout: layout, options: options,
                                        blockFrames: max(1, blockFrames))
    }

    /// Interleaved whole frames, in order; copied, so the caller may reuse the buffer at once.
    public func add(_ interleaved: UnsafeBufferPointer<Float>) throws { try pipeline.add(interleaved) }

    /// The report for everything added.
    public func finish() throws -> AnalysisReport { try pipeline.finish() }
}
