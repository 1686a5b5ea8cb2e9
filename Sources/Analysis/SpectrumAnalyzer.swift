import Glibc
import MasteringDSP

/// Long-term average power spectrum (Welch's method: Hann window, 50 % overlap) with FFTW,
/// and what is derived from it: the 1/3-octave tone curve and the spectral centroid.
///
/// Powers are calibrated as mean squares, so a full-scale sine reads −3.01 dB in its band
/// and the bands of a signal add up to its RMS. Channels are averaged (mean of their powers).
/// The FFT is sized so a bin is at most 6 Hz wide: fine enough for the 20 Hz band.
public final class SpectrumAnalyzer {
    public let sampleRate: Double
    public let channelCount: Int
    public let fftSize: Int
    private let hopSize: Int

    private let fft: RealFFT
    private let window: UnsafeMutablePointer<Float>
    /// One history buffer of `fftSize` samples per channel, filled up to `filled`.
    private let history: UnsafeMutablePointer<Float>
    private var filled = 0
    /// Sum over frames and channels of |X_k|², per bin.
    private let powerSum: UnsafeMutablePointer<Double>
    private var frameCount = 0
    /// Mean square per |X_k|² unit: one-sided spectrum scaled by 1 / (N · Σw²).
    private let powerScale: Double

    public var binCount: Int { fftSize / 2 + 1 }
    public var binWidthHz: Double { sampleRate / Double(fftSize) }

    public init(sampleRate: Double, channelCount: Int) {
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        var size = 256
        while sampleRate / Double(size) > 6 { size *= 2 }
        fftSize = size
        hopSize = size / 2
        fft = RealFFT(size: size)
        (window, powerScale) = Self.hannWindow(size: size)
        history = .allocate(capacity: size * channelCount)
        history.initialize(repeating: 0, count: size * channelCount)
        powerSum = .allocate(capacity: size / 2 + 1)
        powerSum.initialize(repeating: 0, count: size / 2 + 1)
    }

    deinit {
        window.deallocate()
        history.deallocate(); powerSum.deallocate()
    }

    /// A periodic Hann window (overlapping at 50 % it sums to a constant) and the scale that turns
    /// |X_k|² into a one-sided mean square per bin: 1 / (N · Σw²). The caller owns the window.
    static func hannWindow(size: Int) -> (UnsafeMutablePointer<Float>, Double) {
        let window = UnsafeMutablePointer<Float>.allocate(capacity: size)
        var windowPower = 0.0
        for index in 0..<size {
            let value = 0.5 - 0.5 * cos(2 * Double.pi * Double(index) / Double(size))
            window[index] = Float(value)
            windowPower += value * value
        }
        return (window, 1 / (Double(size) * windowPower))
    }

    /// Feeds interleaved frames.
    public func add(_ interleaved: UnsafeBufferPointer<Float>) {
        let frames = interleaved.count / channelCount
        var consumed = 0
        while consumed < frames {
            let take = min(fftSize - filled, frames - consumed)
            for channel in 0..<channelCount {
                let destination = history + channel * fftSize + filled
                var source = interleaved.baseAddress! + consumed * channelCount + channel
                for index in 0..<take {
                    destination[index] = source.pointee
                    source += channelCount
                }
            }
            filled += take
            consumed += take
            if filled == fftSize {
                analyseHistory(validSamples: fftSize)
                for channel in 0..<channelCount {
                    let buffer = history + channel * fftSize
                    buffer.update(from: buffer + hopSize, count: fftSize - hopSize)
                }
                filled = fftSize - hopSize
            }
        }
    }

    /// Windows and transforms the history of every channel, adding to the power sums.
    private func analyseHistory(validSamples: Int) {
        for channel in 0..<channelCount {
            let buffer = history + channel * fftSize
            let frame = fft.input
            for index in 0..<fftSize { frame[index] = buffer[index] * window[index] }
            fft.transform()
            // Eight bins to a vector (each bin's sum the same as one at a time), then Nyquist.
            let sums = UnsafeMutableRawPointer(powerSum)
            for first in stride(from: 0, to: fftSize / 2, by: 8) {
                let sum = sums.loadUnaligned(fromByteOffset: first * 8, as: SIMD8<Double>.self)
                sums.storeBytes(of: sum + SIMD8<Double>(fft.powers(ofEightBinsFrom: first)), toByteOffset: first * 8, as: SIMD8<Double>.self)
            }
            powerSum[fftSize / 2] += Double(fft.power(ofBin: fftSize / 2))
        }
        frameCount += 1
    }

    /// Takes the last partial frame into account when the source was shorter than one FFT.
    private func finishIfNeeded() {
        guard frameCount == 0, filled > 0 else { return }
        for channel in 0..<channelCount {
            (history + channel * fftSize + filled).update(repeating: 0, count: fftSize - filled)
        }
        let saved = filled
        analyseHistory(validSamples: saved)
        // The zero padding lowered the power by filled/N; restore the mean square of what was there.
        let correction = Double(fftSize) / Double(saved)
        for bin in 0..<binCount { powerSum[bin] *= correction }
        filled = 0
    }

    /// Mean square per bin (one-sided), averaged over frames and channels.
    public func meanSquarePerBin() -> [Double] {
        finishIfNeeded()
        guard frameCount > 0 else { return Array(repeating: 0, count: binCount) }
        let norm = powerScale / Double(frameCount * channelCount)
        return (0..<binCount).map { bin in
            let oneSided = (bin == 0 || bin == fftSize / 2) ? 1.0 : 2.0
            return powerSum[bin] * norm * oneSided
        }
    }

    /// The 1/3-octave tone curve: each band's mean square in dB (dBFS, sine = −3 dB).
    /// Bins are spread evenly over their width, so a band narrower than a bin still gets its share.
    /// Bands at or above Nyquist are left out.
    public func toneCurve() -> [ToneBand] {
        Self.toneCurve(perBin: meanSquarePerBin(), binWidthHz: binWidthHz, sampleRate: sampleRate)
    }

    static func toneCurve(perBin: [Double], binWidthHz: Double, sampleRate: Double) -> [ToneBand] {
        let powers = ThirdOctaveBands.bandPowers(perBin: perBin, binWidthHz: binWidthHz, sampleRate: sampleRate)
        return powers.enumerated().map { index, power in
            ToneBand(hz: ThirdOctaveBands.nominalCentresHz[index], db: Decibels.fromPower(power))
        }
    }

    /// Power-weighted mean frequency, Hz (0 for silence).
    public func spectralCentroidHz() -> Double {
        Self.spectralCentroidHz(perBin: meanSquarePerBin(), binWidthHz: binWidthHz)
    }

    static func spectralCentroidHz(perBin: [Double], binWidthHz: Double) -> Double {
        var weighted = 0.0, total = 0.0
        for (bin, power) in perBin.enumerated() {
            weighted += Double(bin) * binWidthHz * power
            total += power
        }
        return total > 0 ? weighted / total : 0
    }
}

/// One band of a tone curve.
public struct ToneBand: Encodable, Equatable, Sendable {
    public var hz: Double
    /// Band level in dB relative to full scale (mean square); −∞ for silence, `null` in JSON
    /// like every other level of the report (`analyze --json` of a silent file failed on it).
    public var db: Double

    public init(hz: Double, db: Double) { self.hz = hz; self.db = db }

    enum CodingKeys: String, CodingKey { case hz, db }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hz, forKey: .hz)
        try container.encodeLevel(db, forKey: .db)
    }
}
