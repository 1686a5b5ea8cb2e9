import Foundation
import Testing
@testable import Analysis

/// How the analysis writes its figures in JSON: rounded to their places, never a negative zero.
@Suite struct ReportJSONTests {
    static func written(_ value: Double, places: Int) throws -> String {
        String(decoding: try JSONEncoder().encode([JSONLevel(value, places: places)]), as: UTF8.self)
    }

    /// A correlation of -0.00001 rounds to nothing at four places; it was written `-0`, which a
    /// reader of the JSON takes for a sign that means something.
    @Test func aHairUnderZeroIsWrittenAsZero() throws {
        #expect(try Self.written(-0.00001, places: 4) == "[0]")
        #expect(try Self.written(-0.0, places: 3) == "[0]")
        #expect(try Self.written(-0.0006, places: 3) == "[-0.001]")
        #expect(try Self.written(12.34567, places: 1) == "[12.3]")
        #expect(try Self.written(.infinity, places: 3) == "[null]")
    }
}
