import Glibc

/// A file descriptor written whole: `write(2)` may take fewer bytes than asked or be
/// interrupted by a signal, so it is called again until every byte went or it fails.
public enum Descriptor {
    /// True when every byte of `bytes` was written.
    @discardableResult
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let result = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if result > 0 {
                offset += result
            } else if result < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
}
