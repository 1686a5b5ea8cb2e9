/// One channel of a second-order IIR filter in transposed direct form II.
///
/// Coefficients are stored as `Float` for speed; state as `Float` too, which is
/// ample for mastering-range corner frequencies (20 Hz and up at 192 kHz).
/// Denormals: the tiny constant below keeps the recursive state away from
/// subnormal numbers when the input falls silent, without an audible effect (-400 dB).
public struct Biquad: Sendable {
    public private(set) var coefficients: BiquadCoefficients
    private var b0: Float, b1: Float, b2: Float, a1: Float, a2: Float
    private var z1: Float = 0, z2: Float = 0

    /// Added to one state variable and removed from the other each sample: keeps the
    /// recursion out of subnormal numbers in silence (−400 dB, inaudible). A literal,
    /// not a static, so the hot loop does no lazy-global check.
    @inline(__always) private var antiDenormal: Float { 1e-20 }

    public init(_ coefficients: BiquadCoefficients = .identity) {
        self.coefficients = coefficients
        b0 = Float(coefficients.b0); b1 = Float(coefficients.b1); b2 = Float(coefficients.b2)
        a1 = Float(coefficients.a1); a2 = Float(coefficients.a2)
    }

    /// Swaps in new coefficients and keeps the state, so a running signal does not click.
    public mutating func setCoefficients(_ coefficients: BiquadCoefficients) {
        self.coefficients = coefficients
        b0 = Float(coefficients.b0); b1 = Float(coefficients.b1); b2 = Float(coefficients.b2)
        a1 = Float(coefficients.a1); a2 = Float(coefficients.a2)
    }

    /// Clears the filter memory.
    public mutating func reset() { z1 = 0; z2 = 0 }

    /// Filters one sample.
    @inline(__always)
    public mutating func process(_ input: Float) -> Float {
        let output = b0 * input + z1
        z1 = b1 * input - a1 * output + z2 + antiDenormal
        z2 = b2 * input - a2 * output - antiDenormal
        return output
    }
}
