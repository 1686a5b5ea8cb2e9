import Glibc

/// Removes unfinished output files when the process is interrupted (SIGINT, SIGTERM,
/// SIGHUP), so an interrupted run leaves nothing behind either.
///
/// Writers register their temporary path while they write. The signal handler only
/// calls `unlink`, which is async-signal-safe, on paths copied into C memory
/// beforehand, then lets the signal do what it would have done.
public enum TemporaryFiles {
    private static let capacity = 16
    /// Fixed slots of C strings: the handler must not allocate or touch Swift objects.
    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        slots.initialize(repeating: nil, count: capacity)
        return slots
    }()

    /// Installs the handlers; call once at start-up.
    public static func removeOnInterrupt() {
        _ = slots
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { received in
                for index in 0..<TemporaryFiles.capacity {
                    if let path = TemporaryFiles.slots[index] { unlink(path) }
                }
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }

    /// Remembers `path` until `forget`; returns the slot (or nil when all are taken).
    static func register(_ path: String) -> Int? {
        for index in 0..<capacity where slots[index] == nil {
            slots[index] = strdup(path)
            return index
        }
        return nil
    }

    static func forget(_ slot: Int?) {
        guard let slot, let path = slots[slot] else { return }
        slots[slot] = nil
        free(path)
    }
}
