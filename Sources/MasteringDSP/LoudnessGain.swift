import Glibc

/// The loudness controller's gain: follows its target in dB, never faster than a slew
/// limit, so level changes between sections are glides, not jumps or pumping.
///
/// Parameters: gain −40…+40 dB; slew limit in dB per second (default 3 dB/s).
/// The gain is interpolated per sample, linearly in dB across each block.
public struct LoudnessGain {
    public static let defaultSlewDBPerSecond = 3.0

    private var currentDB = 0.0
    private var targetDB = 0.0
    private var slewPerFrame = 0.0
    public var slewDBPerSecond = LoudnessGain.defaultSlewDBPerSecond
    /// The gain at the end of the last block, dB: what the meters and tests read.
    public var appliedDB: Double { currentDB }

    public init() {}

    public mutating func prepare(_ spec: ProcessSpec) {
        slewPerFrame = slewDBPerSecond / spec.sampleRate
    }

    public mutating func reset() { currentDB = targetDB }

    public mutating func setTarget(_ decibels: Double) { targetDB = min(max(decibels, -40), 40) }

    /// Jumps to `decibels` (before a render starts).
    public mutating func snap(to decibels: Double) { setTarget(decibels); currentDB = targetDB }

    public mutating func process(_ block: StereoBlock) {
        let frames = block.frameCount
        guard frames > 0 else { return }
        let startDB = currentDB
        let maximumMove = slewPerFrame * Double(frames)
        currentDB += min(max(targetDB - currentDB, -maximumMove), maximumMove)
        let startGain = Float(pow(10, startDB / 20)), endGain = Float(pow(10, currentDB / 20))
        if startGain == endGain {
            for index in 0..<frames { block.left[index] *= endGain; block.right[index] *= endGain }
            return
        }
        // Geometric interpolation = linear in dB.
        let ratio = Float(pow(Double(endGain / startGain), 1 / Double(frames)))
        var gain = startGain
        for index in 0..<frames {
            gain *= ratio
            block.left[index] *= gain
            block.right[index] *= gain
        }
    }
}
