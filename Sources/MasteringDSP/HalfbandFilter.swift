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

/// Ring slots beyond a window of 2K inputs: three, so that after four writes all four frames'
/// windows are still whole (`processQuad`).
private let spareSlots = 3

/// 2× interpolator: one stereo frame in, two out (or two in, four out, with `processPair`; four in,
/// eight out, with `processQuad`).
struct HalfbandUpsampler {
    private let taps: UnsafeMutablePointer<Float>
    private let tapCount: Int
    /// The last 2K + 3 inputs (three more than a window, so that after four writes every frame's
    /// window is still whole), written twice so every window is contiguous. Allocated once, at
    /// creation (in `prepare`); shared by copies, which is fine for the single owner that uses it.
    private let history: UnsafeMutablePointer<SIMD2<Float>>
    private var position = 0
    private var slots: Int { 2 * tapCount + spareSlots }

    init(_ design: HalfbandDesign) {
        tapCount = design.halfLength
        taps = .allocate(capacity: tapCount)
        taps.initialize(from: design.oddTaps, count: tapCount)
        history = .allocate(capacity: 2 * (2 * tapCount + spareSlots))
        history.initialize(repeating: .zero, count: 2 * (2 * tapCount + spareSlots))
    }

    /// Frees the buffers; the owner calls this once, when it is done with the filter.
    func deallocate() { taps.deallocate(); history.deallocate() }

    mutating func reset() { history.update(repeating: .zero, count: 2 * slots); position = 0 }

    /// Stores an input; afterwards `position` is the oldest slot, and the newest 2K inputs
    /// start `spareSlots` slots later.
    @inline(__always) private mutating func push(_ input: SIMD2<Float>) {
        history[position] = input
        history[position + slots] = input
        position = position + 1 == slots ? 0 : position + 1
    }

    /// (even, odd) outputs for the input `halfLength` frames ago.
    @inline(__always) mutating func process(_ input: SIMD2<Float>) -> (SIMD2<Float>, SIMD2<Float>) {
        push(input)
        // Window oldest→newest: window[i] = x[n − 2K + 1 + i]. The output pair belongs to the
        // centre c = n − K (window[K − 1]): y(c) = x[c], y(c + ½) = 2 Σ h(2j+1)·(x[c−j] + x[c+1+j]).
        return interpolate(windows: history + position + spareSlots)
    }

    /// Two frames at once, lane for lane what `process(first)` then `process(second)` give (the
    /// same sums in the same order), four floats a vector instead of two. Returns (even₁, even₂)
    /// and (odd₁, odd₂), each as (left, right, left, right).
    @inline(__always) mutating func processPair(_ first: SIMD2<Float>, _ second: SIMD2<Float>) -> (SIMD4<Float>, SIMD4<Float>) {
        push(first)
        push(second)
        // The first frame's window starts two slots after the oldest, the second's one later.
        return interpolate(windows: history + position + spareSlots - 1)
    }

    /// Four frames at once, lane for lane what four calls of `process` give, eight floats a
    /// vector. Returns the four evens and the four odds, each as (left, right) × 4.
    @inline(__always) mutating func processQuad(_ first: SIMD2<Float>, _ second: SIMD2<Float>, _ third: SIMD2<Float>,
                                                _ fourth: SIMD2<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
        push(first); push(second); push(third); push(fourth)
        // The first frame's window starts at the oldest slot, each next one a slot later.
        return interpolate(windows: history + position + spareSlots - 3)
    }

    /// (even, odd) outputs of consecutive frames whose windows start at `windows`, one slot
    /// apart: a vector load at `windows + i` holds element i of every frame's window, so each
    /// lane sums exactly as `process` does.
    @inline(__always) private func interpolate<Frames: SIMD>(windows: UnsafePointer<SIMD2<Float>>) -> (Frames, Frames)
    where Frames.Scalar == Float {
        let k = tapCount
        let base = UnsafeRawPointer(windows), stride = MemoryLayout<SIMD2<Float>>.stride
        @inline(__always) func frames(_ index: Int) -> Frames {
            base.loadUnaligned(fromByteOffset: index * stride, as: Frames.self)
        }
        var odd = Frames()
        for j in 0..<k { odd += taps[j] * (frames(k - 1 - j) + frames(k + j)) }
        return (frames(k - 1), 2 * odd)
    }
}

/// 2× decimator: two stereo frames in, one out (or four in, two out, with `processPair`; eight
/// in, four out, with `processQuad`).
struct HalfbandDownsampler {
    private let taps: UnsafeMutablePointer<Float>
    private let tapCount: Int
    /// Odd and even input histories (2K + 3 each, written twice); allocated once, like the upsampler's.
    private let oddHistory: UnsafeMutablePointer<SIMD2<Float>>
    private let evenHistory: UnsafeMutablePointer<SIMD2<Float>>
    private var position = 0
    private var slots: Int { 2 * tapCount + spareSlots }

    init(_ design: HalfbandDesign) {
        tapCount = design.halfLength
        taps = .allocate(capacity: tapCount)
        taps.initialize(from: design.oddTaps, count: tapCount)
        oddHistory = .allocate(capacity: 2 * (2 * tapCount + spareSlots))
        evenHistory = .allocate(capacity: 2 * (2 * tapCount + spareSlots))
        oddHistory.initialize(repeating: .zero, count: 2 * (2 * tapCount + spareSlots))
        evenHistory.initialize(repeating: .zero, count: 2 * (2 * tapCount + spareSlots))
    }

    func deallocate() { taps.deallocate(); oddHistory.deallocate(); evenHistory.deallocate() }

    mutating func reset() {
        oddHistory.update(repeating: .zero, count: 2 * slots)
        evenHistory.update(repeating: .zero, count: 2 * slots)
        position = 0
    }

    @inline(__always) private mutating func push(even: SIMD2<Float>, odd: SIMD2<Float>) {
        evenHistory[position] = even; evenHistory[position + slots] = even
        oddHistory[position] = odd; oddHistory[position + slots] = odd
        position = position + 1 == slots ? 0 : position + 1
    }

    @inline(__always) mutating func process(even: SIMD2<Float>, odd: SIMD2<Float>) -> SIMD2<Float> {
        push(even: even, odd: odd)
        // y[c] = ½·e[c] + Σ h(2j+1)·(o[c−1−j] + o[c+j]), with c = n − K + 1 (window[K]).
        return decimate(windowsFrom: position + spareSlots)
    }

    /// Two output frames at once, lane for lane as two calls of `process(even:odd:)`:
    /// `even` and `odd` hold the two calls' inputs as (left, right, left, right).
    @inline(__always) mutating func processPair(even: SIMD4<Float>, odd: SIMD4<Float>) -> SIMD4<Float> {
        push(even: even.lowHalf, odd: odd.lowHalf)
        push(even: even.highHalf, odd: odd.highHalf)
        return decimate(windowsFrom: position + spareSlots - 1)
    }

    /// Four output frames at once, lane for lane as four calls of `process(even:odd:)`: `even`
    /// and `odd` hold the four calls' inputs as (left, right) × 4.
    @inline(__always) mutating func processQuad(even: SIMD8<Float>, odd: SIMD8<Float>) -> SIMD8<Float> {
        push(even: SIMD2(even[0], even[1]), odd: SIMD2(odd[0], odd[1]))
        push(even: SIMD2(even[2], even[3]), odd: SIMD2(odd[2], odd[3]))
        push(even: SIMD2(even[4], even[5]), odd: SIMD2(odd[4], odd[5]))
        push(even: SIMD2(even[6], even[7]), odd: SIMD2(odd[6], odd[7]))
        return decimate(windowsFrom: position + spareSlots - 3)
    }

    /// Outputs of consecutive frames whose windows start at slot `start`, one slot apart (a
    /// vector load holds the same element of every frame's window), each lane summed as `process` sums.
    @inline(__always) private func decimate<Frames: SIMD>(windowsFrom start: Int) -> Frames where Frames.Scalar == Float {
        let k = tapCount
        let stride = MemoryLayout<SIMD2<Float>>.stride
        let window = UnsafeRawPointer(oddHistory + start), evens = UnsafeRawPointer(evenHistory + start)
        @inline(__always) func frames(_ base: UnsafeRawPointer, _ index: Int) -> Frames {
            base.loadUnaligned(fromByteOffset: index * stride, as: Frames.self)
        }
        var sum = Frames()
        for j in 0..<k { sum += taps[j] * (frames(window, k - 1 - j) + frames(window, k + j)) }
        return 0.5 * frames(evens, k) + sum
    }
}
