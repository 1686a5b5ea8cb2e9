import Synchronization

/// A single-producer, single-consumer ring of fixed-size sample blocks, each with a small
/// header: the disk thread's chunks for the audio thread, and the audio thread's meter
/// records for the metering thread.
///
/// The producer fills the slot `writableSlot()` returns and publishes it with `commitWrite()`;
/// the consumer reads `readableSlot()` (as long as it likes, e.g. across audio callbacks) and
/// frees it with `commitRead()`. Nothing allocates after `init`; a full ring refuses.
final class BlockRing<Header: BitwiseCopyable>: @unchecked Sendable {
    struct Slot {
        let header: UnsafeMutablePointer<Header>
        /// `samplesPerSlot` floats, laid out as the user of the ring decides.
        let samples: UnsafeMutablePointer<Float>
    }

    let samplesPerSlot: Int
    private let headers: UnsafeMutablePointer<Header>
    private let storage: UnsafeMutablePointer<Float>
    private let mask: Int
    private let head = Atomic<Int>(0)
    private let tail = Atomic<Int>(0)

    /// - Parameter slots: rounded up to a power of two.
    init(slots: Int, samplesPerSlot: Int, empty: Header) {
        var size = 1
        while size < slots { size <<= 1 }
        mask = size - 1
        self.samplesPerSlot = samplesPerSlot
        headers = .allocate(capacity: size)
        headers.initialize(repeating: empty, count: size)
        storage = .allocate(capacity: size * samplesPerSlot)
        storage.initialize(repeating: 0, count: size * samplesPerSlot)
    }

    deinit { headers.deallocate(); storage.deallocate() }

    var capacity: Int { mask + 1 }
    /// Blocks published and not yet freed (a snapshot).
    var count: Int { head.load(ordering: .acquiring) - tail.load(ordering: .acquiring) }

    private func slot(_ index: Int) -> Slot {
        Slot(header: headers + (index & mask), samples: storage + (index & mask) * samplesPerSlot)
    }

    /// Producer: the next free slot, or nil when the ring is full.
    func writableSlot() -> Slot? {
        let index = head.load(ordering: .relaxed)
        guard index - tail.load(ordering: .acquiring) <= mask else { return nil }
        return slot(index)
    }

    /// Producer: publishes the slot `writableSlot()` gave.
    func commitWrite() { head.store(head.load(ordering: .relaxed) + 1, ordering: .releasing) }

    /// Consumer: the oldest published slot, or nil when there is none.
    func readableSlot() -> Slot? {
        let index = tail.load(ordering: .relaxed)
        guard index != head.load(ordering: .acquiring) else { return nil }
        return slot(index)
    }

    /// Consumer: frees the slot `readableSlot()` gave.
    func commitRead() { tail.store(tail.load(ordering: .relaxed) + 1, ordering: .releasing) }
}
