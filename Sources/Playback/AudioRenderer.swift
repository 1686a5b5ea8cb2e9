import Glibc
import MasteringDSP
import Synchronization

/// The automation the audio thread follows, boxed so it can be handed over as one pointer.
/// Made and freed on the control side; the audio thread only swaps it.
final class AutomationBox {
    let automation: ChainAutomation
    init(_ automation: ChainAutomation) { self.automation = automation }
}

/// What the control side asks of the audio thread. Plain values only (no references the
/// audio thread would have to release): the automation travels as an unmanaged pointer
/// and comes back through the retired queue to be freed by the control side.
enum EngineCommand: BitwiseCopyable {
    case play
    /// Play, then pause by itself after this many frames, at least 1 (`play --seconds`: exactly that much is
    /// heard, not that much plus whatever the output had buffered when the control side noticed).
    case playFor(frames: Int)
    case pause
    case bypass(Bool)
    /// The user's offset on top of the automation for one parameter (its total, not a step).
    case adjust(parameter: Int, offset: Double)
    case automation(Unmanaged<AutomationBox>)
    /// The reference's clip for A/B (retained by the sender; nil: none).
    case reference(Unmanaged<ReferenceClip>?)
    /// Hear the reference (level-matched) instead of the master.
    case listenToReference(Bool)
}

/// One meter record: up to `MeterFeed.maximumFrames` frames of what the audio thread made.
struct MeterHeader: BitwiseCopyable {
    var frameCount: Int
    /// The file frame heard at the record's first frame (the chain's latency taken off).
    var fileFrame: Int
    var section: Int
    var compressorReductionDB: Float
    var limiterReductionDB: Float
    var loudnessGainDB: Float
    /// Something other than the master is in what is heard (the bypass or the reference, on or fading).
    var bypassMixing: Bool

    static let empty = MeterHeader(frameCount: 0, fileFrame: 0, section: 0, compressorReductionDB: 0,
                                   limiterReductionDB: 0, loudnessGainDB: 0, bypassMixing: false)
}

/// Layout of a meter record's samples: processed, dry (latency-aligned input) and heard, each stereo.
enum MeterFeed {
    static let maximumFrames = 256
    static let slots = 512
    static func processed(_ base: UnsafeMutablePointer<Float>) -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
        (base, base + maximumFrames)
    }
    static func dry(_ base: UnsafeMutablePointer<Float>) -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
        (base + 2 * maximumFrames, base + 3 * maximumFrames)
    }
    static func heard(_ base: UnsafeMutablePointer<Float>) -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
        (base + 4 * maximumFrames, base + 5 * maximumFrames)
    }
}

/// What the audio thread tells everyone else, one atomic each.
final class EngineStatus: @unchecked Sendable {
    /// The file frame being heard (latency of the chain taken off).
    let playheadFrame = Atomic<Int>(0)
    /// The seek generation `playheadFrame` was played from (stored after it, releasing).
    let playheadGeneration = Atomic<Int>(0)
    /// Commands taken from the queue so far (stored after the states they set, releasing).
    let commandsTaken = Atomic<Int>(0)
    let section = Atomic<Int>(0)
    let isPlaying = Atomic<Bool>(false)
    let isBypassed = Atomic<Bool>(false)
    let isReferenceHeard = Atomic<Bool>(false)
    /// The file ended (or failed) and everything was played out.
    let isFinished = Atomic<Bool>(false)
    let failed = Atomic<Bool>(false)
    /// Times the audio thread found no chunk from the disk while playing.
    let diskUnderruns = Atomic<Int>(0)
    /// Meter records dropped because the metering thread fell behind.
    let droppedMeterRecords = Atomic<Int>(0)
    /// Frames rendered while playing (what was heard, in frames).
    let playedFrames = Atomic<Int>(0)
    /// The gain-matched bypass's gain, dB, from the metering thread (Double bits).
    let matchGainBits = Atomic<UInt64>(0)
}

/// Everything the audio thread does, prepared in advance: it drains the control queue, takes
/// chunks from the disk ring, runs the chain cut at the automation grid, mixes in the
/// gain-matched bypass, writes interleaved stereo, and posts meter records.
///
/// Rules: `render` never allocates, locks, logs, waits or calls libebur128. It is called by
/// one thread at a time (PulseAudio's callback thread, or the clock thread with `--no-audio`).
final class AudioRenderer: @unchecked Sendable {
    /// Settings are re-evaluated every this many file frames, on the offline master's grid.
    static let automationGrid = 256
    /// Fades (pause, resume, seeks, A/B) last 10 ms.
    static let fadeSeconds = 0.01

    let sampleRate: Double
    let disk: DiskStreamer
    let commands = SPSCQueue<EngineCommand>(capacity: 256)
    let retired = SPSCQueue<Unmanaged<AutomationBox>>(capacity: 64)
    /// Reference clips the audio thread let go of, released by the metering thread.
    let retiredClips = SPSCQueue<Unmanaged<ReferenceClip>>(capacity: 16)
    let meters = BlockRing<MeterHeader>(slots: MeterFeed.slots, samplesPerSlot: 6 * MeterFeed.maximumFrames, empty: .empty)
    let status = EngineStatus()

    private var chain = MasteringChain()
    private var automation: Unmanaged<AutomationBox>
    private var adjustments = InlineArray<18, Double>(repeating: 0)
    private var applied: (settings: ChainSettings, gainDB: Double)
    private var needsEvaluation = true
    private var waitingAutomation: Unmanaged<AutomationBox>?
    private let latency: Int

    private var playing = false
    /// Frames still to play before pausing by itself (`Int.max`: no limit).
    private var framesLeftToPlay = Int.max
    private var bypassed = false
    /// 0: processed; 1: the dry signal at the matched gain.
    private var bypassMix: Float = 0
    private var matchGain: Float = 1
    /// The reference for A/B, where it is in its loop, and how much of it is heard (0…1).
    private var clip: Unmanaged<ReferenceClip>?
    private var waitingClip: Unmanaged<ReferenceClip>??
    private var clipPosition = 0
    private var listening = false
    private var referenceMix: Float = 0
    /// Output fade for pause/resume and jumps: 0…1.
    private var fade: Float = 0
    private let fadeStep: Float
    private let matchCoefficient: Float

    private var commandsTaken = 0
    /// The generation of the chunks being played and where the next frame should come from.
    private var generation = 0
    private var nextFrame = 0
    private var chunkOffset = 0
    /// After the end: zeros still to push through the chain to empty its delay.
    private var tailFrames = -1
    private var finished = false

    private let left: UnsafeMutablePointer<Float>
    private let right: UnsafeMutablePointer<Float>
    private let dryLeft: UnsafeMutablePointer<Float>
    private let dryRight: UnsafeMutablePointer<Float>
    /// The dry signal's delay line (the chain's latency), so A/B switches stay in time.
    private let delayLeft: UnsafeMutablePointer<Float>
    private let delayRight: UnsafeMutablePointer<Float>
    private var delayIndex = 0

    init(disk: DiskStreamer, automation: ChainAutomation) {
        self.disk = disk
        sampleRate = disk.sampleRate
        let box = AutomationBox(automation)
        self.automation = Unmanaged.passRetained(box)
        fadeStep = Float(1 / (Self.fadeSeconds * disk.sampleRate))
        matchCoefficient = Float(1 - exp(-1 / (0.05 * disk.sampleRate)))
        let start = automation.value(at: 0)
        applied = start
        chain.apply(start.settings)
        chain.setMatchCurve(automation.match)
        chain.prepare(ProcessSpec(sampleRate: disk.sampleRate, maximumBlockFrames: Self.automationGrid), bitDepth: 0)
        chain.setLoudnessGain(start.gainDB)
        chain.snapToSettings()
        latency = chain.latencyFrames
        let block = Self.automationGrid
        left = .allocate(capacity: block); right = .allocate(capacity: block)
        dryLeft = .allocate(capacity: block); dryRight = .allocate(capacity: block)
        delayLeft = .allocate(capacity: latency + 1); delayRight = .allocate(capacity: latency + 1)
        delayLeft.initialize(repeating: 0, count: latency + 1)
        delayRight.initialize(repeating: 0, count: latency + 1)
    }

    deinit {
        automation.release()
        waitingAutomation?.release()
        while let old = retired.pop() { old.release() }
        clip?.release()
        if let waiting = waitingClip { waiting?.release() }
        while let old = retiredClips.pop() { old.release() }
        left.deallocate(); right.deallocate(); dryLeft.deallocate(); dryRight.deallocate()
        delayLeft.deallocate(); delayRight.deallocate()
    }

    var latencyFrames: Int { latency }

    /// For the control side: the frame being heard or, while a seek is on its way (asked for,
    /// not yet played: paused, or before the disk has read there), the frame it goes to. What
    /// the header shows and where the next relative seek starts: read from the frame last heard,
    /// → → moved 5 s, n n one section, and a seek while paused showed nothing until play.
    var playheadOrSeekFrame: Int {
        let seek = disk.requestedSeek
        if status.playheadGeneration.load(ordering: .acquiring) < seek.generation { return seek.frame }
        return status.playheadFrame.load(ordering: .relaxed)
    }

    /// The song has played out and no seek is on its way (a seek from the end plays on).
    var isAtEnd: Bool {
        guard status.isFinished.load(ordering: .acquiring) else { return false }
        return status.playheadGeneration.load(ordering: .acquiring) >= disk.requestedSeek.generation
    }

    // MARK: - The audio thread

    /// Fills `frames` interleaved stereo frames at `output`.
    func render(_ output: UnsafeMutablePointer<Float>, frames: Int) {
        drainCommands()
        let requested = disk.requestedGeneration
        if tailFrames >= 0 && requested != generation {
            // A seek after the end (or during its tail): the song goes on from there. The end
            // was for good once, and nothing played again until the console was restarted.
            tailFrames = -1
            finished = false
            status.isFinished.store(false, ordering: .releasing)
        }
        var written = 0
        while written < frames {
            if !playing && fade == 0 || finished {
                (output + 2 * written).update(repeating: 0, count: 2 * (frames - written))
                break
            }
            let limit = playing ? min(frames - written, framesLeftToPlay) : frames - written
            let piece = nextPiece(requested: requested, limit: limit)
            if piece.count == 0 {
                // Nothing from the disk yet (a seek in progress, or the disk fell behind).
                if piece.starved && playing { status.diskUnderruns.add(1, ordering: .relaxed) }
                (output + 2 * written).update(repeating: 0, count: 2 * (frames - written))
                break
            }
            process(piece.count, into: output + 2 * written)
            written += piece.count
            if playing && framesLeftToPlay != .max {
                framesLeftToPlay -= piece.count
                if framesLeftToPlay == 0 {
                    // The budget is spent: pause here (the usual short fade follows).
                    playing = false
                    framesLeftToPlay = .max
                    status.isPlaying.store(false, ordering: .relaxed)
                }
            }
        }
    }

    private func drainCommands() {
        while let command = commands.pop() {
            commandsTaken &+= 1
            switch command {
            case .play:
                playing = true
                framesLeftToPlay = .max
            case .playFor(let frames):
                playing = true
                framesLeftToPlay = frames
            case .pause:
                playing = false
                framesLeftToPlay = .max
            case .bypass(let on):
                bypassed = on
            case .adjust(let parameter, let offset):
                adjustments[parameter] = offset
                needsEvaluation = true
            case .automation(let box):
                waitingAutomation = box
            case .reference(let new):
                if let older = waitingClip ?? nil { _ = retiredClips.push(older) }
                waitingClip = .some(new)
            case .listenToReference(let on):
                listening = on
            }
        }
        // The same for the reference clip: the old one is handed back, never freed here.
        if let new = waitingClip {
            if let old = clip {
                if retiredClips.push(old) { clip = new; clipPosition = 0; waitingClip = nil }
            } else {
                clip = new; clipPosition = 0; waitingClip = nil
            }
        }
        if clip == nil { listening = false }
        status.isReferenceHeard.store(listening, ordering: .relaxed)
        // The old automation goes back to be freed by the control side; if its queue is full,
        // the new one waits for the next call (freeing memory here is not allowed).
        if let box = waitingAutomation, retired.push(automation) {
            automation = box
            waitingAutomation = nil
            needsEvaluation = true
            chain.setMatchCurve(box.takeUnretainedValue().automation.match)
        }
        status.isPlaying.store(playing, ordering: .relaxed)
        status.isBypassed.store(bypassed, ordering: .relaxed)
        status.commandsTaken.store(commandsTaken, ordering: .releasing)
    }

    /// Finds the frames to process next: from the current chunk, or zeros to empty the chain at the end.
    private func nextPiece(requested: Int, limit: Int) -> (count: Int, starved: Bool) {
        if tailFrames >= 0 {
            if tailFrames == 0 {
                finished = true
                status.isFinished.store(true, ordering: .releasing)
                return (0, false)
            }
            let count = min(limit, tailFrames, Self.automationGrid)
            left.update(repeating: 0, count: count); right.update(repeating: 0, count: count)
            tailFrames -= count
            nextFrame += count
            return (count, false)
        }
        while true {
            // Empty while a seek is on its way is the jump asked for, not the disk falling behind.
            guard let slot = disk.ring.readableSlot() else { return (0, generation == requested) }
            let chunk = slot.header.pointee
            if chunk.generation != requested {
                disk.ring.commitRead(); disk.chunkConsumed(); chunkOffset = 0
                continue
            }
            if chunk.isEnd {
                if chunk.isFailure { status.failed.store(true, ordering: .relaxed) }
                disk.ring.commitRead(); disk.chunkConsumed()
                if generation == requested {
                    tailFrames = latency
                } else {
                    // A seek to the end itself: nothing of its own to push through the chain.
                    generation = requested
                    tailFrames = 0
                    status.playheadFrame.store(chunk.startFrame, ordering: .relaxed)
                    status.playheadGeneration.store(generation, ordering: .releasing)
                }
                return nextPiece(requested: requested, limit: limit)
            }
            let frame = chunk.startFrame + chunkOffset
            if generation != requested || frame != nextFrame {
                // A seek or a loop's jump: follow the automation at once, fade in from silence.
                if generation != requested { fade = 0; snapChain(at: frame) }
                generation = requested
                needsEvaluation = true
                nextFrame = frame
            }
            var available = chunk.frameCount - chunkOffset
            if let loop = disk.loop, frame >= loop.lowerBound, frame <= loop.upperBound {
                if frame == loop.upperBound {
                    // The loop was set after the disk had read past its end: go back for it.
                    disk.requestSeek(toFrame: loop.lowerBound)
                    return (0, false)
                }
                available = min(available, loop.upperBound - frame)
            }
            let grid = Self.automationGrid
            let count = min(limit, available, grid - frame % grid)
            let source = slot.samples + chunkOffset
            left.update(from: source, count: count)
            right.update(from: source + DiskStreamer.chunkFrames, count: count)
            if needsEvaluation || frame % grid == 0 { evaluate(at: frame) }
            chunkOffset += count
            nextFrame = frame + count
            if chunkOffset == chunk.frameCount {
                disk.ring.commitRead(); disk.chunkConsumed(); chunkOffset = 0
            }
            return (count, false)
        }
    }

    /// Sets the chain from the automation at `frame` plus the user's offsets.
    private func evaluate(at frame: Int) {
        let box = automation.takeUnretainedValue()
        var value = box.automation.value(at: frame)
        for index in 0..<ChainSettings.count where adjustments[index] != 0 {
            let parameter = ChainParameter(rawValue: index)!
            value.settings[parameter] += adjustments[index]
        }
        value.gainDB += adjustments[ChainParameter.loudnessTarget.rawValue]
        if value.settings != applied.settings { chain.apply(value.settings) }
        if value.gainDB != applied.gainDB { chain.setLoudnessGain(value.gainDB) }
        applied = value
        needsEvaluation = false
        status.section.store(box.automation.sectionIndex(at: frame), ordering: .relaxed)
    }

    /// After a seek: every glide jumps to the values at the new place.
    private func snapChain(at frame: Int) {
        evaluate(at: frame)
        chain.snapToSettings()
    }

    /// Runs one piece (in `left`/`right`) through the chain and the A/B mix, writes it
    /// interleaved, and posts its meter record.
    private func process(_ count: Int, into output: UnsafeMutablePointer<Float>) {
        // The dry signal, delayed by the chain's latency.
        for index in 0..<count {
            delayLeft[delayIndex] = left[index]; delayRight[delayIndex] = right[index]
            delayIndex = delayIndex == latency ? 0 : delayIndex + 1
            dryLeft[index] = delayLeft[delayIndex]; dryRight[index] = delayRight[delayIndex]
        }
        chain.process(StereoBlock(left: left, right: right, frameCount: count))

        let matchDB = Double(bitPattern: status.matchGainBits.load(ordering: .relaxed))
        let matchTarget = Float(pow(10, matchDB / 20))
        let bypassTarget: Float = bypassed ? 1 : 0
        let fadeTarget: Float = playing ? 1 : 0
        let record = meters.writableSlot()
        let heard = record.map { MeterFeed.heard($0.samples) }
        let referenceTarget: Float = listening ? 1 : 0
        let mixing = bypassMix > 0 || bypassed || referenceMix > 0 || listening
        let reference = clip?.takeUnretainedValue()
        for index in 0..<count {
            matchGain += (matchTarget - matchGain) * matchCoefficient
            bypassMix += max(-fadeStep, min(fadeStep, bypassTarget - bypassMix))
            fade += max(-fadeStep, min(fadeStep, fadeTarget - fade))
            var mixLeft = left[index] + (dryLeft[index] * matchGain - left[index]) * bypassMix
            var mixRight = right[index] + (dryRight[index] * matchGain - right[index]) * bypassMix
            if let reference, referenceMix > 0 || listening {
                // The reference loops through its clip while it is (partly) heard, at its matching gain.
                referenceMix += max(-fadeStep, min(fadeStep, referenceTarget - referenceMix))
                let otherLeft = reference.left[clipPosition] * reference.gain, otherRight = reference.right[clipPosition] * reference.gain
                if playing { clipPosition = clipPosition + 1 == reference.frameCount ? 0 : clipPosition + 1 }
                mixLeft += (otherLeft - mixLeft) * referenceMix
                mixRight += (otherRight - mixRight) * referenceMix
            }
            output[2 * index] = mixLeft * fade
            output[2 * index + 1] = mixRight * fade
            if let heard { heard.0[index] = mixLeft * fade; heard.1[index] = mixRight * fade }
        }
        let fileFrame = max(0, nextFrame - count - latency)
        status.playheadFrame.store(fileFrame, ordering: .relaxed)
        status.playheadGeneration.store(generation, ordering: .releasing)
        status.playedFrames.add(count, ordering: .relaxed)
        if let record {
            let processed = MeterFeed.processed(record.samples), dry = MeterFeed.dry(record.samples)
            processed.0.update(from: left, count: count); processed.1.update(from: right, count: count)
            dry.0.update(from: dryLeft, count: count); dry.1.update(from: dryRight, count: count)
            record.header.pointee = MeterHeader(frameCount: count, fileFrame: fileFrame,
                                                section: status.section.load(ordering: .relaxed),
                                                compressorReductionDB: chain.compressorReductionDB,
                                                limiterReductionDB: chain.limiterReductionDB,
                                                loudnessGainDB: Float(chain.loudnessGainDB), bypassMixing: mixing)
            meters.commitWrite()
        } else {
            status.droppedMeterRecords.add(1, ordering: .relaxed)
        }
    }
}
