import Analysis
import Glibc
import MasteringDSP
import Testing
import TestSupport

/// The exciter: harmonics where the curves put them, aliases kept down by oversampling,
/// and a dry path that lines up with the wet one.
@Suite struct ExciterTests {
    static let rate = 44100.0

    static func excite(_ frequency: Double, levelDBFS: Double, drive: Double, mix: Double = 1,
                       mode: Exciter.Mode) -> [Float] {
        var exciter = Exciter()
        exciter.prepare(ProcessSpec(sampleRate: rate, maximumBlockFrames: 512))
        exciter.setDrive(drive); exciter.setMix(mix); exciter.setMode(mode); exciter.reset()
        var signal = StereoSignal(interleaved: TestSignals.sine(frequency: frequency, levelDBFS: levelDBFS,
                                                                seconds: 2, sampleRate: rate, channels: 2))
        signal.process { exciter.process($0) }
        return Array(signal.left[22050...])
    }

    /// Mean square per FFT bin of a mono signal.
    static func spectrum(_ samples: [Float]) -> (bins: [Double], binWidth: Double) {
        let analyzer = SpectrumAnalyzer(sampleRate: rate, channelCount: 1)
        samples.withUnsafeBufferPointer { analyzer.add($0) }
        return (analyzer.meanSquarePerBin(), analyzer.binWidthHz)
    }

    /// Level (dB) of the strongest component within ±3 bins of `frequency`.
    static func level(_ spectrum: (bins: [Double], binWidth: Double), at frequency: Double) -> Double {
        let centre = Int((frequency / spectrum.binWidth).rounded())
        let power = spectrum.bins[max(0, centre - 3)...min(spectrum.bins.count - 1, centre + 3)].reduce(0, +)
        return 10 * log10(max(power, 1e-30))
    }

    @Test func tapeMakesOddHarmonicsAndTubeAddsEvenOnes() {
        let tape = Self.spectrum(Self.excite(1000, levelDBFS: -6, drive: 1, mode: .tape))
        let tube = Self.spectrum(Self.excite(1000, levelDBFS: -6, drive: 1, mode: .tube))
        let tapeFundamental = Self.level(tape, at: 1000), tubeFundamental = Self.level(tube, at: 1000)
        #expect(Self.level(tape, at: 3000) - tapeFundamental > -30, "tape: third harmonic present")
        #expect(Self.level(tape, at: 2000) - tapeFundamental < -80, "tape: symmetric curve, no second harmonic")
        #expect(Self.level(tube, at: 2000) - tubeFundamental > -40, "tube: second harmonic present")
        #expect(Self.level(tube, at: 3000) - tubeFundamental > -40, "tube: third harmonic present")
    }

    @Test(arguments: [Exciter.Mode.tape, .tube])
    func aliasesOfA15kHzSineStayBelow65dB(mode: Exciter.Mode) {
        // Harmonics of 15 kHz are all above Nyquist: anything in the band other than 15 kHz is aliasing.
        // Full drive on a −6 dBFS sine (a hot mix before the limiter).
        let spectrum = Self.spectrum(Self.excite(15000, levelDBFS: -6, drive: 1, mode: mode))
        let fundamental = Self.level(spectrum, at: 15000)
        let fundamentalBin = Int((15000 / spectrum.binWidth).rounded())
        var worst = -Double.infinity, worstHz = 0.0
        for bin in 4..<(spectrum.bins.count - 4) where abs(bin - fundamentalBin) > 24 { // ±130 Hz: the window's own skirt
            let level = 10 * log10(max(spectrum.bins[bin], 1e-30)) - fundamental
            if level > worst { worst = level; worstHz = Double(bin) * spectrum.binWidth }
        }
        #expect(worst < -65, "\(mode): strongest alias \(worst) dB at \(worstHz) Hz")
    }

    @Test func dryAndWetLineUp() {
        // A quiet sine passes the saturator almost linearly: the wet output must equal the
        // delayed input, or mixing would comb-filter.
        var exciter = Exciter()
        exciter.prepare(ProcessSpec(sampleRate: Self.rate, maximumBlockFrames: 512))
        exciter.setDrive(0); exciter.setMix(1); exciter.reset()
        let input = TestSignals.sine(frequency: 2000, levelDBFS: -60, seconds: 0.5, sampleRate: Self.rate, channels: 2)
        var signal = StereoSignal(interleaved: input)
        signal.process { exciter.process($0) }
        let latency = exciter.latencyFrames
        let original = StereoSignal(interleaved: input)
        var worst: Float = 0
        for index in 2000..<(original.left.count - latency) {
            worst = max(worst, abs(signal.left[index + latency] - original.left[index]))
        }
        #expect(worst < 0.001 * 0.001, "largest difference \(worst) on a 0.001 amplitude sine")
    }

    /// Frames go through two at a time (four floats a vector) and the odd one alone: both paths
    /// must give the same samples, so any block size gives the same output, bit for bit.
    @Test(arguments: [Exciter.Mode.tape, .tube])
    func pairedAndSingleFramesGiveTheSameSamples(mode: Exciter.Mode) {
        let input = StereoSignal(interleaved: TestSignals.sine(frequency: 3100, levelDBFS: -3, seconds: 0.5,
                                                              sampleRate: Self.rate, channels: 2))
        func run(_ blockFrames: Int) -> StereoSignal {
            var exciter = Exciter()
            exciter.prepare(ProcessSpec(sampleRate: Self.rate, maximumBlockFrames: 4096))
            exciter.setDrive(0.8); exciter.setMix(0.6); exciter.setMode(mode); exciter.reset()
            var signal = input
            // The right channel a little different, so the lanes are not all alike.
            for index in signal.right.indices { signal.right[index] *= 0.5 }
            signal.process(blockFrames: blockFrames) { exciter.process($0) }
            return signal
        }
        let single = run(1)
        #expect(single.left != input.left, "the exciter did something")
        for blockFrames in [2, 3, 7, 4096] {
            let output = run(blockFrames)
            #expect(output.left == single.left && output.right == single.right, "blocks of \(blockFrames)")
        }
    }
}
