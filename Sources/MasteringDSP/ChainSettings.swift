/// A value for every chain parameter, in the units of `ChainParameter.spec`.
public struct ChainSettings: Sendable, Equatable {
    private var values: [Double]

    /// Every parameter at its default.
    public init() { values = ChainParameter.allCases.map { $0.spec.defaultValue } }

    public subscript(parameter: ChainParameter) -> Double {
        get { values[parameter.rawValue] }
        set { values[parameter.rawValue] = parameter.spec.clamped(newValue) }
    }

    /// Parameter name → value, for JSON and profiles.
    public var byName: [String: Double] {
        Dictionary(uniqueKeysWithValues: ChainParameter.allCases.map { ($0.spec.name, values[$0.rawValue]) })
    }
}
