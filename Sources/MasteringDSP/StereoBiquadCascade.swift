/// Up to 24 `StereoBiquad`s in series, run as a wavefront so a long cascade is not one long
/// chain of dependent arithmetic per sample.
///
/// In a plain cascade every stage waits for the one before it on the same sample. Here four
/// stages share the lanes of one `SIMD8` (two channels each), and all 24 stages work on 24
/// consecutive samples at once: at step t stage k filters sample t − k, whose input stage k − 1
/// made at step t − 1, so the six groups' arithmetic is independent within a step. Each stage does exactly the arithmetic of `StereoBiquad` on exactly the
/// same samples, so the output is bit for bit that of the plain cascade, for any block size:
/// at a block's edges the lanes that would reach before its first or past its last sample are
/// masked out and keep their state. Real-time safe: inline storage, no allocation.
public struct StereoBiquadCascade: Sendable {
    /// Four stages a group, six groups.
    public static let capacity = 4 * groupCount
    private static let groupCount = 6
    private var groups = InlineArray<6, Group> { Group(firstStage: Int32(4 * $0)) }

    public init() {}

    /// Stage `stage` gets `first` on channel 0 (left, or mid) and `second` on channel 1.
    /// Stages never set pass the signal through.
    public mutating func setCoefficients(stage: Int, _ first: BiquadCoefficients, _ second: BiquadCoefficients) {
        precondition(stage >= 0 && stage < Self.capacity, "stage \(stage) outside the cascade")
        groups[stage / 4].setCoefficients(lane: 2 * (stage % 4), first, second)
    }

    public mutating func reset() {
        for group in 0..<Self.groupCount { groups[group].reset() }
    }

    /// Filters `count` frames of two planar channels in place, through every stage in order.
    ///
    /// All 24 stages form one wavefront: stage s filters sample `step − s`, so each step has six
    /// groups of independent work and the recurrences of the stages overlap instead of queueing.
    public mutating func process(_ first: UnsafeMutablePointer<Float>, _ second: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        // The last stage filters sample `step − 23`; its output reaches here a step later.
        let lag = Self.capacity
        for step in 0..<(count + lag) {
            let edge = step < lag - 1 || step >= count
            var carry = step < count ? SIMD2(first[step], second[step]) : SIMD2<Float>()
            for group in 0..<Self.groupCount {
                carry = groups[group].step(carry, step: step, count: count, edge: edge)
            }
            if step >= lag {
                first[step - lag] = carry[0]
                second[step - lag] = carry[1]
            }
        }
    }

    /// Four stages, two channels each: lanes (stage 0 ch 0, stage 0 ch 1, stage 1 ch 0, …).
    private struct Group: Sendable {
        var b0 = SIMD8<Float>(repeating: 1), b1 = SIMD8<Float>(), b2 = SIMD8<Float>()
        var a1 = SIMD8<Float>(), a2 = SIMD8<Float>()
        var z1 = SIMD8<Float>(), z2 = SIMD8<Float>()
        /// What each stage made at the last step (its last two lanes feed the next group).
        var previous = SIMD8<Float>()
        /// Added to one state and removed from the other each sample, as `StereoBiquad` does; 0
        /// in the lanes of stages never set, so they pass the signal through exactly.
        var antiDenormal = SIMD8<Float>()
        /// Each lane's stage in the whole cascade.
        let stageOfLane: SIMD8<Int32>

        init(firstStage: Int32) {
            stageOfLane = SIMD8<Int32>(0, 0, 1, 1, 2, 2, 3, 3) &+ firstStage
        }

        /// Called on the audio thread while a curve glides: no array, one lane at a time.
        mutating func setCoefficients(lane: Int, _ first: BiquadCoefficients, _ second: BiquadCoefficients) {
            set(lane, first)
            set(lane + 1, second)
        }

        private mutating func set(_ lane: Int, _ c: BiquadCoefficients) {
            b0[lane] = Float(c.b0); b1[lane] = Float(c.b1); b2[lane] = Float(c.b2)
            a1[lane] = Float(c.a1); a2[lane] = Float(c.a2)
            antiDenormal[lane] = 1e-20
        }

        mutating func reset() { z1 = .zero; z2 = .zero; previous = .zero }

        /// One step: `carry` is what the stage before this group made a step ago (or the new
        /// sample); returns what this group's last stage made a step ago, for the next group.
        @inline(__always)
        mutating func step(_ carry: SIMD2<Float>, step: Int, count: Int, edge: Bool) -> SIMD2<Float> {
            let last = previous
            let input = SIMD8(carry[0], carry[1], last[0], last[1], last[2], last[3], last[4], last[5])
            let output = b0 * input + z1
            let nextZ1 = b1 * input - a1 * output + z2 + antiDenormal
            let nextZ2 = b2 * input - a2 * output - antiDenormal
            if edge {
                // Only lanes on a sample of this block (0 ≤ step − stage < count) move: the sign
                // bits of (stage − step − 1) and (step − count − stage) are both set exactly there.
                let stepped = SIMD8<Int32>(repeating: Int32(step))
                let live = ((stageOfLane &- stepped &- 1) & (stepped &- Int32(count) &- stageOfLane)) &>> 31
                z1 = Self.select(live, nextZ1, z1)
                z2 = Self.select(live, nextZ2, z2)
            } else {
                z1 = nextZ1; z2 = nextZ2
            }
            previous = output
            return SIMD2(last[6], last[7])
        }

        /// Lanes of `whereTrue` where `mask` is all ones, of `otherwise` where it is 0 (bit for bit).
        @inline(__always)
        static func select(_ mask: SIMD8<Int32>, _ whereTrue: SIMD8<Float>, _ otherwise: SIMD8<Float>) -> SIMD8<Float> {
            let chosen = (unsafeBitCast(whereTrue, to: SIMD8<Int32>.self) & mask) | (unsafeBitCast(otherwise, to: SIMD8<Int32>.self) & ~mask)
            return unsafeBitCast(chosen, to: SIMD8<Float>.self)
        }
    }
}
