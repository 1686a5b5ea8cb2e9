import MasteringDSP

/// Integrated loudness of a stream and of any stretch of it, measured by libebur128.
///
/// Keeps the K-weighted energy of every 100 ms sub-block (read from libebur128 at exact
/// 100 ms instants), so the gated loudness of any span of whole sub-blocks can be computed
/// afterwards with BS.1770's own blocks and gates (`SectionMeasurement.gatedLoudness`).
public final class LoudnessTimeline {
    private let meter: LoudnessMeter
    private let sampleRate: Double
    private let channelCount: Int
    private var grid: ReadingGrid
    public private(set) var subBlockEnergies: [Double] = []

    public init(channelCount: Int, sampleRate: Double, layout: [SpeakerPosition]) throws {
        meter = try LoudnessMeter(channelCount: channelCount, sampleRate: sampleRate, layout: layout, measures: .loudness)
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        grid = ReadingGrid(sampleRate: sampleRate, channelCount: channelCount)
    }

    /// Feeds interleaved frames.
    public func add(_ block: UnsafeBufferPointer<Float>) throws {
        try grid.split(block, part: { try meter.add($0) }, reading: { _ in
            subBlockEnergies.append(meter.lastSubBlockEnergy)
        })
    }

    /// The whole stream's integrated loudness, from libebur128.
    public var integratedLUFS: Double { meter.integratedLUFS }

    /// Gated loudness of the sub-blocks `range` (100 ms each).
    public func loudness(subBlocks range: Range<Int>) -> Double {
        let clamped = range.clamped(to: 0..<subBlockEnergies.count)
        return SectionMeasurement.gatedLoudness(subBlockEnergies[clamped])
    }
}
