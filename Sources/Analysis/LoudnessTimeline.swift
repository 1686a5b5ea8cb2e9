import MasteringDSP

/// Integrated loudness of a stream and of any stretch of it, measured by libebur128.
///
/// Keeps the K-weighted energy of every 100 ms sub-block (read from libebur128 at exact
/// 100 ms instants), so the gated loudness of the whole and of any span of whole sub-blocks is
/// computed from them with BS.1770's own blocks and gates (`GatedLoudness`). libebur128 only
/// filters: its own gating would sum every 400 ms block again.
public final class LoudnessTimeline {
    private let meter: LoudnessMeter
    private let sampleRate: Double
    private let channelCount: Int
    private var grid: ReadingGrid
    public private(set) var subBlockEnergies: [Double] = []

    public init(channelCount: Int, sampleRate: Double, layout: [SpeakerPosition]) throws {
        meter = try LoudnessMeter(channelCount: channelCount, sampleRate: sampleRate, layout: layout, measures: [])
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

    /// The whole stream's integrated loudness.
    public var integratedLUFS: Double { GatedLoudness.integrated(subBlockEnergies) }
    /// The whole stream's loudness range (EBU Tech 3342), LU.
    public var loudnessRangeLU: Double { GatedLoudness.range(subBlockEnergies) }

    /// What was measured: every sub-block's energy and the whole's integrated loudness.
    public var readings: SubBlockLoudness { SubBlockLoudness(energies: subBlockEnergies, integratedLUFS: integratedLUFS) }
}

/// A stream's loudness as BS.1770 builds it: the K-weighted energy of every 100 ms sub-block
/// (from libebur128, at exact 100 ms instants) and the whole's integrated loudness. The gated
/// loudness of any span of whole sub-blocks follows, with BS.1770's own blocks and gates.
public struct SubBlockLoudness: Sendable {
    public var energies: [Double]
    public var integratedLUFS: Double

    public init(energies: [Double], integratedLUFS: Double) {
        self.energies = energies
        self.integratedLUFS = integratedLUFS
    }

    /// Gated loudness of the sub-blocks `range` (100 ms each).
    public func loudness(subBlocks range: Range<Int>) -> Double {
        let clamped = range.clamped(to: 0..<energies.count)
        return SectionMeasurement.gatedLoudness(energies[clamped])
    }
}
