import Synchronization

/// A fixed-capacity single-producer, single-consumer queue of plain values.
///
/// The only path between the audio thread and the rest: controls go in, meter records and
/// retired automations come out. `push` and `pop` never allocate, lock or wait; a full queue
/// refuses the value (the producer decides what that means: a dropped meter record is
/// counted, a control is retried on the next call). Storage is allocated once in `init`.
///
/// One thread may push and one (other) thread may pop. Indices only grow; the slot is the
/// index modulo the capacity, a power of two.
final class SPSCQueue<Element: BitwiseCopyable>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Element>
    private let mask: Int
    /// Next index to write; stored by the producer with release order after the slot is filled.
    private let head = Atomic<Int>(0)
    /// Next index to read; stored by the consumer with release order after the slot is read.
    private let tail = Atomic<Int>(0)

    /// - Parameter capacity: rounded up to a power of two.
    init(capacity: Int) {
        var size = 1
        while size < capacity { size <<= 1 }
        slots = .allocate(capacity: size)
        mask = size - 1
    }

    deinit { slots.deallocate() }

    var capacity: Int { mask + 1 }

    /// Values waiting (a snapshot: the other side may be moving).
    var count: Int { head.load(ordering: .acquiring) - tail.load(ordering: .acquiring) }

    /// Producer side. False when full.
    @discardableResult
    func push(_ value: Element) -> Bool {
        let index = head.load(ordering: .relaxed)
        guard index - tail.load(ordering: .acquiring) <= mask else { return false }
        (slots + (index & mask)).initialize(to: value)
        head.store(index + 1, ordering: .releasing)
        return true
    }

    /// Consumer side. Nil when empty.
    func pop() -> Element? {
        let index = tail.load(ordering: .relaxed)
        guard index != head.load(ordering: .acquiring) else { return nil }
        let value = slots[index & mask]
        tail.store(index + 1, ordering: .releasing)
        return value
    }
}
