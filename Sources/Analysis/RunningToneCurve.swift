import Glibc
import MasteringDSP

/// A live 1/3-octave tone curve: the last `fftSize` samples (channels summed as powers) are
/// windowed and transformed every hop, summed into bands, and smoothed over about 300 ms, the
/// ballistics of an analyser a mastering engineer reads. For the metering thread (it allocates
/// in `init` only; `bandsDB` returns a new array).
public final class RunningToneCurve {
    public let sampleRate: Double
    public let fftSize: Int
    private let hop: Int
    private let fft: RealFFT
    private let window: UnsafeMutablePointer<Float>
    /// Per channel, the last `fftSize` samples in a circular buffer.
    private let history: UnsafeMutablePointer<Float>
    private var writeIndex = 0
    private var sinceHop = 0
    private var perBin: [Double]
    private var smoothed: [Double]
    private let powerScale: Double
    private let smoothing: Double
    private var hasData = false

    public init(sampleRate: Double, smoothingSeconds: Double = 0.3) {
        self.sampleRate = sampleRate
        var size = 1024
        while sampleRate / Double(size) > 12 { size *= 2 }
        fftSize = size
        hop = size / 2
        fft = RealFFT(size: size)
        (window, powerScale) = SpectrumAnalyzer.hannWindow(size: size)
        history = .allocate(capacity: 2 * size)
        history.initialize(repeating: 0, count: 2 * size)
        perBin = Array(repeating: 0, count: size / 2 + 1)
        let bands = ThirdOctaveBands.bandPowers(perBin: perBin, binWidthHz: sampleRate / Double(size), sampleRate: sampleRate).count
        smoothed = Array(repeating: 0, count: bands)
        smoothing = 1 - exp(-Double(hop) / (smoothingSeconds * sampleRate))
    }

    deinit {
        window.deallocate(); history.deallocate()
    }

    /// Feeds a stereo block (separate channels): copied into the history a run at a time, up to
    /// the next hop or the end of the ring, whichever comes first.
    public func add(left: UnsafePointer<Float>, right: UnsafePointer<Float>, count: Int) {
        var offset = 0
        while offset < count {
            let run = min(count - offset, hop - sinceHop, fftSize - writeIndex)
            (history + writeIndex).update(from: left + offset, count: run)
            (history + fftSize + writeIndex).update(from: right + offset, count: run)
            writeIndex = (writeIndex + run) % fftSize
            sinceHop += run
            offset += run
            if sinceHop == hop {
                sinceHop = 0
                analyse()
            }
        }
    }

    private func analyse() {
        for bin in perBin.indices { perBin[bin] = 0 }
        // The oldest sample is at `writeIndex`: window the ring in its two straight pieces.
        let older = fftSize - writeIndex
        let frame = fft.input
        for channel in 0..<2 {
            let buffer = history + channel * fftSize
            for index in 0..<older { frame[index] = buffer[writeIndex + index] * window[index] }
            for index in 0..<writeIndex { frame[older + index] = buffer[index] * window[older + index] }
            fft.transform()
            for bin in 0...(fftSize / 2) { perBin[bin] += Double(fft.power(ofBin: bin)) }
        }
        // One-sided power, averaged over the two channels: the DC and Nyquist bins stand alone.
        let scale = powerScale
        for bin in perBin.indices { perBin[bin] *= (bin == 0 || bin == fftSize / 2) ? scale / 2 : scale }
        let bands = ThirdOctaveBands.bandPowers(perBin: perBin, binWidthHz: sampleRate / Double(fftSize), sampleRate: sampleRate)
        for index in bands.indices {
            smoothed[index] = hasData ? smoothed[index] + (bands[index] - smoothed[index]) * smoothing : bands[index]
        }
        hasData = true
    }

    /// Each band's smoothed level, dBFS (a full-scale sine reads −3 dB in its band); −∞ for silence.
    public var bandsDB: [Double] { smoothed.map { Decibels.fromPower($0) } }
}
