/// What a processor is prepared for: the only facts `prepare` may allocate from.
public struct ProcessSpec: Sendable, Equatable {
    public var sampleRate: Double
    /// The largest block `process` will be given.
    public var maximumBlockFrames: Int

    public init(sampleRate: Double, maximumBlockFrames: Int) {
        self.sampleRate = sampleRate
        self.maximumBlockFrames = maximumBlockFrames
    }
}

/// A block of stereo audio in two separate channels, owned by the caller.
/// Every chain stage processes it in place.
public struct StereoBlock {
    public var left: UnsafeMutablePointer<Float>
    public var right: UnsafeMutablePointer<Float>
    public var frameCount: Int

    public init(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frameCount: Int) {
        self.left = left; self.right = right; self.frameCount = frameCount
    }
}

/// Two channels of a biquad in the lanes of a `SIMD2<Float>` (transposed direct form II):
/// the same filter on both (left/right), or one per lane (the matching EQ's mid and side).
public struct StereoBiquad: Sendable {
    private var b0 = SIMD2<Float>(1, 1), b1 = SIMD2<Float>(0, 0), b2 = SIMD2<Float>(0, 0)
    private var a1 = SIMD2<Float>(0, 0), a2 = SIMD2<Float>(0, 0)
    private var z1 = SIMD2<Float>(repeating: 0), z2 = SIMD2<Float>(repeating: 0)
    private let antiDenormal = SIMD2<Float>(repeating: 1e-20)

    public init(_ coefficients: BiquadCoefficients = .identity) { setCoefficients(coefficients) }

    public mutating func setCoefficients(_ c: BiquadCoefficients) { setCoefficients(c, c) }

    /// Lane 0 gets `first`, lane 1 `second`.
    public mutating func setCoefficients(_ first: BiquadCoefficients, _ second: BiquadCoefficients) {
        b0 = SIMD2(Float(first.b0), Float(second.b0)); b1 = SIMD2(Float(first.b1), Float(second.b1))
        b2 = SIMD2(Float(first.b2), Float(second.b2))
        a1 = SIMD2(Float(first.a1), Float(second.a1)); a2 = SIMD2(Float(first.a2), Float(second.a2))
    }

    public mutating func reset() { z1 = .zero; z2 = .zero }

    @inline(__always)
    public mutating func process(_ input: SIMD2<Float>) -> SIMD2<Float> {
        let output = b0 * input + z1
        z1 = b1 * input - a1 * output + z2 + antiDenormal
        z2 = b2 * input - a2 * output - antiDenormal
        return output
    }
}
