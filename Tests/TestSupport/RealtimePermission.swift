import Foundation

/// Whether this process may give a thread `SCHED_FIFO` priority 4, read independently of the
/// product's own attempt: the `CAP_SYS_NICE` bit of the effective capabilities in
/// `/proc/self/status`, or a soft `RLIMIT_RTPRIO` of at least 4.
public enum RealtimePermission {
    public static var granted: Bool {
        var limit = rlimit()
        if getrlimit(Int32(__RLIMIT_RTPRIO.rawValue), &limit) == 0, limit.rlim_cur >= 4 { return true }
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let bits = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        let capSysNice: UInt64 = 23
        return bits & (1 << capSysNice) != 0
    }
}
