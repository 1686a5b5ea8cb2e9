import AudioIO
import Glibc
import Synchronization

/// One chunk of the file as the audio thread receives it.
struct DiskChunk: BitwiseCopyable {
    /// The seek generation it was read for: chunks of an older one are dropped unplayed.
    var generation: Int
    /// The file frame of its first sample.
    var startFrame: Int
    var frameCount: Int
    /// The end of the file (no samples).
    var isEnd: Bool
    /// A read failed; the message is in `DiskStreamer.failure`.
    var isFailure: Bool

    static let empty = DiskChunk(generation: 0, startFrame: 0, frameCount: 0, isEnd: false, isFailure: false)
}

/// Streams the file from disk on its own thread into a ring of stereo chunks, so the audio
/// thread never waits on the disk and memory stays constant whatever the file's length.
///
/// Seeks are requests any thread may make: one atomic word holds a generation and the frame.
/// The disk thread repositions the file and tags what it reads with the new generation; the
/// audio thread drops chunks of older generations. A loop range makes the disk thread read up
/// to its end and carry on at its start, gaplessly.
final class DiskStreamer: @unchecked Sendable {
    static let chunkFrames = 1024
    /// About 1.5 s at 44.1 kHz of read-ahead.
    static let chunkCount = 64
    private static let frameBits = 40

    let ring: BlockRing<DiskChunk>
    let frameCount: Int
    let sampleRate: Double
    private let reader: SoundFileReader
    /// generation << 40 | frame.
    private let seekRequest = Atomic<Int>(0)
    private let loopStart = Atomic<Int>(-1)
    private let loopEnd = Atomic<Int>(-1)
    /// The next frame the disk thread will read: lets the control side see how far it read ahead.
    let readPosition = Atomic<Int>(0)
    private let running = Atomic<Bool>(true)
    private var wake = sem_t()
    private var thread: NativeThread?
    /// Set once by the disk thread when a read fails, before it sends a failure chunk.
    private let failureMessage = Mutex<String?>(nil)

    init(reader: SoundFileReader) {
        self.reader = reader
        frameCount = reader.frameCount ?? 0
        sampleRate = reader.sampleRate
        ring = BlockRing(slots: Self.chunkCount, samplesPerSlot: 2 * Self.chunkFrames, empty: .empty)
        sem_init(&wake, 0, 0)
    }

    deinit { sem_destroy(&wake) }

    func start() {
        thread = NativeThread(name: "loopmind-disk") { [unowned self] in self.run() }
    }

    func stop() {
        running.store(false, ordering: .releasing)
        sem_post(&wake)
        thread?.join()
        thread = nil
    }

    var failure: String? { failureMessage.withLock { $0 } }

    /// The generation the audio thread must play (chunks of older ones are stale).
    var requestedGeneration: Int { requestedSeek.generation }

    /// The last seek asked for: its generation and the frame it goes to.
    var requestedSeek: (generation: Int, frame: Int) {
        let request = seekRequest.load(ordering: .acquiring)
        return (request >> Self.frameBits, request & ((1 << Self.frameBits) - 1))
    }

    /// Asks the disk thread to continue from `frame`. Safe from any thread (the audio thread
    /// uses it when a loop was set too late for the read-ahead).
    func requestSeek(toFrame frame: Int) {
        let clamped = max(0, min(frame, frameCount))
        var current = seekRequest.load(ordering: .relaxed)
        while true {
            let next = ((current >> Self.frameBits) + 1) << Self.frameBits | clamped
            let (exchanged, original) = seekRequest.compareExchange(expected: current, desired: next,
                                                                     ordering: .acquiringAndReleasing)
            if exchanged { break }
            current = original
        }
        sem_post(&wake)
    }

    /// Loops `range` (file frames), or stops looping with nil.
    func setLoop(_ range: Range<Int>?) {
        loopStart.store(range?.lowerBound ?? -1, ordering: .relaxed)
        loopEnd.store(range?.upperBound ?? -1, ordering: .releasing)
        sem_post(&wake)
    }

    var loop: Range<Int>? {
        let end = loopEnd.load(ordering: .acquiring), start = loopStart.load(ordering: .relaxed)
        return start >= 0 && end > start ? start..<end : nil
    }

    /// The audio thread freed a chunk. The disk thread is woken only once the read-ahead is down
    /// to half (then it reads the other half in one go): a futex wake for every 23 ms chunk cost
    /// the audio thread a system call and the disk thread a wake-up each time.
    func chunkConsumed() {
        if ring.count <= Self.refillBelow { sem_post(&wake) }
    }
    /// Chunks left in the ring when the disk thread is woken to refill it (0.74 s at 44.1 kHz).
    static let refillBelow = chunkCount / 2

    private func run() {
        let channels = reader.channelCount
        let interleaved = UnsafeMutableBufferPointer<Float>.allocate(capacity: Self.chunkFrames * channels)
        defer { interleaved.deallocate() }
        var generation = 0
        var position = 0
        var ended = false
        while running.load(ordering: .acquiring) {
            let request = requestedSeek
            if request.generation != generation {
                generation = request.generation
                position = request.frame
                ended = !reposition(to: position, generation: generation)
            }
            guard !ended, let slot = ring.writableSlot() else { waitForWork(); continue }
            var limit = frameCount
            if let loop, position < loop.upperBound, position >= loop.lowerBound { limit = loop.upperBound }
            if position >= limit {
                if let loop, position == loop.upperBound {
                    ended = !reposition(to: loop.lowerBound, generation: generation)
                    position = loop.lowerBound
                    continue
                }
                slot.header.pointee = DiskChunk(generation: generation, startFrame: position, frameCount: 0, isEnd: true, isFailure: false)
                ring.commitWrite()
                ended = true
                continue
            }
            let wanted = min(Self.chunkFrames, limit - position)
            let frames: Int
            do {
                frames = try reader.read(into: UnsafeMutableBufferPointer(rebasing: interleaved[0..<wanted * channels]))
            } catch {
                failureMessage.withLock { $0 = "\(error)" }
                slot.header.pointee = DiskChunk(generation: generation, startFrame: position, frameCount: 0, isEnd: true, isFailure: true)
                ring.commitWrite()
                ended = true
                continue
            }
            if frames == 0 {
                // The header promised more than the decoder gave (lossy estimates): that is the end.
                slot.header.pointee = DiskChunk(generation: generation, startFrame: position, frameCount: 0, isEnd: true, isFailure: false)
                ring.commitWrite()
                ended = true
                continue
            }
            let left = slot.samples, right = slot.samples + Self.chunkFrames
            for index in 0..<frames {
                left[index] = interleaved[index * channels]
                right[index] = interleaved[index * channels + channels - 1]
            }
            slot.header.pointee = DiskChunk(generation: generation, startFrame: position, frameCount: frames, isEnd: false, isFailure: false)
            ring.commitWrite()
            position += frames
            readPosition.store(position, ordering: .releasing)
        }
    }

    /// Seeks the file; false (with the failure recorded and sent) when it cannot.
    private func reposition(to frame: Int, generation: Int) -> Bool {
        do {
            try reader.seek(toFrame: frame)
            readPosition.store(frame, ordering: .releasing)
            return true
        } catch {
            failureMessage.withLock { $0 = "\(error)" }
            if let slot = ring.writableSlot() {
                slot.header.pointee = DiskChunk(generation: generation, startFrame: frame, frameCount: 0, isEnd: true, isFailure: true)
                ring.commitWrite()
            }
            return false
        }
    }

    /// Sleeps until woken (refill, seek, loop, stop), or 100 ms at most: a missed wake costs
    /// a little read-ahead, never a gap.
    private func waitForWork() {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_nsec += 100_000_000
        if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }
        _ = sem_timedwait(&wake, &deadline)
    }
}
