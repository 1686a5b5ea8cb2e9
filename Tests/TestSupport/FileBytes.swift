import Foundation

/// Whether two files hold the same bytes. A Bool, not an `#expect(a == b)` on two `Data`: a failed
/// `==` on files of megabytes has the test library compute their difference, which takes minutes.
public func sameBytes(_ path: String, _ other: String) throws -> Bool {
    try Data(contentsOf: URL(fileURLWithPath: path)) == Data(contentsOf: URL(fileURLWithPath: other))
}
