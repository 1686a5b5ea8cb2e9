import Glibc
import MasteringDSP

/// What reference mastering compares between two recordings: the long-term 1/3-octave tone
/// of the mid and of the side signal, and the short-term crest factor.
///
/// Levels are dB re full scale (mean square). `relative(toLoudness:)` gives them relative
/// to integrated loudness: two recordings compare by tone, not by how loud they are.
public struct ToneMatchMeasurement: Sendable, Equatable {
    /// Mid = (L + R) / 2, per 1/3-octave band (`ThirdOctaveBands`), dB; nil at or above Nyquist.
    public var midDB: [Double?]
    /// Side = (L − R) / 2, per band, dB; all nil for a mono recording.
    public var sideDB: [Double?]
    /// Mean over 100 ms blocks (silent ones left out) of sample peak minus RMS, dB: how much
    /// transient there is above the body of the sound, whatever the overall level.
    public var blockCrestDB: Double
    /// Side energy over mid energy, dB (−∞ for mono): the overall width.
    public var sideToMidDB: Double

    public init(midDB: [Double?], sideDB: [Double?], blockCrestDB: Double, sideToMidDB: Double) {
        self.midDB = midDB; self.sideDB = sideDB; self.blockCrestDB = blockCrestDB; self.sideToMidDB = sideToMidDB
    }

    /// Every band level minus `loudness` (LUFS).
    public func relative(toLoudness loudness: Double) -> ToneMatchMeasurement {
        var copy = self
        copy.midDB = midDB.map { $0.map { $0 - loudness } }
        copy.sideDB = sideDB.map { $0.map { $0 - loudness } }
        return copy
    }

    /// The 1/3-octave tone of both channels together (mean of the left and right powers, which
    /// is mid power plus side power), dB, per band.
    public var stereoDB: [Double?] {
        zip(midDB, sideDB).map { mid, side in
            guard let mid else { return nil }
            return Decibels.fromPower(pow(10, mid / 10) + (side.map { pow(10, $0 / 10) } ?? 0))
        }
    }
}

/// Measures a `ToneMatchMeasurement` from interleaved mono or stereo blocks: two spectrum
/// analysers (mid and side) and a 100 ms block crest meter.
public final class ToneMatchMeter {
    public let channelCount: Int
    private let mid: SpectrumAnalyzer
    private let side: SpectrumAnalyzer
    private let sampleRate: Double
    private var scratchMid: [Float]
    private var scratchSide: [Float]
    private let blockFrames: Int
    private var blockFilled = 0
    private var blockPeak: Float = 0
    private var blockSquares = 0.0
    private var crestSum = 0.0
    private var crestBlocks = 0
    /// Blocks quieter than this (RMS, dBFS) are not counted in the crest: silence has none.
    private static let silenceDB = -70.0

    public init(sampleRate: Double, channelCount: Int) {
        precondition(channelCount == 1 || channelCount == 2, "mono or stereo")
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        mid = SpectrumAnalyzer(sampleRate: sampleRate, channelCount: 1)
        side = SpectrumAnalyzer(sampleRate: sampleRate, channelCount: 1)
        scratchMid = []; scratchSide = []
        blockFrames = max(1, Int(0.1 * sampleRate))
    }

    public func add(_ interleaved: UnsafeBufferPointer<Float>) {
        let frames = interleaved.count / channelCount
        if scratchMid.count < frames {
            scratchMid = Array(repeating: 0, count: frames)
            scratchSide = Array(repeating: 0, count: frames)
        }
        // Through buffer pointers: an array's uniqueness check on every store cost more than the sums.
        scratchMid.withUnsafeMutableBufferPointer { midOut in
            scratchSide.withUnsafeMutableBufferPointer { sideOut in
                for frame in 0..<frames {
                    let left = interleaved[frame * channelCount]
                    let right = channelCount == 2 ? interleaved[frame * channelCount + 1] : left
                    midOut[frame] = (left + right) * 0.5
                    sideOut[frame] = (left - right) * 0.5
                    blockPeak = max(blockPeak, abs(left), abs(right))
                    blockSquares += Double(left * left + right * right) * 0.5
                    blockFilled += 1
                    if blockFilled == blockFrames { closeBlock() }
                }
            }
        }
        scratchMid.withUnsafeBufferPointer { mid.add(UnsafeBufferPointer(rebasing: $0[0..<frames])) }
        if channelCount == 2 {
            scratchSide.withUnsafeBufferPointer { side.add(UnsafeBufferPointer(rebasing: $0[0..<frames])) }
        }
    }

    private func closeBlock() {
        let rms = Decibels.fromPower(blockSquares / Double(blockFilled))
        if rms > Self.silenceDB {
            crestSum += Double(Decibels.fromAmplitude(Double(blockPeak))) - rms
            crestBlocks += 1
        }
        blockPeak = 0; blockSquares = 0; blockFilled = 0
    }

    /// Mean square per bin of both channels together (the mean of the left and right powers,
    /// which is mid power plus side power): what `SpectrumAnalyzer` gives for the same input.
    public func meanSquarePerBin() -> [Double] {
        let midPowers = mid.meanSquarePerBin()
        guard channelCount == 2 else { return midPowers }
        return zip(midPowers, side.meanSquarePerBin()).map(+)
    }

    public var binWidthHz: Double { mid.binWidthHz }

    /// The 1/3-octave tone curve of both channels together, as `SpectrumAnalyzer.toneCurve`.
    public func toneCurve() -> [ToneBand] {
        SpectrumAnalyzer.toneCurve(perBin: meanSquarePerBin(), binWidthHz: binWidthHz, sampleRate: sampleRate)
    }

    public func spectralCentroidHz() -> Double {
        SpectrumAnalyzer.spectralCentroidHz(perBin: meanSquarePerBin(), binWidthHz: binWidthHz)
    }

    public func finish() -> ToneMatchMeasurement {
        if blockFilled > blockFrames / 2 { closeBlock() }
        let midPowers = ThirdOctaveBands.bandPowers(perBin: mid.meanSquarePerBin(), binWidthHz: mid.binWidthHz, sampleRate: sampleRate)
        let sidePowers = channelCount == 2
            ? ThirdOctaveBands.bandPowers(perBin: side.meanSquarePerBin(), binWidthHz: side.binWidthHz, sampleRate: sampleRate) : []
        let count = ThirdOctaveBands.count
        let midDB: [Double?] = (0..<count).map { $0 < midPowers.count ? Decibels.fromPower(midPowers[$0]) : nil }
        let sideDB: [Double?] = (0..<count).map { $0 < sidePowers.count ? Decibels.fromPower(sidePowers[$0]) : nil }
        let midTotal = midPowers.reduce(0, +), sideTotal = sidePowers.reduce(0, +)
        return ToneMatchMeasurement(midDB: midDB, sideDB: sideDB,
                                    blockCrestDB: crestBlocks > 0 ? crestSum / Double(crestBlocks) : 0,
                                    sideToMidDB: midTotal > 0 && sideTotal > 0 ? 10 * log10(sideTotal / midTotal) : -.infinity)
    }
}
