/// How much of a mix arrives clipped: runs of three or more samples in a row, in one channel, at
/// or over full scale. This is the "over" that digital meters light. A peak that just touches
/// full scale is not counted, but a flat top is. A mastering chain cannot put a flat top back,
/// so a clipped mix is one to send back for a bounce with headroom.
public struct ClipCount: Sendable, Equatable {
    /// Separate runs: how many times the mix clipped.
    public var runs = 0
    /// Samples in those runs, all channels together.
    public var samples = 0

    public init(runs: Int = 0, samples: Int = 0) {
        self.runs = runs
        self.samples = samples
    }
}

/// Counts `ClipCount`s block by block. A run may span any number of blocks.
struct ClipCounter {
    /// A sample at least this large, either sign, is at full scale. This is the largest 16-bit
    /// code, 32767/32768: the positive rail of a 16-bit file. Its negative rail reads −1, and a
    /// symmetric clipper stops at −32767, which this counts too. The rails of 24- and 32-bit
    /// files, and floats at or over 1, are above it.
    static let sixteenBitRail: Float = 32767 / 32768
    /// This counter's full scale: the 16-bit rail, or a file's own largest code where that is
    /// lower (an 8-bit file's 127/128, which the 16-bit rail missed: only its negative clips
    /// were counted).
    let fullScale: Float
    /// The samples in a row that make a clip (a meter's "over").
    static let shortestRun = 3

    private let channelCount: Int
    private(set) var count = ClipCount()
    /// Each channel's samples at full scale up to the block's end.
    private var openRuns: [Int]
    private var anyRunOpen = false

    /// `integerBits`: the file's, when it is an integer file (see `AudioSource.integerBits`).
    init(channelCount: Int, integerBits: Int? = nil) {
        self.channelCount = channelCount
        if let bits = integerBits, (2...16).contains(bits) {
            let codes = Float(1 << (bits - 1))
            fullScale = (codes - 1) / codes
        } else {
            fullScale = Self.sixteenBitRail
        }
        openRuns = Array(repeating: 0, count: channelCount)
    }

    /// Feeds interleaved frames. `blockPeak` is the block's largest magnitude, which the caller
    /// already has. A block under full scale with no run open is skipped without reading its
    /// samples, so a mix that never clips costs nothing here.
    mutating func add(_ block: UnsafeBufferPointer<Float>, blockPeak: Float) {
        guard blockPeak >= fullScale || anyRunOpen else { return }
        var channel = 0
        for sample in block {
            if abs(sample) >= fullScale {
                openRuns[channel] += 1
            } else if openRuns[channel] > 0 {
                close(channel)
            }
            channel += 1
            if channel == channelCount { channel = 0 }
        }
        anyRunOpen = openRuns.contains { $0 > 0 }
    }

    /// The count so far, with the runs still open at the end of the audio.
    var total: ClipCount {
        var total = count
        for run in openRuns where run >= Self.shortestRun {
            total.runs += 1
            total.samples += run
        }
        return total
    }

    private mutating func close(_ channel: Int) {
        if openRuns[channel] >= Self.shortestRun {
            count.runs += 1
            count.samples += openRuns[channel]
        }
        openRuns[channel] = 0
    }
}
