/// TPDF dither for integer output: the sum of two independent uniform values of ±½ LSB
/// (triangular, ±1 LSB), added before the file's quantizer, so quantization error becomes
/// a steady, signal-independent noise floor (variance LSB²/6 from the dither plus LSB²/12
/// from rounding).
public struct TPDFDither {
    private var state: UInt32 = 0x1234_5678
    private var leastSignificantBit: Float = 0

    public init() {}

    /// `bitDepth` 16 or 24; 0 or 32 turns dither off (float output).
    public mutating func prepare(bitDepth: Int) {
        leastSignificantBit = (bitDepth > 0 && bitDepth < 32) ? 1 / Float(1 << (bitDepth - 1)) : 0
    }

    @inline(__always) private mutating func uniform() -> Float {
        state ^= state << 13; state ^= state >> 17; state ^= state << 5
        return Float(state) * (1 / 4_294_967_296) - 0.5
    }

    public mutating func process(_ block: StereoBlock) {
        guard leastSignificantBit > 0 else { return }
        let lsb = leastSignificantBit
        for index in 0..<block.frameCount {
            block.left[index] += (uniform() + uniform()) * lsb
            block.right[index] += (uniform() + uniform()) * lsb
        }
    }
}
