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
}
