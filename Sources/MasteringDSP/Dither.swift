/// TPDF dither for integer output: the sum of two independent uniform values of ±½ LSB
/// (triangular, ±1 LSB), added before the file's quantizer, so quantization error becomes
/// a steady, signal-independent noise floor (variance LSB²/6 from the dither plus LSB²/12
/// from rounding).
///
/// The four uniform values a frame needs come from four xorshift32 generators side by side,
/// one per vector lane, each seeded apart: one vector step per frame instead of four steps in
/// a chain, and each frame takes exactly one step, so the noise does not depend on block sizes.
public struct TPDFDither {
    private var state = SIMD4<UInt32>(0x1234_5678, 0x9E37_79B9, 0x85EB_CA6B, 0xC2B2_AE35)
    private var leastSignificantBit: Float = 0

    public init() {}

    /// `bitDepth` 16 or 24; 0 or 32 turns dither off (float output).
    public mutating func prepare(bitDepth: Int) {
        leastSignificantBit = (bitDepth > 0 && bitDepth < 32) ? 1 / Float(1 << (bitDepth - 1)) : 0
    }

    /// Four uniform values in [−½, ½): the generators' states read as signed integers, scaled.
    @inline(__always) private mutating func uniforms() -> SIMD4<Float> {
        state ^= state &<< 13; state ^= state &>> 17; state ^= state &<< 5
        return SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: state)) * (1 / 4_294_967_296)
    }

    public mutating func process(_ block: StereoBlock) {
        guard leastSignificantBit > 0 else { return }
        let lsb = leastSignificantBit
        for index in 0..<block.frameCount {
            let values = uniforms()
            block.left[index] += (values[0] + values[1]) * lsb
            block.right[index] += (values[2] + values[3]) * lsb
        }
    }
}
