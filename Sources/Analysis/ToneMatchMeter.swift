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

    /// Parts heard one after the other as one measurement, each `gainDB` louder than it was
    /// measured: band powers averaged by length. A loudness loop that is about to move each
    /// section's level sees, before it moves them, the long-term tone it will get.
    /// Crest: the first part's (a level change leaves a crest factor as it is).
    public static func combining(_ parts: [(measurement: ToneMatchMeasurement, frames: Int, gainDB: Double)]) -> ToneMatchMeasurement {
        precondition(!parts.isEmpty, "at least one part")
        let total = Double(max(1, parts.map(\.frames).reduce(0, +)))
        func combined(_ levels: (ToneMatchMeasurement) -> [Double?]) -> [Double?] {
            levels(parts[0].measurement).indices.map { band in
                var power = 0.0, measured = false
                for part in parts where part.frames > 0 {
                    guard let level = levels(part.measurement)[band] else { continue }
                    measured = true
                    power += pow(10, (level + part.gainDB) / 10) * Double(part.frames) / total
                }
                return measured ? Decibels.fromPower(power) : nil
            }
        }
        let mid = combined(\.midDB), side = combined(\.sideDB)
        func totalPower(_ levels: [Double?]) -> Double { levels.compactMap { $0 }.map { pow(10, $0 / 10) }.reduce(0, +) }
        let midTotal = totalPower(mid), sideTotal = totalPower(side)
        return ToneMatchMeasurement(midDB: mid, sideDB: side, blockCrestDB: parts[0].measurement.blockCrestDB,
                                    sideToMidDB: midTotal > 0 && sideTotal > 0 ? 10 * log10(sideTotal / midTotal) : -.infinity)
    }

    /// The 1/3-octave tone of the channels together as loudness counts them, dB, per band:
    /// BS.1770 sums the channels' powers, so a stereo recording's is left plus right (twice mid
    /// plus side) and a mono one's is its one channel. Relative to each one's loudness, a mono file
    /// and the same sound in both channels of a stereo file then read alike (with the mean of
    /// left and right, the mono file read 3 dB over it in every band).
    public var stereoDB: [Double?] {
        let mono = sideDB.allSatisfy { $0 == nil }
        return zip(midDB, sideDB).map { mid, side in
            guard let mid else { return nil }
            return mono ? mid : Decibels.fromPower(2 * (pow(10, mid / 10) + (side.map { pow(10, $0 / 10) } ?? 0)))
        }
    }
}

/// Measures a `ToneMatchMeasurement` from interleaved mono or stereo blocks: two spectrum
/// analysers (mid and side) and a 100 ms block crest meter.
public final class ToneMatchMeter {
    public let channelCount: Int
    /// Mid and side spectra of each segment (one, unless segment starts were given).
    private var segments: [(mid: SpectrumAnalyzer, side: SpectrumAnalyzer, frames: Int)] = []
    /// Where the segments after the first begin, frames from the start, ascending.
    private let segmentStarts: [Int]
    private var framesSeen = 0
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

    /// `segmentStarts`: frames where a new segment begins (the sections of a master), each then
    /// measured on its own as well (`finishSegments`), so the whole can be seen with each part at
    /// another level (`ToneMatchMeasurement.combining`).
    public init(sampleRate: Double, channelCount: Int, segmentStarts: [Int] = []) {
        precondition(channelCount == 1 || channelCount == 2, "mono or stereo")
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.segmentStarts = segmentStarts.filter { $0 > 0 }.sorted()
        scratchMid = []; scratchSide = []
        blockFrames = max(1, Int(0.1 * sampleRate))
        startSegment()
    }

    private func startSegment() {
        segments.append((SpectrumAnalyzer(sampleRate: sampleRate, channelCount: 1),
                         SpectrumAnalyzer(sampleRate: sampleRate, channelCount: 1), 0))
    }

    public func add(_ interleaved: UnsafeBufferPointer<Float>) {
        let frames = interleaved.count / channelCount
        var done = 0
        while done < frames {
            // Up to the next segment start, if it falls inside this block.
            let boundary = segments.count <= segmentStarts.count ? segmentStarts[segments.count - 1] : Int.max
            if framesSeen == boundary { startSegment(); continue }
            let take = min(frames - done, boundary - framesSeen)
            addToSegment(UnsafeBufferPointer(rebasing: interleaved[done * channelCount..<(done + take) * channelCount]))
            done += take
            framesSeen += take
        }
    }

    private func addToSegment(_ interleaved: UnsafeBufferPointer<Float>) {
        let frames = interleaved.count / channelCount
        if scratchMid.count < frames {
            scratchMid = Array(repeating: 0, count: frames)
            scratchSide = Array(repeating: 0, count: frames)
        }
        // Through buffer pointers: an array's uniqueness check on every store cost more than the sums.
        scratchMid.withUnsafeMutableBufferPointer { midOut in
            scratchSide.withUnsafeMutableBufferPointer { sideOut in
                var done = 0
                while done < frames {
                    // Up to the end of the current 100 ms crest block.
                    let run = min(frames - done, blockFrames - blockFilled)
                    let source = interleaved.baseAddress! + done * channelCount
                    if channelCount == 2 {
                        splitStereo(source, frames: run, mid: midOut.baseAddress! + done, side: sideOut.baseAddress! + done)
                    } else {
                        for frame in 0..<run {
                            let sample = source[frame]
                            midOut[done + frame] = sample
                            blockPeak = max(blockPeak, abs(sample))
                            blockSquares += Double(sample * sample)
                        }
                    }
                    blockFilled += run
                    if blockFilled == blockFrames { closeBlock() }
                    done += run
                }
            }
        }
        let segment = segments.count - 1
        segments[segment].frames += frames
        scratchMid.withUnsafeBufferPointer { segments[segment].mid.add(UnsafeBufferPointer(rebasing: $0[0..<frames])) }
        if channelCount == 2 {
            scratchSide.withUnsafeBufferPointer { segments[segment].side.add(UnsafeBufferPointer(rebasing: $0[0..<frames])) }
        }
    }

    /// Stereo frames into mid and side, with the crest block's peak and mean square; eight
    /// frames to a vector, the squares summed in Double.
    private func splitStereo(_ source: UnsafePointer<Float>, frames: Int,
                             mid: UnsafeMutablePointer<Float>, side: UnsafeMutablePointer<Float>) {
        var peak8 = SIMD8<Float>(), squares8 = SIMD8<Double>()
        var frame = 0
        while frame + 8 <= frames {
            let (left, right) = eightStereoFrames(source, from: frame)
            UnsafeMutableRawPointer(mid + frame).storeBytes(of: (left + right) * 0.5, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(side + frame).storeBytes(of: (left - right) * 0.5, as: SIMD8<Float>.self)
            peak8 = lanewiseMax(peak8, lanewiseMax(lanewiseAbs(left), lanewiseAbs(right)))
            squares8 += SIMD8<Double>(left * left + right * right)
            frame += 8
        }
        var peak = max(blockPeak, peak8.max()), squares = squares8.sum()
        while frame < frames {
            let left = source[2 * frame], right = source[2 * frame + 1]
            mid[frame] = (left + right) * 0.5
            side[frame] = (left - right) * 0.5
            peak = max(peak, abs(left), abs(right))
            squares += Double(left * left + right * right)
            frame += 1
        }
        blockPeak = peak
        blockSquares += squares * 0.5
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
        let midPowers = Self.framesWeighted(segments.map { ($0.mid.meanSquarePerBin(), $0.frames) })
        guard channelCount == 2 else { return midPowers }
        return zip(midPowers, Self.framesWeighted(segments.map { ($0.side.meanSquarePerBin(), $0.frames) })).map(+)
    }

    /// The mean of per-segment means, each weighted by its frames (the one segment's as it is).
    private static func framesWeighted(_ parts: [(perBin: [Double], frames: Int)]) -> [Double] {
        guard parts.count > 1 else { return parts.first?.perBin ?? [] }
        let total = Double(max(1, parts.map(\.frames).reduce(0, +)))
        var sum = Array(repeating: 0.0, count: parts[0].perBin.count)
        for part in parts where part.frames > 0 {
            for bin in sum.indices { sum[bin] += part.perBin[bin] * Double(part.frames) / total }
        }
        return sum
    }

    public var binWidthHz: Double { segments[0].mid.binWidthHz }

    /// The 1/3-octave tone curve of both channels together, as `SpectrumAnalyzer.toneCurve`.
    public func toneCurve() -> [ToneBand] {
        SpectrumAnalyzer.toneCurve(perBin: meanSquarePerBin(), binWidthHz: binWidthHz, sampleRate: sampleRate)
    }

    public func spectralCentroidHz() -> Double {
        SpectrumAnalyzer.spectralCentroidHz(perBin: meanSquarePerBin(), binWidthHz: binWidthHz)
    }

    /// The whole recording's measurement.
    public func finish() -> ToneMatchMeasurement {
        if blockFilled > blockFrames / 2 { closeBlock() }
        let midPowers = Self.framesWeighted(segments.map { ($0.mid.meanSquarePerBin(), $0.frames) })
        let sidePowers = channelCount == 2 ? Self.framesWeighted(segments.map { ($0.side.meanSquarePerBin(), $0.frames) }) : []
        return measurement(midPerBin: midPowers, sidePerBin: sidePowers)
    }

    /// Each segment's measurement (crest: the whole's) with its length in frames, in order.
    public func finishSegments() -> [(measurement: ToneMatchMeasurement, frames: Int)] {
        if blockFilled > blockFrames / 2 { closeBlock() }
        return segments.map { segment in
            (measurement(midPerBin: segment.mid.meanSquarePerBin(),
                         sidePerBin: channelCount == 2 ? segment.side.meanSquarePerBin() : []), segment.frames)
        }
    }

    private func measurement(midPerBin: [Double], sidePerBin: [Double]) -> ToneMatchMeasurement {
        let binWidth = segments[0].mid.binWidthHz
        let midPowers = ThirdOctaveBands.bandPowers(perBin: midPerBin, binWidthHz: binWidth, sampleRate: sampleRate)
        let sidePowers = sidePerBin.isEmpty ? [] : ThirdOctaveBands.bandPowers(perBin: sidePerBin, binWidthHz: binWidth, sampleRate: sampleRate)
        let count = ThirdOctaveBands.count
        let midDB: [Double?] = (0..<count).map { $0 < midPowers.count ? Decibels.fromPower(midPowers[$0]) : nil }
        let sideDB: [Double?] = (0..<count).map { $0 < sidePowers.count ? Decibels.fromPower(sidePowers[$0]) : nil }
        let midTotal = midPowers.reduce(0, +), sideTotal = sidePowers.reduce(0, +)
        return ToneMatchMeasurement(midDB: midDB, sideDB: sideDB,
                                    blockCrestDB: crestBlocks > 0 ? crestSum / Double(crestBlocks) : 0,
                                    sideToMidDB: midTotal > 0 && sideTotal > 0 ? 10 * log10(sideTotal / midTotal) : -.infinity)
    }
}
