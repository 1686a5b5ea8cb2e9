/// The 100 ms reading instants of a stream (frame round(k · rate / 10), k = 1, 2, …), so
/// libebur128 is read at exactly the same frames whatever the block sizes.
struct ReadingGrid {
    let sampleRate: Double
    let channelCount: Int
    /// Frames seen so far, and the index of the next reading.
    private(set) var frames = 0
    private var nextReading = 1

    init(sampleRate: Double, channelCount: Int) {
        self.sampleRate = sampleRate
        self.channelCount = channelCount
    }

    /// Cuts `block` (interleaved) at the reading instants: `part` gets each piece, `reading` is
    /// called when a piece ends exactly on an instant (with the instant's frame).
    mutating func split(_ block: UnsafeBufferPointer<Float>, part: (UnsafeBufferPointer<Float>) throws -> Void,
                        reading: (Int) throws -> Void) rethrows {
        let blockFrames = block.count / channelCount
        var offset = 0
        while offset < blockFrames {
            let readingFrame = Int((Double(nextReading) * sampleRate / 10).rounded())
            let take = min(blockFrames - offset, readingFrame - (frames + offset))
            try part(UnsafeBufferPointer(rebasing: block[(offset * channelCount)..<((offset + take) * channelCount)]))
            offset += take
            if frames + offset == readingFrame {
                nextReading += 1
                try reading(readingFrame)
            }
        }
        frames += blockFrames
    }
}
