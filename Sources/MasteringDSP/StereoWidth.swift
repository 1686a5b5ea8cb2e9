/// Mid/side stereo width: 0 folds to mono, 1 leaves the signal alone, 2 doubles the sides.
///
/// M = (L+R)/2 and S = (L−R)/2·width, then L = M+S, R = M−S. The width glides over 20 ms.
public struct StereoWidth {
    private var width = SmoothedValue(1, rampFrames: 1)

    public init() {}

    public mutating func prepare(_ spec: ProcessSpec) {
        width = SmoothedValue(width.target, rampFrames: Int(0.02 * spec.sampleRate))
    }

    public mutating func reset() { width.snap(to: width.target) }

    public mutating func setWidth(_ value: Double) { width.setTarget(min(max(value, 0), 2)) }

    public mutating func process(_ block: StereoBlock) {
        let frames = block.frameCount
        guard frames > 0 else { return }
        width.advance(frames: frames)
        let ramping = width.current != width.previous
        for index in 0..<frames {
            let w = ramping ? Float(width.value(at: index, of: frames)) : Float(width.current)
            let left = block.left[index], right = block.right[index]
            let mid = (left + right) * 0.5
            let side = (left - right) * 0.5 * w
            block.left[index] = mid + side
            block.right[index] = mid - side
        }
    }
}
