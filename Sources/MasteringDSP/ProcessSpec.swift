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

/// Two channels of a biquad in the lanes of a `SIMD2<Float>` (transposed direct form II).
public struct StereoBiquad: Sendable {
    private var b0: Float = 1, b1: Float = 0, b2: Float = 0, a1: Float = 0, a2: Float = 0
    private var z1 = SIMD2<Float>(repeating: 0), z2 = SIMD2<Float>(repeating: 0)
    private let antiDenormal = SIMD2<Float>(repeating: 1e-20)

    public init(_ coefficients: BiquadCoefficients = .identity) { setCoefficients(coefficients) }

    public mutating func setCoefficients(_ c: BiquadCoefficients) {
        b0 = Float(c.b0); b1 = Float(c.b1); b2 = Float(c.b2); a1 = Float(c.a1); a2 = Float(c.a2)
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
