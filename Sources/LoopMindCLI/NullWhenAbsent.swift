/// An optional that JSON writes as `null` when it has no value. The synthesized encoding leaves
/// a nil key out, so `play --json` lost `heard_integrated_lufs` on a play too short to measure and
/// `master --json` its `shortfall` when there was none: scripts read the same keys every time,
/// as `analyze --json` gives them (unmeasured levels are `null` there).
@propertyWrapper
struct NullWhenAbsent<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
