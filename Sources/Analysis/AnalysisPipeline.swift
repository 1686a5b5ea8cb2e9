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

    private init(sampleRate: Double, channelCount: Int, layout: [SpeakerPosition], options: Analyzer.Options,
                 blockFrames: Int, ringSize: Int) throws {
        self.channelCount = channelCount
        self.blockFrames = blockFrames
        analyzer = try Analyzer(sampleRate: sampleRate, channelCount: channelCount, layout: layout, options: options,
                                measuresTruePeak: false)
        makeTruePeakMeter = { try TruePeakMeter(channelCount: channelCount, sampleRate: sampleRate, layout: layout) }
        let capacity = (TruePeakMeter.preRollFrames + blockFrames) * channelCount
        buffers = (0..<ringSize).map { _ in .allocate(capacity: capacity) }
        states = Array(repeating: BlockState(), count: ringSize)
        truePeaks = Array(repeating: 0, count: channelCount)
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }

    static func run<Source: AudioSource>(_ source: inout Source, options: Analyzer.Options, blockFrames: Int,
                                         progress: ((Double) -> Void)?) throws -> AnalysisReport {
        let pipeline = try AnalysisPipeline(sampleRate: source.sampleRate, channelCount: source.channelCount,
                                            layout: source.effectiveChannelLayout, options: options,
                                            blockFrames: max(1, blockFrames), ringSize: 6)
        let finished = DispatchGroup()
        for _ in 0..<2 {
            finished.enter()
            Thread { pipeline.work(); finished.leave() }.start()
        }
        do {
            try pipeline.read(&source, progress: progress)
        } catch {
            pipeline.fail(error)
        }
        pipeline.finishInput()
        finished.wait()
        if let failure = pipeline.failure { throw failure }
        return pipeline.analyzer.finish(truePeaks: pipeline.truePeaks)
    }

    // MARK: - Reading (the calling thread)

    private func read<Source: AudioSource>(_ source: inout Source, progress: ((Double) -> Void)?) throws {
        let channels = channelCount
        let preRollCapacity = TruePeakMeter.preRollFrames
        // The last frames read, kept for the next block's pre-roll.
        var tail = [Float](repeating: 0, count: preRollCapacity * channels)
        var tailFrames = 0
        var framesRead = 0
        let total = source.frameCount
        while true {
            let position = blocksRead % buffers.count
            condition.lock()
            while !states[position].isFree && failure == nil { condition.wait() }
            let stop = failure != nil
            condition.unlock()
            if stop { return }

            let buffer = buffers[position]
            tail.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: tailFrames * channels) }
            let body = UnsafeMutableBufferPointer(start: buffer + tailFrames * channels, count: blockFrames * channels)
            let frames = try source.read(into: body)
            if frames == 0 { return }
            framesRead += frames

            condition.lock()
            states[position] = BlockState(preRollFrames: tailFrames, frames: frames,
                                          lanesDone: [false, false], truePeakDone: false)
            blocksRead += 1
            condition.broadcast()
            condition.unlock()

            // Keep the newest `preRollCapacity` frames of (old tail + this block).
            let available = tailFrames + frames
            let keep = min(preRollCapacity, available)
            let start = buffer + (available - keep) * channels
            tail.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: start, count: keep * channels) }
            tailFrames = keep
            if let progress, let total, total > 0 { progress(min(1, Double(framesRead) / Double(total))) }
        }
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
