/// Why a file could not be read or written, phrased for the one line the user sees:
/// `loopmind: cannot read 'PATH': reason`.
public struct AudioFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Operation: String, Sendable { case read, write }

    public let operation: Operation
    public let path: String
    public let reason: String

    public init(_ operation: Operation, path: String, reason: String) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot \(operation.rawValue) '\(path)': \(reason)" }

    /// libsndfile's message without its decoration: "System error : No space left on device."
    /// reads "No space left on device", as the other writers say it.
    public static func libsndfileReason(_ message: String) -> String {
        var reason = Substring(message)
        for prefix in ["System error : ", "Error : "] where reason.hasPrefix(prefix) { reason = reason.dropFirst(prefix.count) }
        while reason.hasSuffix(".") || reason.hasSuffix(" ") { reason = reason.dropLast() }
        return reason.isEmpty ? message : String(reason)
    }
}
