import Analysis
import Foundation
import MasteringDSP

/// Learned offsets from the user's taste, added to the AI's suggestions.
///
/// This is where the style trainer plugs in: it produces one of these per emotion from the
/// user's profile; the model adds each offset (already weighted by the trainer for how much
/// evidence it has), clamps to the parameter's range, and records a "your style" move.
public struct StyleOffsets: Sendable, Equatable {
    public struct Offset: Sendable, Equatable {
        public var value: Double
        /// How many tweaks the offset rests on, for the move's reason.
        public var evidence: Int
        public init(value: Double, evidence: Int) { self.value = value; self.evidence = evidence }
    }

    public var offsets: [ChainParameter: Offset]

    public init(_ offsets: [ChainParameter: Offset] = [:]) { self.offsets = offsets }
}

extension ParameterSpec {
    /// A learned offset as reasons and trends print it: fractions and ratios to two places
    /// ("+0.05 width", "+0.25 ratio"), others to one with their unit ("+1.5 dB"), and with more
    /// places where that would print a real offset as zero: a move of "+0.0 width" explains nothing.
    public func signedAmount(_ offset: Double) -> String {
        var places = unit == .fraction || unit == .ratio ? 2 : 1
        while places < 6, offset.asPrinted(places: places) == 0, offset != 0 { places += 1 }
        let unitText = unit == .fraction || unit == .ratio || unit == .choice ? "" : " \(unit.rawValue)"
        return String(format: "%+.\(places)f", offset.asPrinted(places: places)) + unitText
    }
}
