/// A fourth-order Linkwitz–Riley two-way crossover for one channel.
///
/// Each side is two cascaded Butterworth sections (24 dB/octave); the low and high
/// outputs are −6 dB at the corner and sum to an all-pass, so band energies add up
/// to the whole without a bump at the crossover.
public struct LinkwitzRileyCrossover: Sendable {
    private var low1: Biquad, low2: Biquad
    private var high1: Biquad, high2: Biquad

    public init(sampleRate: Double, frequency: Double) {
        let lp = BiquadCoefficients.lowPass(sampleRate: sampleRate, frequency: frequency)
        let hp = BiquadCoefficients.highPass(sampleRate: sampleRate, frequency: frequency)
        low1 = Biquad(lp); low2 = Biquad(lp)
        high1 = Biquad(hp); high2 = Biquad(hp)
    }

    public mutating func reset() {
        low1.reset(); low2.reset(); high1.reset(); high2.reset()
    }

    /// Splits one sample into its (low, high) parts.
    @inline(__always)
    public mutating func process(_ input: Float) -> (low: Float, high: Float) {
        (low2.process(low1.process(input)), high2.process(high1.process(input)))
    }

    /// The low side alone.
    @inline(__always)
    public mutating func lowPass(_ input: Float) -> Float { low2.process(low1.process(input)) }

    /// The high side alone.
    @inline(__always)
    public mutating func highPass(_ input: Float) -> Float { high2.process(high1.process(input)) }
}
