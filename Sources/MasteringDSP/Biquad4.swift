/// Four independent biquads advanced together in the lanes of a `SIMD4<Float>`.
///
/// Each lane has its own coefficients and state, so one instruction stream runs, say,
/// the low-pass and high-pass of two channels at once. Same topology as `Biquad`
/// (transposed direct form II, denormal guard).
///
/// `process` is inlinable: the analysis's band meter calls it per sample from another module,
/// and as a call it cost more than its arithmetic.
public struct Biquad4: Sendable {
    @usableFromInline var b0: SIMD4<Float>, b1: SIMD4<Float>, b2: SIMD4<Float>, a1: SIMD4<Float>, a2: SIMD4<Float>
    @usableFromInline var z1 = SIMD4<Float>(repeating: 0), z2 = SIMD4<Float>(repeating: 0)
    /// Added to one state and removed from the other each sample: keeps silence out of subnormals.
    @usableFromInline let antiDenormal = SIMD4<Float>(repeating: 1e-20)

    /// One set of coefficients per lane.
    public init(_ lanes: (BiquadCoefficients, BiquadCoefficients, BiquadCoefficients, BiquadCoefficients)) {
        let all = [lanes.0, lanes.1, lanes.2, lanes.3]
        func lane(_ value: (BiquadCoefficients) -> Double) -> SIMD4<Float> {
            SIMD4(all.map { Float(value($0)) })
        }
        b0 = lane(\.b0); b1 = lane(\.b1); b2 = lane(\.b2); a1 = lane(\.a1); a2 = lane(\.a2)
    }

    public mutating func reset() {
        z1 = .zero; z2 = .zero
    }

    /// Filters one sample in each lane.
    @inlinable @inline(__always)
    public mutating func process(_ input: SIMD4<Float>) -> SIMD4<Float> {
        let output = b0 * input + z1
        z1 = b1 * input - a1 * output + z2 + antiDenormal
        z2 = b2 * input - a2 * output - antiDenormal
        return output
    }
}
