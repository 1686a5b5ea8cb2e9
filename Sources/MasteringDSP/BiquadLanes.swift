/// Independent biquads advanced together, one in each lane of a SIMD vector.
///
/// Each lane has its own coefficients and state, so one instruction stream runs, say,
/// the low-pass and high-pass of two channels at once. Same topology as `Biquad`
/// (transposed direct form II, denormal guard), and lane for lane the same arithmetic, so a
/// lane gives the same samples whatever the vector's width.
///
/// `process` is inlinable: the analysis's band meter calls it per sample from another module,
/// and as a call it cost more than its arithmetic.
public struct BiquadLanes<Lanes: SIMD & Sendable>: Sendable where Lanes.Scalar == Float {
    @usableFromInline var b0: Lanes, b1: Lanes, b2: Lanes, a1: Lanes, a2: Lanes
    @usableFromInline var z1 = Lanes(repeating: 0), z2 = Lanes(repeating: 0)
    /// Added to one state and removed from the other each sample: keeps silence out of subnormals.
    @usableFromInline let antiDenormal = Lanes(repeating: 1e-20)

    /// One set of coefficients per lane, as many as the vector has lanes.
    public init(_ lanes: [BiquadCoefficients]) {
        precondition(lanes.count == Lanes.scalarCount, "one biquad per lane")
        func lane(_ value: (BiquadCoefficients) -> Double) -> Lanes {
            Lanes(lanes.map { Float(value($0)) })
        }
        b0 = lane(\.b0); b1 = lane(\.b1); b2 = lane(\.b2); a1 = lane(\.a1); a2 = lane(\.a2)
    }

    public mutating func reset() {
        z1 = .zero; z2 = .zero
    }

    /// Filters one sample in each lane.
    @inlinable @inline(__always)
    public mutating func process(_ input: Lanes) -> Lanes {
        let output = b0 * input + z1
        z1 = b1 * input - a1 * output + z2 + antiDenormal
        z2 = b2 * input - a2 * output - antiDenormal
        return output
    }
}

public typealias Biquad4 = BiquadLanes<SIMD4<Float>>
public typealias Biquad8 = BiquadLanes<SIMD8<Float>>

extension BiquadLanes where Lanes == SIMD8<Float> {
    /// Eight lanes from two sets of four: `low` in lanes 0–3, `high` in lanes 4–7.
    public init(low: Biquad4, high: Biquad4) {
        b0 = SIMD8(lowHalf: low.b0, highHalf: high.b0); b1 = SIMD8(lowHalf: low.b1, highHalf: high.b1)
        b2 = SIMD8(lowHalf: low.b2, highHalf: high.b2)
        a1 = SIMD8(lowHalf: low.a1, highHalf: high.a1); a2 = SIMD8(lowHalf: low.a2, highHalf: high.a2)
        z1 = SIMD8(lowHalf: low.z1, highHalf: high.z1); z2 = SIMD8(lowHalf: low.z2, highHalf: high.z2)
    }

    /// Filters one sample in lanes 0–3 only; lanes 4–7 keep their state. For the edges of a
    /// wavefront, where one half has a sample and the other has none yet.
    @inlinable @inline(__always)
    public mutating func process(lowHalf input: SIMD4<Float>) -> SIMD4<Float> {
        let output = b0.lowHalf * input + z1.lowHalf
        z1.lowHalf = b1.lowHalf * input - a1.lowHalf * output + z2.lowHalf + antiDenormal.lowHalf
        z2.lowHalf = b2.lowHalf * input - a2.lowHalf * output - antiDenormal.lowHalf
        return output
    }

    /// Filters one sample in lanes 4–7 only; lanes 0–3 keep their state.
    @inlinable @inline(__always)
    public mutating func process(highHalf input: SIMD4<Float>) -> SIMD4<Float> {
        let output = b0.highHalf * input + z1.highHalf
        z1.highHalf = b1.highHalf * input - a1.highHalf * output + z2.highHalf + antiDenormal.highHalf
        z2.highHalf = b2.highHalf * input - a2.highHalf * output - antiDenormal.highHalf
        return output
    }
}
