/// A small Schroeder reverb (the Freeverb layout): per channel, four damped feedback
/// combs in parallel then two all-passes in series; the right channel's delays are
/// 23 samples longer, which decorrelates the sides and makes the tail wide.
struct StereoReverb {
    private struct Comb {
        var buffer: [Float]
        var index = 0
        var store: Float = 0
        init(length: Int) { buffer = Array(repeating: 0, count: length) }

        @inline(__always) mutating func process(_ input: Float, feedback: Float, damping: Float) -> Float {
            let output = buffer[index]
            store = output * (1 - damping) + store * damping
            buffer[index] = input + store * feedback
            index += 1
            if index == buffer.count { index = 0 }
            return output
        }
    }

    private struct AllPass {
        var buffer: [Float]
        var index = 0
        init(length: Int) { buffer = Array(repeating: 0, count: length) }

        @inline(__always) mutating func process(_ input: Float) -> Float {
            let delayed = buffer[index]
            buffer[index] = input + delayed * 0.5
            index += 1
            if index == buffer.count { index = 0 }
            return delayed - input
        }
    }

    // Freeverb's tunings at 44.1 kHz, scaled for other rates.
    private static let combLengths = [1116, 1188, 1277, 1356]
    private static let allPassLengths = [556, 441]
    private static let stereoSpread = 23
    /// Room size (comb feedback) and high-frequency damping of the tail.
    private let feedback: Float = 0.84
    private let damping: Float = 0.3
    /// Input attenuation so the parallel combs do not overload.
    private let inputGain: Float = 0.03

    private var combsLeft: [Comb], combsRight: [Comb]
    private var allPassesLeft: [AllPass], allPassesRight: [AllPass]

    init(sampleRate: Double) {
        let scale = sampleRate / 44100
        func scaled(_ length: Int) -> Int { max(1, Int(Double(length) * scale)) }
        combsLeft = Self.combLengths.map { Comb(length: scaled($0)) }
        combsRight = Self.combLengths.map { Comb(length: scaled($0 + Self.stereoSpread)) }
        allPassesLeft = Self.allPassLengths.map { AllPass(length: scaled($0)) }
        allPassesRight = Self.allPassLengths.map { AllPass(length: scaled($0 + Self.stereoSpread)) }
    }

    /// One mono input sample to a (left, right) wet pair.
    @inline(__always) mutating func process(_ input: Float) -> (Float, Float) {
        let x = input * inputGain
        var left: Float = 0, right: Float = 0
        for index in 0..<4 {
            left += combsLeft[index].process(x, feedback: feedback, damping: damping)
            right += combsRight[index].process(x, feedback: feedback, damping: damping)
        }
        for index in 0..<2 {
            left = allPassesLeft[index].process(left)
            right = allPassesRight[index].process(right)
        }
        return (left, right)
    }
}
