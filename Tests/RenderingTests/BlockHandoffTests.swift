@testable import Rendering
import Synchronization
import Testing

/// The handoff between a pass's threads: every block arrives, in order, whole; a consumer's
/// failure reaches the producer.
struct BlockHandoffTests {
    @Test func everyBlockArrivesInOrderThroughASmallRing() throws {
        let received = Mutex<[Float]>([])
        let handoff = BlockHandoff(capacity: 100, ringSize: 3) { block in
            received.withLock { $0 += Array(block) }
        }
        var sent: [Float] = []
        for index in 0..<2000 {
            let buffer = try handoff.nextBuffer()
            let count = 1 + index % 100
            for sample in 0..<count { buffer[sample] = Float(index * 100 + sample) }
            sent += (0..<count).map { Float(index * 100 + $0) }
            handoff.publish(count: count)
        }
        try handoff.finish()
        #expect(received.withLock { $0 } == sent)
    }

    struct Broken: Error {}

    @Test func aConsumerFailureReachesTheProducer() {
        let handoff = BlockHandoff(capacity: 8, ringSize: 2) { block in
            if block[0] == 10 { throw Broken() }
        }
        var thrown = false
        do {
            for index in 0..<1000 {
                let buffer = try handoff.nextBuffer()
                buffer[0] = Float(index)
                handoff.publish(count: 1)
            }
            try handoff.finish()
        } catch is Broken {
            thrown = true
            _ = try? handoff.finish()
        } catch {}
        #expect(thrown)
    }
}
