import Glibc

/// Normalised biquad coefficients (a0 = 1), from the Audio EQ Cookbook (R. Bristow-Johnson).
///
/// Pure factories: computing coefficients never touches filter state, so a caller
/// may compute them on any thread and hand them to the audio thread.
public struct BiquadCoefficients: Equatable, Sendable {
    public var b0: Double, b1: Double, b2: Double, a1: Double, a2: Double

    public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0; self.b1 = b1; self.b2 = b2; self.a1 = a1; self.a2 = a2
    }

    /// Passes the signal unchanged.
    public static let identity = BiquadCoefficients(b0: 1, b1: 0, b2: 0, a1: 0, a2: 0)

    /// The Butterworth quality factor, 1/√2: maximally flat passband.
    public static let butterworthQ = 1.0 / 2.0.squareRoot()

    private static func normalised(_ b0: Double, _ b1: Double, _ b2: Double,
                                   _ a0: Double, _ a1: Double, _ a2: Double) -> BiquadCoefficients {
        BiquadCoefficients(b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0)
    }

    /// Second-order low-pass. Cookbook LPF.
    public static func lowPass(sampleRate: Double, frequency: Double, q: Double = butterworthQ) -> BiquadCoefficients {
        let w0 = 2 * Double.pi * frequency / sampleRate
        let cosW0 = cos(w0), alpha = sin(w0) / (2 * q)
        return normalised((1 - cosW0) / 2, 1 - cosW0, (1 - cosW0) / 2, 1 + alpha, -2 * cosW0, 1 - alpha)
    }

    /// Second-order high-pass. Cookbook HPF.
    public static func highPass(sampleRate: Double, frequency: Double, q: Double = butterworthQ) -> BiquadCoefficients {
        let w0 = 2 * Double.pi * frequency / sampleRate
        let cosW0 = cos(w0), alpha = sin(w0) / (2 * q)
        return normalised((1 + cosW0) / 2, -(1 + cosW0), (1 + cosW0) / 2, 1 + alpha, -2 * cosW0, 1 - alpha)
    }

    /// Low shelf with gain `gainDB` below `frequency` (the shelf midpoint). Cookbook lowShelf, slope S = `slope`.
    public static func lowShelf(sampleRate: Double, frequency: Double, gainDB: Double, slope: Double = 1) -> BiquadCoefficients {
        let a = pow(10, gainDB / 40)
        let w0 = 2 * Double.pi * frequency / sampleRate
        let cosW0 = cos(w0)
        let alpha = sin(w0) / 2 * ((a + 1 / a) * (1 / slope - 1) + 2).squareRoot()
        let twoSqrtAAlpha = 2 * a.squareRoot() * alpha
        return normalised(
            a * ((a + 1) - (a - 1) * cosW0 + twoSqrtAAlpha),
            2 * a * ((a - 1) - (a + 1) * cosW0),
            a * ((a + 1) - (a - 1) * cosW0 - twoSqrtAAlpha),
            (a + 1) + (a - 1) * cosW0 + twoSqrtAAlpha,
            -2 * ((a - 1) + (a + 1) * cosW0),
            (a + 1) + (a - 1) * cosW0 - twoSqrtAAlpha)
    }

    /// High shelf with gain `gainDB` above `frequency` (the shelf midpoint). Cookbook highShelf, slope S = `slope`.
    public static func highShelf(sampleRate: Double, frequency: Double, gainDB: Double, slope: Double = 1) -> BiquadCoefficients {
        let a = pow(10, gainDB / 40)
        let w0 = 2 * Double.pi * frequency / sampleRate
        let cosW0 = cos(w0)
        let alpha = sin(w0) / 2 * ((a + 1 / a) * (1 / slope - 1) + 2).squareRoot()
        let twoSqrtAAlpha = 2 * a.squareRoot() * alpha
        return normalised(
            a * ((a + 1) + (a - 1) * cosW0 + twoSqrtAAlpha),
            -2 * a * ((a - 1) + (a + 1) * cosW0),
            a * ((a + 1) + (a - 1) * cosW0 - twoSqrtAAlpha),
            (a + 1) - (a - 1) * cosW0 + twoSqrtAAlpha,
            2 * ((a - 1) - (a + 1) * cosW0),
            (a + 1) - (a - 1) * cosW0 - twoSqrtAAlpha)
    }

    /// Peaking (bell) EQ. Cookbook peakingEQ.
    public static func peaking(sampleRate: Double, frequency: Double, q: Double, gainDB: Double) -> BiquadCoefficients {
        let a = pow(10, gainDB / 40)
        let w0 = 2 * Double.pi * frequency / sampleRate
        let cosW0 = cos(w0), alpha = sin(w0) / (2 * q)
        return normalised(1 + alpha * a, -2 * cosW0, 1 - alpha * a, 1 + alpha / a, -2 * cosW0, 1 - alpha / a)
    }

    /// |H(e^jω)| at `frequency`, evaluated analytically: what tests compare measured responses against.
    public func magnitude(atFrequency frequency: Double, sampleRate: Double) -> Double {
        let w = 2 * Double.pi * frequency / sampleRate
        // Numerator and denominator as complex polynomials in e^{-jw}.
        let nr = b0 + b1 * cos(w) + b2 * cos(2 * w), ni = -(b1 * sin(w) + b2 * sin(2 * w))
        let dr = 1 + a1 * cos(w) + a2 * cos(2 * w), di = -(a1 * sin(w) + a2 * sin(2 * w))
        return ((nr * nr + ni * ni) / (dr * dr + di * di)).squareRoot()
    }
}
