/// Rounds float samples to a PCM file's integers: to the nearest code, clamped to the codes the
/// file has (−2ᵇ⁻¹ … 2ᵇ⁻¹ − 1 of full scale 2ᵇ⁻¹, as libsndfile reads them back), placed in the
/// top bits of an `Int32` for `sf_writef_int`, which stores those bits as they are.
///
/// libsndfile's own float conversion is not used for PCM. In clipping mode (Debian 12's
/// libsndfile 1.2.0) it scales to 32 bits, rounds, then drops the low bits with a shift, which
/// floors to the file's codes instead of rounding. Every 16- or 24-bit file came out half an LSB
/// low (a −96 dBFS offset at 16 bits), quantization error ran from 0 to −1 LSB instead of ±½,
/// and a master's digital silence, whose samples are tiny negatives as often as tiny positives,
/// came out as runs of −1 (libsndfile issue #362; fixed upstream in 2023 by pull request #959).
/// Without clipping mode it scales by 2ᵇ⁻¹ − 1 and wraps around over full scale.
struct IntegerQuantizer {
    private let scale: Double
    private let lowest: Double
    private let highest: Double
    private let shift: Int32
    /// 1.5 · 2⁵²: a sum with it lies where a double's step is exactly 1, so the addition
    /// itself rounds to the nearest integer (ties to even), which its low bits then hold.
    private static let roundingMagic = 6_755_399_441_055_744.0

    init(bitDepth: Int) {
        precondition((8...24).contains(bitDepth), "PCM of 8 to 24 bits")
        scale = Double(1 << (bitDepth - 1))
        lowest = -scale
        highest = scale - 1
        shift = Int32(32 - bitDepth)
    }

    /// Writes `samples` into `output` (as many) as the file's integers. A NaN sample (never
    /// made by the chain) is written as 0 rather than trapping.
    ///
    /// Plain arithmetic, with no call and no trap, so the compiler can vectorise it: the
    /// standard library's `rounded` calls `rintf` for each sample on this target (no SSE4.1),
    /// and its float-to-integer conversions check their range.
    func quantize(_ samples: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Int32>) {
        precondition(output.count >= samples.count)
        guard let input = samples.baseAddress, let integers = output.baseAddress else { return }
        let (scale, lowest, highest, shift, magic) = (scale, lowest, highest, shift, Self.roundingMagic)
        let magicBits = Int64(bitPattern: magic.bitPattern)
        for index in 0..<samples.count {
            let scaled = Double(input[index]) * scale
            let clamped = scaled == scaled ? (scaled > highest ? highest : (scaled < lowest ? lowest : scaled)) : 0
            let code = Int64(bitPattern: (clamped + magic).bitPattern) &- magicBits
            integers[index] = Int32(truncatingIfNeeded: code) &<< shift
        }
    }
}
