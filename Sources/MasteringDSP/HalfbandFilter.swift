import Glibc

/// A linear-phase half-band FIR for 2× up- and down-sampling, in polyphase form.
///
/// Half-band: h(0) = ½, h(±2m) = 0, so only the odd taps cost anything. Designed as a
/// Kaiser-windowed sinc with `halfLength` odd taps per side (2·halfLength·2 − 1 in all).
/// The interpolator delays by `halfLength` input samples, the decimator by `halfLength − 1`
/// output samples, so a round trip delays by `2·halfLength − 1` samples of the slower rate.
struct HalfbandDesign {
    /// h(1), h(3), …, h(2K−1); the filter is symmetric.
    let oddTaps: [Float]
    var halfLength: Int { oddTaps.count }

    init(halfLength: Int, kaiserBeta: Double) {
        let span = Double(2 * halfLength)
        oddTaps = (0..<halfLength).map { j in
            let d = Double(2 * j + 1)
            let sinc = sin(Double.pi * d / 2) / (Double.pi * d / 2)
            return Float(0.5 * sinc * HalfbandDesign.kaiser(d / span, beta: kaiserBeta))
        }
    }

    static func kaiser(_ x: Double, beta: Double) -> Double {
        func i0(_ value: Double) -> Double {
            var sum = 1.0, term = 1.0
            for k in 1..<30 { term *= (value / (2 * Double(k))) * (value / (2 * Double(k))); sum += term }
            return sum
        }
        guard abs(x) <= 1 else { return 0 }
        return i0(beta * (1 - x * x).squareRoot()) / i0(beta)
    }
}

/// 2× interpolator: one stereo frame in, two out.
struct HalfbandUpsampler {
    private let taps: UnsafeMutablePointer<Float>
    private let tapCount: Int
    /// The last 2K inputs, written twice so every window is contiguous. Allocated once, at
    /// creation (in `prepare`); shared by copies, which is fine for the single owner that uses it.
    private let history: UnsafeMutablePointer<SIMD2<Float>>
    private var position = 0

    init(_ design: HalfbandDesign) {
        tapCount = design.halfLength
        taps = .allocate(capacity: tapCount)
        taps.initialize(from: design.oddTaps, count: tapCount)
        history = .allocate(capacity: 4 * tapCount)
        history.initialize(repeating: .zero, count: 4 * tapCount)
    }

    /// Frees the buffers; the owner calls this once, when it is done with the filter.
    func deallocate() { taps.deallocate(); history.deallocate() }

    mutating func reset() { history.update(repeating: .zero, count: 4 * tapCount); position = 0 }

    /// (even, odd) outputs for the input `halfLength` frames ago.
    @inline(__always) mutating func process(_ input: SIMD2<Float>) -> (SIMD2<Float>, SIMD2<Float>) {
        let k = tapCount, length = 2 * k
        history[position] = input
        history[position + length] = input
        position = position + 1 == length ? 0 : position + 1
        // Window oldest→newest: window[i] = x[n − 2K + 1 + i]. The output pair belongs to the
        // centre c = n − K (window[K − 1]): y(c) = x[c], y(c + ½) = 2 Σ h(2j+1)·(x[c−j] + x[c+1+j]).
        let window = history + position
        var odd = SIMD2<Float>.zero
        for j in 0..<k { odd += taps[j] * (window[k - 1 - j] + window[k + j]) }
        return (window[k - 1], 2 * odd)
    }
}

/// 2× decimator: two stereo frames in, one out.
struct HalfbandDownsampler {
    private let taps: UnsafeMutablePointer<Float>
    private let tapCount: Int
    /// Odd and even input histories (2K each, written twice); allocated once, like the upsampler's.
    private let oddHistory: UnsafeMutablePointer<SIMD2<Float>>
    private let evenHistory: UnsafeMutablePointer<SIMD2<Float>>
    private var position = 0

    init(_ design: HalfbandDesign) {
        tapCount = design.halfLength
        taps = .allocate(capacity: tapCount)
        taps.initialize(from: design.oddTaps, count: tapCount)
        oddHistory = .allocate(capacity: 4 * tapCount)
        evenHistory = .allocate(capacity: 4 * tapCount)
        oddHistory.initialize(repeating: .zero, count: 4 * tapCount)
        evenHistory.initialize(repeating: .zero, count: 4 * tapCount)
    }

    func deallocate() { taps.deallocate(); oddHistory.deallocate(); evenHistory.deallocate() }

    mutating func reset() {
        oddHistory.update(repeating: .zero, count: 4 * tapCount)
        evenHistory.update(repeating: .zero, count: 4 * tapCount)
        position = 0
    }

    @inline(__always) mutating func process(even: SIMD2<Float>, odd: SIMD2<Float>) -> SIMD2<Float> {
        let k = tapCount, length = 2 * k
        evenHistory[position] = even; evenHistory[position + length] = even
        oddHistory[position] = odd; oddHistory[position + length] = odd
        position = position + 1 == length ? 0 : position + 1
        // y[c] = ½·e[c] + Σ h(2j+1)·(o[c−1−j] + o[c+j]), with c = n − K + 1 (window[K]).
        let window = oddHistory + position
        var sum = SIMD2<Float>.zero
        for j in 0..<k { sum += taps[j] * (window[k - 1 - j] + window[k + j]) }
        return 0.5 * evenHistory[position + k] + sum
    }
}
