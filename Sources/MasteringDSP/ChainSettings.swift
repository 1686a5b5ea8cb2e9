/// A value for every chain parameter, in the units of `ChainParameter.spec`.
///
/// Stored inline (no heap), so copying, comparing and interpolating settings never
/// allocates: the audio thread and the automation can pass them around freely.
public struct ChainSettings: Sendable, Equatable {
    public static let count = 18
    private var values: InlineArray<18, Double>

    /// Every parameter at its default.
    public init() {
        precondition(ChainParameter.allCases.count == Self.count, "ChainSettings.count follows the parameter table")
        values = InlineArray(repeating: 0)
        for parameter in ChainParameter.allCases { values[parameter.rawValue] = parameter.spec.defaultValue }
    }

    public subscript(parameter: ChainParameter) -> Double {
        get { values[parameter.rawValue] }
        set { values[parameter.rawValue] = parameter.spec.clamped(newValue) }
    }

    public static func == (lhs: ChainSettings, rhs: ChainSettings) -> Bool {
        for index in 0..<count where lhs.values[index] != rhs.values[index] { return false }
        return true
    }
}
