/// TPDF dither for integer output: the sum of two independent uniform values of ±½ LSB
/// (triangular, ±1 LSB), added before the file's quantizer, so quantization error becomes
/// a steady, signal-independent noise floor (variance LSB²/6 from the dither plus LSB²/12
/// from rounding).
///
/// The four uniform values a frame needs come from four xorshift32 generators side by side,
/// one per vector lane, each seeded apart: one vector step per frame instead of four steps in
/// a chain, and each frame takes exactly one step, so the noise does not depend on block sizes.
///
/// Digital silence stays digital silence. Once both channels have stayed under a 64th of the
/// LSB (`silenceShareOfLSB`) for `silenceHoldFrames` frames, no dither is added until a frame
/// rises above it again, so a master's silent head, tail and gaps are zeros. Without this they
/// were ±1 LSB of noise: not the "digital black" a mastering engineer checks for, and noise
/// that lossless codecs cannot pack. A song that starts in silence is silent from its first
/// frame. Quiet sound (hiss, a fade) is far above the level and keeps its dither.
public struct TPDFDither {
    /// A frame under this share of the LSB is silence: 1/64, 36 dB under it (−126 dBFS at 16
    /// bits, −175 at 24), where the signal would be buried deep in the dither's own noise. A
    /// silent input leaves the chain at about 10⁻²⁰, the filters' guard against subnormal
    /// numbers; a stopped song's filter tails fall through it within a fraction of a second.
    public static let silenceShareOfLSB: Float = 1.0 / 64
    /// Frames of silence before dither stops: 256 (5.8 ms at 44.1 kHz), so a lone sample near
    /// zero inside sound never stops it.
    public static let silenceHoldFrames = 256

    private var state = SIMD4<UInt32>(0x1234_5678, 0x9E37_79B9, 0x85EB_CA6B, 0xC2B2_AE35)
    private var leastSignificantBit: Float = 0
    private var silenceLevel: Float = 0
    /// Frames in a row under `silenceLevel`; it starts at the hold, so a silent start is black.
    private var silentFrames = TPDFDither.silenceHoldFrames

    public init() {}

    /// `bitDepth` 16 or 24; 0 or 32 turns dither off (float output).
    public mutating func prepare(bitDepth: Int) {
        leastSignificantBit = (bitDepth > 0 && bitDepth < 32) ? 1 / Float(1 << (bitDepth - 1)) : 0
        silenceLevel = leastSignificantBit * Self.silenceShareOfLSB
        silentFrames = Self.silenceHoldFrames
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
            let left = block.left[index], right = block.right[index]
            if max(abs(left), abs(right)) < silenceLevel {
                silentFrames += 1
                if silentFrames > Self.silenceHoldFrames { continue }
            } else {
                silentFrames = 0
            }
            block.left[index] = left + (values[0] + values[1]) * lsb
            block.right[index] = right + (values[2] + values[3]) * lsb
        }
    }
}
