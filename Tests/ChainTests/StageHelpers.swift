import MasteringDSP

/// Runs a stage over stereo test signals in blocks, as the chain would.
struct StereoSignal {
    var left: [Float]
    var right: [Float]

    init(left: [Float], right: [Float]) { self.left = left; self.right = right }

    /// From interleaved stereo samples.
    init(interleaved: [Float]) {
        left = stride(from: 0, to: interleaved.count, by: 2).map { interleaved[$0] }
        right = stride(from: 1, to: interleaved.count, by: 2).map { interleaved[$0] }
    }

    var interleaved: [Float] { zip(left, right).flatMap { [$0, $1] } }

    /// Calls `body` on consecutive blocks of at most `blockFrames`.
    mutating func process(blockFrames: Int = 512, _ body: (StereoBlock) -> Void) {
        let count = left.count
        left.withUnsafeMutableBufferPointer { l in
            right.withUnsafeMutableBufferPointer { r in
                var start = 0
                while start < count {
                    let frames = min(blockFrames, count - start)
                    body(StereoBlock(left: l.baseAddress! + start, right: r.baseAddress! + start, frameCount: frames))
                    start += frames
                }
            }
        }
    }
}
