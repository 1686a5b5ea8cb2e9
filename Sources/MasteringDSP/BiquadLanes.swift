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
    /// Filters one sample in lanes 0–3 or, with `upper`, 4–7 only; the other half keeps its
    /// state. For the edges of a wavefront, where one half has a sample and the other has none
    /// yet. (All eight lanes run and half of the state is put back: the same arithmetic lane
    /// for lane, and a key path to the half cost a runtime lookup per call.)
    @inlinable @inline(__always)
    public mutating func process(_ input: SIMD4<Float>, upper: Bool) -> SIMD4<Float> {
        let kept = (z1, z2)
        let output = process(upper ? SIMD8(lowHalf: .zero, highHalf: input) : SIMD8(lowHalf: input, highHalf: .zero))
        if upper {
            z1.lowHalf = kept.0.lowHalf; z2.lowHalf = kept.1.lowHalf
            return output.highHalf
        }
        z1.highHalf = kept.0.highHalf; z2.highHalf = kept.1.highHalf
        return output.lowHalf
    }
}
