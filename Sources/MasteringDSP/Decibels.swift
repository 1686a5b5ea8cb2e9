import Glibc

/// Conversions between linear amplitude or power and decibels.
///
/// Silence maps to `-Double.infinity`, never to a made-up floor, so callers decide how to show it.
public enum Decibels {
    /// 20·log10(amplitude).
    @inlinable public static func fromAmplitude(_ amplitude: Double) -> Double {
        amplitude > 0 ? 20 * log10(amplitude) : -.infinity
    }

    /// 10·log10(power), for mean squares and energies.
    @inlinable public static func fromPower(_ power: Double) -> Double {
        power > 0 ? 10 * log10(power) : -.infinity
    }

    /// 10^(dB/20).
    @inlinable public static func toAmplitude(_ decibels: Double) -> Double {
        pow(10, decibels / 20)
    }
}
