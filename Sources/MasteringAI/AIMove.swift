import Foundation
import MasteringDSP

/// One automatic decision: what the AI set, from what, to what, and why, in words.
public struct AIMove: Sendable, Equatable, Encodable {
    /// Seconds into the track where the move applies.
    public var time: Double
    public var parameter: String
    /// Values as set; a negative zero is stored as 0 so no report prints "-0.00".
    public var from: Double
    public var to: Double
    public var reason: String

    public init(time: Double, parameter: ChainParameter, from: Double, to: Double, reason: String) {
        self.time = time
        self.parameter = parameter.spec.name
        self.from = from + 0
        self.to = to + 0
        self.reason = reason
    }

    /// A move on something that is not a chain parameter (the matching EQ's bells).
    public init(time: Double, name: String, from: Double, to: Double, reason: String) {
        self.time = time
        self.parameter = name
        self.from = from + 0
        self.to = to + 0
        self.reason = reason
    }

    /// How `value` reads for this move's parameter: the choice's name for a choice
    /// (exciter.mode "tape", "tube"), nil for a number.
    public func choiceName(_ value: Double) -> String? { ChainParameter(name: parameter)?.spec.choiceName(value) }

    private enum CodingKeys: String, CodingKey { case time, parameter, from, to, reason }

    /// A choice's values are written by name, as SPEC's parameter table gives them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(time, forKey: .time)
        try container.encode(parameter, forKey: .parameter)
        for (value, key) in [(from, CodingKeys.from), (to, .to)] {
            if let name = choiceName(value) { try container.encode(name, forKey: key) } else { try container.encode(value, forKey: key) }
        }
        try container.encode(reason, forKey: .reason)
    }
}
