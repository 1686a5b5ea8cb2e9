import Glibc
import MasteringDSP

/// What the music is doing every 100 ms: the raw material for finding sections and
/// guessing their emotions.
///
/// Per frame: the K-weighted energy libebur128 measured over those 100 ms (so section
/// loudness is gated BS.1770 loudness), the mean square and sample peak, mid and side
/// energies, a 1/3-octave spectrum of the last ~93 ms, and how many onsets started in it.
/// The spectrum is the channels' (for stereo, mid plus side: what `AnalysisReport.toneCurve`
/// measures), so a section's tone does not drop with its width.
/// Sums over frames give any stretch's loudness, tone, width and onset density.
public struct FeatureTrack: Sendable {
    public static let frameSeconds = 0.1
    public static let bandCount = ThirdOctaveBands.count

    public let sampleRate: Double
    /// K-weighted mean square of each 100 ms sub-block (what BS.1770 gates in blocks of four).
    public internal(set) var loudnessEnergies: [Double] = []
    /// Mean square over all channels.
    public internal(set) var meanSquares: [Float] = []
    /// Each channel's mean sample, `channelCount` per frame, frame after frame: a stretch's DC
    /// offset, which the chain's DC blocker takes out before its stages meet the mix.
    public internal(set) var channelMeans: [Float] = []
    public let channelCount: Int
    public internal(set) var peaks: [Float] = []
    /// Mid and side mean squares, M = (L+R)/2, S = (L−R)/2 (mono: side 0).
    public internal(set) var midEnergies: [Float] = []
    public internal(set) var sideEnergies: [Float] = []
    /// `bandCount` mean squares per frame (1/3-octave bands, channels averaged), frame after frame:
    /// mono, the signal; stereo, mid plus side, each channel's power averaged; more channels,
    /// their mean signal's (a mono mix).
    public internal(set) var bandPowers: [Float] = []
    /// Onsets (spectral-flux peaks) that fall in each frame.
    public internal(set) var onsets: [UInt16] = []

    public var frameCount: Int { loudnessEnergies.count }
    public var durationSeconds: Double { Double(frameCount) * Self.frameSeconds }

    /// Frame index that contains `seconds`, clamped to the track.
    public func frame(at seconds: Double) -> Int {
        min(max(Int((seconds / Self.frameSeconds).rounded(.down)), 0), max(frameCount - 1, 0))
    }

    /// The channel means of one frame.
    public func channelMeans(ofFrame frame: Int) -> ArraySlice<Float> {
        channelMeans[(frame * channelCount)..<((frame + 1) * channelCount)]
    }

    /// The band powers of one frame.
    public func bands(ofFrame frame: Int) -> ArraySlice<Float> {
        bandPowers[(frame * Self.bandCount)..<((frame + 1) * Self.bandCount)]
    }
}

/// Builds a `FeatureTrack` from a stream; `Analyzer` drives it at its 100 ms loudness readings.
final class FeatureTracker {
    private let sampleRate: Double
    private let channelCount: Int
    private var track: FeatureTrack

    // The spectrum: the last `spectrumSize` mono samples, windowed, at each frame end.
    private let spectrumSize: Int
    private let spectrumFFT: RealFFT
    private let spectrumScale: Double
    /// For each band, (bin, weight) pairs: a bin's share of the band by overlap.
    private let bandBins: [[(bin: Int, weight: Float)]]
    private var ringPosition = 0

    // Onsets: spectral flux of log magnitudes on frames of about 23 ms (1024 samples at 44.1 kHz,
    // a power of two at any rate), hop half a frame, over the bins up to 22.05 kHz. In samples,
    // the same 1024 were 5 ms at 192 kHz: the picker's windows and its 50 ms spacing, counted in
    // hops, shrank with them, and a 192 kHz copy of a song counted eight times its onsets (the
    // demo's chorus: 31.8 a second against 3.8 at 44.1 kHz).
    private let onsetSize: Int, onsetHop: Int
    /// The last bin that counts: below Nyquist, and at most 22.05 kHz (what a 44.1 kHz file holds).
    private let onsetLastBin: Int
    /// γ = 10 for a 1024-point frame, scaled by 1024 / size: a bin's magnitude grows with the frame.
    private let onsetGain: Float
    private let onsetFFT: RealFFT
    private var onsetFilled = 0
    private var flux: [Float] = []
    /// Each flux hop's spectral content: the sum of its log magnitudes, for the onset floor.
    private var fluxLevels: [Float] = []

    // Working buffers, written per sample: plain memory (an array's uniqueness check on every
    // store cost more than the arithmetic).
    private let spectrumWindow: UnsafeMutablePointer<Float>
    private let monoRing: UnsafeMutablePointer<Float>
    /// Stereo: the side (L−R)/2 beside the mid in `monoRing`, for the channels' spectrum.
    private let sideRing: UnsafeMutablePointer<Float>
    private var bandScratch: [Double]
    private let onsetWindow: UnsafeMutablePointer<Float>
    private let onsetBuffer: UnsafeMutablePointer<Float>
    private let previousLogMagnitudes: UnsafeMutablePointer<Float>

    // The frame being gathered.
    private var squares: Float = 0, peak: Float = 0, mid: Float = 0, side: Float = 0, frameFrames = 0
    /// Each channel's sum over the frame: plain memory, stored per sample on the mono path.
    private let channelSums: UnsafeMutablePointer<Double>

    init(sampleRate: Double, channelCount: Int) {
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        track = FeatureTrack(sampleRate: sampleRate, channelCount: channelCount)
        channelSums = .allocate(capacity: channelCount)
        channelSums.initialize(repeating: 0, count: channelCount)
        var size = 1024
        while Double(size) < 0.09 * sampleRate { size *= 2 }
        spectrumSize = size
        spectrumFFT = RealFFT(size: size)
        let window = (0..<size).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(size))) }
        spectrumWindow = .allocate(capacity: size)
        spectrumWindow.initialize(from: window, count: size)
        spectrumScale = 1 / (Double(size) * window.reduce(0) { $0 + Double($1 * $1) })
        monoRing = .allocate(capacity: size)
        monoRing.initialize(repeating: 0, count: size)
        sideRing = .allocate(capacity: size)
        sideRing.initialize(repeating: 0, count: size)
        bandScratch = [Double](repeating: 0, count: FeatureTrack.bandCount)
        let binWidth = sampleRate / Double(size), nyquist = sampleRate / 2
        bandBins = ThirdOctaveBands.edgesHz.map { edges in
            guard edges.lower < nyquist else { return [] }
            let upper = min(edges.upper, nyquist)
            var pairs: [(Int, Float)] = []
            let first = max(0, Int((edges.lower / binWidth - 0.5).rounded(.down)))
            let last = min(size / 2, Int((upper / binWidth + 0.5).rounded(.up)))
            for bin in first...max(first, last) {
                let overlap = min((Double(bin) + 0.5) * binWidth, upper) - max((Double(bin) - 0.5) * binWidth, edges.lower)
                if overlap > 0 { pairs.append((bin, Float(overlap / binWidth))) }
            }
            return pairs
        }
        let onsetSize = 1 << Int(log2(1024 * sampleRate / 44100).rounded())
        self.onsetSize = onsetSize
        onsetHop = onsetSize / 2
        onsetGain = 10 * 1024 / Float(onsetSize)
        onsetLastBin = min(onsetSize / 2 - 1, Int(22050 / (sampleRate / Double(onsetSize))))
        onsetFFT = RealFFT(size: onsetSize)
        onsetWindow = .allocate(capacity: onsetSize)
        onsetWindow.initialize(from: (0..<onsetSize).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(onsetSize))) },
                               count: onsetSize)
        onsetBuffer = .allocate(capacity: onsetSize)
        onsetBuffer.initialize(repeating: 0, count: onsetSize)
        previousLogMagnitudes = .allocate(capacity: onsetSize / 2 + 1)
        previousLogMagnitudes.initialize(repeating: 0, count: onsetSize / 2 + 1)
    }

    deinit {
        for buffer in [spectrumWindow, monoRing, sideRing, onsetWindow, onsetBuffer, previousLogMagnitudes] { buffer.deallocate() }
        channelSums.deallocate()
    }

    /// Feeds interleaved frames that all belong to the current 100 ms frame.
    func add(_ block: UnsafeBufferPointer<Float>) {
        guard let base = block.baseAddress else { return }
        let frames = block.count / channelCount
        var done = 0
        while done < frames {
            // The longest run that neither wraps the spectrum's ring nor overfills the onset frame.
            let run = min(frames - done, spectrumSize - ringPosition, onsetSize - onsetFilled)
            let mono = monoRing + ringPosition
            if channelCount == 2 {
                gatherStereo(base + done * 2, frames: run, mono: mono, side: sideRing + ringPosition)
            } else {
                gather(base + done * channelCount, frames: run, mono: mono)
            }
            (onsetBuffer + onsetFilled).update(from: mono, count: run)
            ringPosition = ringPosition + run == spectrumSize ? 0 : ringPosition + run
            onsetFilled += run
            if onsetFilled == onsetSize { measureFlux() }
            done += run
        }
        frameFrames += frames
    }

    /// Stereo, eight frames to a vector: the sums of squares, peak, mid and side energies;
    /// the mid (L + R)/2 written to `mono`, the side (L − R)/2 to `side`.
    private func gatherStereo(_ source: UnsafePointer<Float>, frames: Int, mono: UnsafeMutablePointer<Float>, side sideOut: UnsafeMutablePointer<Float>) {
        var squares8 = SIMD8<Float>(), peak8 = SIMD8<Float>(), mid8 = SIMD8<Float>(), side8 = SIMD8<Float>()
        var left8 = SIMD8<Float>(), right8 = SIMD8<Float>()
        var frame = 0
        while frame + 8 <= frames {
            let (left, right) = eightStereoFrames(source, from: frame)
            let m = (left + right) * 0.5, s = (left - right) * 0.5
            left8 += left; right8 += right
            squares8 += left * left + right * right
            peak8 = lanewiseMax(peak8, lanewiseMax(lanewiseAbs(left), lanewiseAbs(right)))
            mid8 += m * m
            side8 += s * s
            UnsafeMutableRawPointer(mono + frame).storeBytes(of: m, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(sideOut + frame).storeBytes(of: s, as: SIMD8<Float>.self)
            frame += 8
        }
        squares += squares8.sum(); peak = max(peak, peak8.max()); mid += mid8.sum(); side += side8.sum()
        var leftSum = Double(left8.sum()), rightSum = Double(right8.sum())
        while frame < frames {
            let left = source[2 * frame], right = source[2 * frame + 1]
            let m = (left + right) * 0.5, s = (left - right) * 0.5
            leftSum += Double(left); rightSum += Double(right)
            squares += left * left + right * right
            peak = max(peak, abs(left), abs(right))
            mid += m * m
            side += s * s
            mono[frame] = m
            sideOut[frame] = s
            frame += 1
        }
        channelSums[0] += leftSum; channelSums[1] += rightSum
    }

    /// Any other channel count, a frame at a time (mono: mid is the signal, side silent).
    private func gather(_ source: UnsafePointer<Float>, frames: Int, mono: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(channelCount)
        for frame in 0..<frames {
            let first = source + frame * channelCount
            var sum: Float = 0
            for channel in 0..<channelCount {
                let sample = first[channel]
                squares += sample * sample
                peak = max(peak, abs(sample))
                sum += sample
                channelSums[channel] += Double(sample)
            }
            if channelCount >= 2 {
                let m = (first[0] + first[1]) * 0.5, s = (first[0] - first[1]) * 0.5
                mid += m * m; side += s * s
            } else {
                mid += first[0] * first[0]
            }
            mono[frame] = sum * scale
        }
    }

    /// Closes the current 100 ms frame with libebur128's K-weighted energy for it.
    func closeFrame(loudnessEnergy: Double) {
        let count = Float(max(frameFrames, 1))
        track.loudnessEnergies.append(loudnessEnergy)
        track.meanSquares.append(squares / (count * Float(channelCount)))
        for channel in 0..<channelCount {
            track.channelMeans.append(Float(channelSums[channel] / Double(count)))
            channelSums[channel] = 0
        }
        track.peaks.append(peak)
        track.midEnergies.append(mid / count)
        track.sideEnergies.append(side / count)
        measureBands()
        squares = 0; peak = 0; mid = 0; side = 0; frameFrames = 0
    }

    private func measureBands() {
        for band in 0..<FeatureTrack.bandCount { bandScratch[band] = 0 }
        addBandPowers(of: monoRing)
        if channelCount == 2 { addBandPowers(of: sideRing) }
        for power in bandScratch { track.bandPowers.append(Float(power * spectrumScale)) }
    }

    /// Adds the band powers of the last `spectrumSize` samples of `ring` to `bandScratch`.
    private func addBandPowers(of ring: UnsafeMutablePointer<Float>) {
        // The oldest sample is at `ringPosition`: window the ring in its two straight pieces.
        let input = spectrumFFT.input, older = spectrumSize - ringPosition
        for index in 0..<older { input[index] = ring[ringPosition + index] * spectrumWindow[index] }
        for index in 0..<ringPosition { input[older + index] = ring[index] * spectrumWindow[older + index] }
        spectrumFFT.transform()
        for (band, pairs) in bandBins.enumerated() {
            var power = 0.0
            for (bin, weight) in pairs {
                let oneSided: Float = (bin == 0 || bin == spectrumSize / 2) ? 1 : 2
                power += Double(spectrumFFT.power(ofBin: bin) * oneSided * weight)
            }
            bandScratch[band] += power
        }
    }

    private func measureFlux() {
        let input = onsetFFT.input
        for index in 0..<onsetSize { input[index] = onsetBuffer[index] * onsetWindow[index] }
        onsetFFT.transform()
        // Bins 1 to `onsetLastBin`, eight at a time: those past it in the last eight do not count
        // (at 44.1 kHz, the Nyquist bin).
        var total = SIMD8<Float>(), level = SIMD8<Float>()
        let lastBin = onsetLastBin
        var first = 1
        while first <= lastBin {
            // log(1 + γ|X|) compresses the dynamic range so soft and loud onsets both count. |X|
            // is scaled to a 1024-point frame's, so the same music compresses alike at any rate.
            var magnitudes = logOnePlus(onsetGain * onsetFFT.powers(ofEightBinsFrom: first).squareRoot())
            if first + 7 > lastBin {
                magnitudes.replace(with: 0, where: SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .> Int32(lastBin - first))
            }
            let previous = UnsafeMutableRawPointer(previousLogMagnitudes + first)
            total += lanewiseMax(magnitudes - previous.loadUnaligned(as: SIMD8<Float>.self), SIMD8())
            level += magnitudes
            previous.storeBytes(of: magnitudes, as: SIMD8<Float>.self)
            first += 8
        }
        flux.append(total.sum())
        fluxLevels.append(level.sum())
        memmove(onsetBuffer, onsetBuffer + onsetHop, (onsetSize - onsetHop) * MemoryLayout<Float>.stride)
        onsetFilled = onsetSize - onsetHop
    }

    /// The finished track: onsets are picked from the whole flux curve, then counted per frame.
    func finish() -> FeatureTrack {
        var result = track
        result.onsets = Array(repeating: 0, count: result.frameCount)
        for hop in OnsetPicker.onsets(in: flux, levels: fluxLevels) {
            // The flux frame's centre, in seconds.
            let seconds = (Double(hop * onsetHop) + Double(onsetSize) / 2) / sampleRate
            let frame = Int(seconds / FeatureTrack.frameSeconds)
            if frame < result.frameCount { result.onsets[frame] &+= 1 }
        }
        return result
    }
}

/// Picks onsets from a spectral-flux curve: local maxima that stand above their neighbourhood.
///
/// After Dixon, "Onset Detection Revisited" (DAFx 2006): a hop is an onset when its flux is
/// the maximum within ±3 hops and exceeds the mean of the surrounding ±8 hops by `delta`
/// times the track's median flux (so the threshold follows the material's own scale), and
/// no onset was picked in the previous 50 ms.
///
/// Dixon's threshold assumes the track has onsets: on a steady tone the median flux is the
/// jitter of the tone's own bins, and its little peaks counted as 11 onsets a second (a held
/// 440 Hz sine read "busier … powerful"). So a peak must also bring new spectral content of at
/// least `levelShare` of what sounds around it (the mean sum of log magnitudes over the same
/// ±8 hops): the sine's jitter peaks are 0.6 % of it, a tremolo's 2 %, the demo song's weakest
/// onsets 3 % and most of them tens of per cent.
enum OnsetPicker {
    static let delta: Float = 1.0
    static let levelShare: Float = 0.02

    static func onsets(in flux: [Float], levels: [Float]) -> [Int] {
        precondition(levels.count == flux.count)
        guard flux.count > 8 else { return [] }
        let median = flux.sorted()[flux.count / 2]
        let floor = max(median, 1e-3) * delta
        var picked: [Int] = []
        for index in flux.indices {
            let value = flux[index]
            let near = max(0, index - 3)...min(flux.count - 1, index + 3)
            guard flux[near].allSatisfy({ $0 <= value }) else { continue }
            let around = max(0, index - 8)...min(flux.count - 1, index + 8)
            let mean = flux[around].reduce(0, +) / Float(around.count)
            let sounding = levels[around].reduce(0, +) / Float(around.count)
            guard value > mean + max(floor, levelShare * sounding) else { continue }
            if let last = picked.last, index - last < 5 { continue }
            picked.append(index)
        }
        return picked
    }
}
