/// One chain parameter: the single description that the console labels, key steps, JSON keys,
/// the trainer's clamping and the help text all read.
public struct ParameterSpec: Sendable, Hashable {
    public enum Unit: String, Sendable {
        case decibels = "dB", hertz = "Hz", ratio = ":1", milliseconds = "ms"
        case fraction = "", lufs = "LUFS", dBTP = "dBTP", choice = "choice"
    }

    /// The stable name used in profiles, JSON and the console (`eq.low_shelf_db`).
    public let name: String
    public let label: String
    public let unit: Unit
    public let range: ClosedRange<Double>
    /// The span a person works the parameter through, for the bounds of a learned taste; the
    /// range may reach past it for the model's own use (the trim stages a float file far over
    /// full scale down to −96 dB, a level no one dials in).
    public let usualRange: ClosedRange<Double>
    public let defaultValue: Double
    /// The normal key step; fine is a fifth of it, coarse five times.
    public let step: Double
    /// Names of the choices for `.choice` parameters (value = index).
    public let choices: [String]

    public init(_ name: String, _ label: String, _ unit: Unit, _ range: ClosedRange<Double>,
                default defaultValue: Double, step: Double, choices: [String] = [], usualRange: ClosedRange<Double>? = nil) {
        self.name = name; self.label = label; self.unit = unit; self.range = range
        self.usualRange = usualRange ?? range
        self.defaultValue = defaultValue; self.step = step; self.choices = choices
    }

    /// The name of the choice `value` stands for (`"tube"` for exciter.mode 1); nil for a
    /// parameter that is a number. Reports print this: "0.00 → 1.00" says nothing to a person.
    public func choiceName(_ value: Double) -> String? {
        guard unit == .choice, !choices.isEmpty else { return nil }
        let index = value.isFinite ? Int(value.rounded()) : 0
        return choices[min(choices.count - 1, max(0, index))]
    }

    /// A choice moved by a learned offset: by whole steps, one once the offset reaches half a
    /// step either way (a vote, not a nudge: 0.2 of "tube" is still tape).
    public func choice(_ value: Double, movedBy offset: Double) -> Double {
        let steps = (abs(offset) + 0.5).rounded(.down)
        return clamped(value.rounded() + (offset < 0 ? -steps : steps))
    }

    /// `value` limited to the parameter's range (non-finite values become the default).
    public func clamped(_ value: Double) -> Double {
        guard value.isFinite else { return defaultValue }
        return min(max(value, range.lowerBound), range.upperBound)
    }
}

/// Every parameter of the mastering chain, in signal order.
public enum ChainParameter: Int, CaseIterable, Sendable {
    case inputTrim
    case lowShelfGain, lowShelfFrequency, highShelfGain, highShelfFrequency, tilt
    case compThreshold, compRatio, compAttack, compRelease, compKnee
    case exciterDrive, exciterMix, exciterMode
    case stereoWidth
    case loudnessTarget
    case limiterCeiling, limiterRelease

    public var spec: ParameterSpec { Self.specs[rawValue] }

    public init?(name: String) {
        guard let index = Self.specs.firstIndex(where: { $0.name == name }) else { return nil }
        self.init(rawValue: index)!
    }

    static let specs: [ParameterSpec] = [
        ParameterSpec("input.trim_db", "input trim", .decibels, -96...24, default: 0, step: 0.5, usualRange: -24...24),
        ParameterSpec("eq.low_shelf_db", "low shelf", .decibels, -12...12, default: 0, step: 0.5),
        ParameterSpec("eq.low_freq_hz", "low corner", .hertz, 20...500, default: 120, step: 10),
        ParameterSpec("eq.high_shelf_db", "high shelf", .decibels, -12...12, default: 0, step: 0.5),
        ParameterSpec("eq.high_freq_hz", "high corner", .hertz, 1000...16000, default: 8000, step: 250),
        ParameterSpec("eq.tilt_db", "tilt", .decibels, -6...6, default: 0, step: 0.25),
        ParameterSpec("comp.threshold_db", "threshold", .decibels, -48...0, default: -18, step: 1),
        ParameterSpec("comp.ratio", "ratio", .ratio, 1...20, default: 2, step: 0.25),
        ParameterSpec("comp.attack_ms", "attack", .milliseconds, 0.1...200, default: 10, step: 1),
        ParameterSpec("comp.release_ms", "release", .milliseconds, 10...2000, default: 150, step: 10),
        ParameterSpec("comp.knee_db", "knee", .decibels, 0...24, default: 6, step: 1),
        ParameterSpec("exciter.drive", "drive", .fraction, 0...1, default: 0, step: 0.05),
        ParameterSpec("exciter.mix", "exciter mix", .fraction, 0...1, default: 0, step: 0.05),
        ParameterSpec("exciter.mode", "exciter mode", .choice, 0...1, default: 0, step: 1, choices: ["tape", "tube"]),
        ParameterSpec("stereo.width", "width", .fraction, 0...2, default: 1, step: 0.05),
        ParameterSpec("loudness.target_lufs", "target", .lufs, -40...0, default: -14, step: 0.5),
        ParameterSpec("limiter.ceiling_dbtp", "ceiling", .dBTP, -6...0, default: -1, step: 0.1),
        ParameterSpec("limiter.release_ms", "limiter release", .milliseconds, 10...1000, default: 80, step: 10),
    ]
}
