/// A parameter that glides to a new target instead of jumping (no zipper noise).
///
/// The control side sets `target`; once per block the audio side calls `advance(frames:)`
/// and reads `current` (or per-sample values from `value(at:)`). The ramp is recomputed
/// from the remaining distance each block, so rounding never accumulates and the value
/// lands exactly on the target when the ramp time is over.
public struct SmoothedValue: Sendable {
    public private(set) var current: Double
    public private(set) var target: Double
    private var blockStart: Double
    private var framesLeft = 0
    private let rampFrames: Int

    public init(_ value: Double, rampFrames: Int) {
        current = value; target = value; blockStart = value
        self.rampFrames = max(1, rampFrames)
    }

    /// The value at the start of the block just advanced over.
    public var previous: Double { blockStart }

    /// True while a ramp is under way (callers recompute derived values only then).
    public var isRamping: Bool { framesLeft > 0 }

    /// Starts a glide to `value` over the ramp time.
    public mutating func setTarget(_ value: Double) {
        guard value != target else { return }
        target = value
        framesLeft = rampFrames
    }

    /// Jumps to `value` (on reset or before playback).
    public mutating func snap(to value: Double) {
        current = value; target = value; blockStart = value; framesLeft = 0
    }

    /// Moves `frames` along the ramp. `value(at:)` then interpolates within this block.
    public mutating func advance(frames: Int) {
        blockStart = current
        guard framesLeft > 0 else { return }
        let step = min(frames, framesLeft)
        current += (target - current) * Double(step) / Double(framesLeft)
        framesLeft -= step
        if framesLeft == 0 { current = target }
    }

    /// The value `frame` frames into the block just advanced over `frames` frames.
    @inline(__always)
    public func value(at frame: Int, of frames: Int) -> Double {
        blockStart + (current - blockStart) * Double(frame + 1) / Double(frames)
    }
}
