import Foundation

/// Hands blocks of samples from the thread that makes them (the chain) to a thread of its own
/// that uses them (measures and writes), so a pass costs the slower of the two rather than
/// their sum: on two cores the chain no longer waits for libebur128 and the encoder.
///
/// Blocks are consumed in the order they were published. A fixed ring of buffers bounds memory:
/// the producer waits for a free one. A consumer failure stops the consumer and is thrown to the
/// producer at its next `nextBuffer` or at `finish`.
final class BlockHandoff: @unchecked Sendable {
    // `@unchecked Sendable`: the counters, `counts`, `isFinished` and `failure` are guarded by
    // `condition`'s lock. A buffer is written only by the producer while the consumer does not
    // hold it, and read by the consumer only after it was published under the lock.
    private let condition = NSCondition()
    private let buffers: [UnsafeMutablePointer<Float>]
    private var counts: [Int]
    private var published = 0
    private var consumed = 0
    private var isFinished = false
    private var failure: (any Error)?
    private let consume: (UnsafeBufferPointer<Float>) throws -> Void
    private let done = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - capacity: samples per buffer (frames × channels).
    ///   - consume: runs on the handoff's thread, once per published block, in order.
    init(capacity: Int, ringSize: Int = 32, consume: @escaping (UnsafeBufferPointer<Float>) throws -> Void) {
        buffers = (0..<ringSize).map { _ in .allocate(capacity: capacity) }
        counts = Array(repeating: 0, count: ringSize)
        self.consume = consume
        Thread { [self] in run(); done.signal() }.start()
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }

    /// The buffer to fill next; waits while every buffer is still to be consumed.
    func nextBuffer() throws -> UnsafeMutablePointer<Float> {
        condition.lock()
        defer { condition.unlock() }
        while published - consumed == buffers.count && failure == nil { condition.wait() }
        if let failure { throw failure }
        return buffers[published % buffers.count]
    }

    /// Hands over the buffer last returned by `nextBuffer`, holding `count` samples.
    func publish(count: Int) {
        condition.lock()
        counts[published % buffers.count] = count
        published += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until every published block is consumed and the thread has ended; throws the
    /// consumer's failure. Call exactly once, also when the producer stops early.
    func finish() throws {
        condition.lock()
        isFinished = true
        condition.broadcast()
        condition.unlock()
        done.wait()
        if let failure { throw failure }
    }

    private func run() {
        condition.lock()
        while true {
            while consumed == published && !isFinished { condition.wait() }
            if consumed == published || failure != nil { break }
            let index = consumed % buffers.count
            let block = UnsafeBufferPointer(start: buffers[index], count: counts[index])
            condition.unlock()
            var error: (any Error)?
            do { try consume(block) } catch let thrown { error = thrown }
            condition.lock()
            if let error { failure = error; condition.broadcast(); break }
            consumed += 1
            condition.broadcast()
        }
        condition.unlock()
    }
}
