import Analysis
import Glibc
import MasteringDSP
import Testing
import TestSupport

/// Each chain stage against its defining numbers.
@Suite struct StageTests {
    static let rate = 44100.0
    static let spec = ProcessSpec(sampleRate: rate, maximumBlockFrames: 512)

    static func sine(_ frequency: Double, _ level: Double = -12, seconds: Double = 1) -> StereoSignal {
        StereoSignal(interleaved: TestSignals.sine(frequency: frequency, levelDBFS: level, seconds: seconds,
                                                   sampleRate: rate, channels: 2))
    }

    // MARK: EQ

    @Test(arguments: [25.0, 120.0, 700.0, 1000.0, 3000.0, 9000.0, 16000.0])
    func eqMatchesItsAnalyticCurve(frequency: Double) {
        var eq = ToneEQ()
        eq.prepare(Self.spec)
        eq.setLowShelf(gainDB: 3, frequency: 120)
        eq.setHighShelf(gainDB: -2.5, frequency: 9000)
        eq.setTilt(1.5)
        eq.snapToTargets()
        var signal = Self.sine(frequency)
        let before = rmsDBFS(signal.left[22050...])
        signal.process { eq.process($0) }
        let measured = rmsDBFS(signal.left[22050...]) - before
        let analytic = eq.magnitudeDB(atFrequency: frequency)
        #expect(abs(measured - analytic) < 0.05, "\(frequency) Hz: measured \(measured) dB, analytic \(analytic) dB")
    }

    // MARK: DC blocker

    /// A second-order Butterworth high-pass at 5 Hz: |H|² = r⁴ / (1 + r⁴), r = f / 5 Hz (the
    /// bilinear transform's warping is negligible this far under Nyquist).
    @Test(arguments: [2.5, 5.0, 10.0, 20.0, 40.0, 100.0, 1000.0])
    func dcBlockerMatchesTheButterworthCurve(frequency: Double) {
        var blocker = DCBlocker()
        blocker.prepare(Self.spec)
        let ratio = pow(frequency / DCBlocker.cornerHz, 4)
        let butterworth = 10 * log10(ratio / (1 + ratio))
        #expect(abs(blocker.magnitudeDB(atFrequency: frequency) - butterworth) < 0.001,
                "\(frequency) Hz: \(blocker.magnitudeDB(atFrequency: frequency)) dB, Butterworth \(butterworth) dB")
        // Measured on a sine over whole periods, after four seconds of settling.
        let seconds = 4 + 4 / frequency.rounded(.up)
        var signal = Self.sine(frequency, -6, seconds: seconds)
        let tail = signal.left.count - Int((Self.rate * 2 / frequency).rounded())
        let before = rmsDBFS(signal.left[tail...])
        signal.process { blocker.process($0) }
        let measured = rmsDBFS(signal.left[tail...]) - before
        #expect(abs(measured - butterworth) < 0.05, "\(frequency) Hz: measured \(measured) dB, Butterworth \(butterworth) dB")
    }

    /// An offset of ±0.1 under a 1 kHz sine is gone within half a second: there the output
    /// differs from the same sine's without the offset by under 10⁻⁵ (the offset down 80 dB).
    @Test func dcBlockerTakesOutAnOffset() {
        var withOffset = DCBlocker(), without = DCBlocker()
        withOffset.prepare(Self.spec); without.prepare(Self.spec)
        var clean = Self.sine(1000, -6)
        var signal = clean
        for index in signal.left.indices { signal.left[index] += 0.1; signal.right[index] -= 0.1 }
        signal.process { withOffset.process($0) }
        clean.process { without.process($0) }
        let halfSecond = Int(Self.rate / 2)
        for (filtered, reference) in [(signal.left, clean.left), (signal.right, clean.right)] {
            let left = zip(filtered[halfSecond...], reference[halfSecond...]).map { abs($0 - $1) }.max()!
            #expect(left < 1e-5, "\(left) of the offset is left after half a second")
        }
    }

    @Test func tiltPivotsAroundOneKilohertz() {
        var eq = ToneEQ()
        eq.prepare(Self.spec)
        eq.setTilt(4)
        eq.snapToTargets()
        #expect(abs(eq.magnitudeDB(atFrequency: 1000)) < 0.01)
        #expect(abs(eq.magnitudeDB(atFrequency: 20) + 2) < 0.3, "lows fall by half the tilt")
        #expect(abs(eq.magnitudeDB(atFrequency: 20000) - 2) < 0.3, "highs rise by half the tilt")
    }

    @Test func eqGlidesInsteadOfJumping() {
        // A gain change mid-signal must not step: sample-to-sample change stays small.
        var eq = ToneEQ()
        eq.prepare(Self.spec)
        var signal = Self.sine(60, -6)
        var block = 0
        signal.process { chunk in
            if block == 20 { eq.setLowShelf(gainDB: 12, frequency: 120) }
            eq.process(chunk)
            block += 1
        }
        let steps = zip(signal.left.dropFirst(), signal.left).map { abs($0 - $1) }
        let largest = steps.max()!
        // A 60 Hz sine at up to +12 dB moves at most 2π·60/44100·A per sample (A ≈ 2.0).
        #expect(largest < Float(2 * Double.pi * 60 / 44100 * 2.1), "largest step \(largest)")
    }

    // MARK: Compressor

    static func compressorOutputDB(inputDB: Double, _ parameters: Compressor.Parameters) -> Double {
        var compressor = Compressor()
        compressor.prepare(spec)
        compressor.setParameters(parameters)
        // A constant level: peak detection sees exactly `inputDB` at every sample.
        let value = Float(pow(10, inputDB / 20))
        var signal = StereoSignal(left: Array(repeating: value, count: 44100), right: Array(repeating: -value, count: 44100))
        signal.process { compressor.process($0) }
        return 20 * log10(Double(abs(signal.left.last!)))
    }

    @Test(arguments: [-40.0, -24.0, -21.0, -18.0, -15.0, -12.0, -6.0, 0.0])
    func compressorStaticCurveBelowInsideAndAboveTheKnee(inputDB: Double) {
        var parameters = Compressor.Parameters()
        parameters.thresholdDB = -18; parameters.ratio = 4; parameters.kneeDB = 6
        parameters.attackMilliseconds = 1; parameters.releaseMilliseconds = 50
        let measured = Self.compressorOutputDB(inputDB: inputDB, parameters)
        let expected = Compressor.staticCurve(inputDB: inputDB, thresholdDB: -18, ratio: 4, kneeDB: 6)
        #expect(abs(measured - expected) < 0.01, "in \(inputDB) dB: out \(measured) dB, curve \(expected) dB")
        // Spot values of the curve itself: unity below, T + (x − T)/R above the knee.
        if inputDB <= -21 { #expect(abs(expected - inputDB) < 1e-9) }
        if inputDB >= -15 { #expect(abs(expected - (-18 + (inputDB + 18) / 4)) < 1e-9) }
    }

    @Test func compressorAttackAndReleaseTimeConstants() {
        var parameters = Compressor.Parameters()
        parameters.thresholdDB = -30; parameters.ratio = 4; parameters.kneeDB = 0
        parameters.attackMilliseconds = 20; parameters.releaseMilliseconds = 200
        var compressor = Compressor()
        compressor.prepare(Self.spec)
        compressor.setParameters(parameters)
        // 1 s at −50 dB (no reduction), 1 s at −10 dB (target −15 dB), 1 s at −50 dB.
        let quiet = Float(pow(10, -50.0 / 20)), loud = Float(pow(10, -10.0 / 20))
        let levels = Array(repeating: quiet, count: 44100) + Array(repeating: loud, count: 44100) + Array(repeating: quiet, count: 44100)
        var signal = StereoSignal(left: levels, right: levels)
        signal.process(blockFrames: 64) { compressor.process($0) }
        func reductionDB(at frame: Int) -> Double { 20 * log10(Double(signal.left[frame] / levels[frame])) }
        // After one attack time constant the reduction has gone 63.2 % of the way to −15 dB.
        let attackFrame = 44100 + Int(0.020 * 44100) - 1
        #expect(abs(reductionDB(at: attackFrame) - (-15 * (1 - exp(-1)))) < 0.1, "attack: \(reductionDB(at: attackFrame))")
        let releaseFrame = 88200 + Int(0.200 * 44100) - 1
        #expect(abs(reductionDB(at: releaseFrame) - (-15 * exp(-1))) < 0.1, "release: \(reductionDB(at: releaseFrame))")
    }

    // MARK: Matching EQ

    /// A curve with bells and the top shelf, different on mid and side, and a flat gain on both.
    static let matchCurve: MatchCurve = {
        var curve = MatchCurve()
        curve.gainDB = -2.5
        for band in 0..<MatchCurve.bellCount {
            curve.mid[band] = 4 * sin(Double(band) * 0.9)
            curve.side[band] = -3 * cos(Double(band) * 0.7)
        }
        curve.mid[MatchCurve.bellCount] = -9
        curve.side[MatchCurve.bellCount] = 5
        return curve
    }()

    @Test(arguments: [30.0, 200.0, 1000.0, 5000.0, 12000.0, 16000.0, 19950.0, 21000.0])
    func matchEQMatchesItsAnalyticCurveOnMidAndSide(frequency: Double) {
        for onSide in [false, true] {
            var eq = MatchEQ()
            eq.setCurve(Self.matchCurve)
            eq.prepare(Self.spec)
            // Mid: the same on both channels; side: opposite.
            var signal = Self.sine(frequency)
            if onSide { signal.right = signal.right.map { -$0 } }
            let before = rmsDBFS(signal.left[22050...])
            signal.process { eq.process($0) }
            let measured = rmsDBFS(signal.left[22050...]) - before
            let analytic = Self.matchCurve.magnitudeDB(atFrequency: frequency, sampleRate: Self.rate, side: onSide)
            #expect(abs(measured - analytic) < 0.05, "\(onSide ? "side" : "mid") \(frequency) Hz: measured \(measured) dB, analytic \(analytic) dB")
        }
    }

    /// A reference that falls away above 12.5 kHz (a dark master's top): the bells return to 0 dB at
    /// Nyquist and cannot follow it into the 20 kHz band; with the shelf the fit reaches it within 1 dB.
    @Test func theFitFollowsASteepTopIntoTheLastBand() {
        let wanted: [(hz: Double, db: Double)] = ThirdOctaveBands.exactCentresHz.map { hz in
            (hz, hz <= 10_000 ? 0 : -18 * log2(hz / 10_000))
        }
        let gains = MatchCurve.fit(wanted, sampleRate: Self.rate)
        var curve = MatchCurve()
        for band in 0..<MatchCurve.bandCount { curve.mid[band] = gains[band] }
        #expect(gains[MatchCurve.bellCount] < -3, "the shelf takes part: \(gains[MatchCurve.bellCount]) dB")
        // Least squares with smoothness: the knee is rounded (2 dB at most), the top band is reached.
        var errors: [Double] = []
        for (hz, db) in wanted where hz < 0.47 * Self.rate {
            let reached = curve.magnitudeDB(atFrequency: hz, sampleRate: Self.rate)
            #expect(abs(reached - db) < 2.5, "\(hz) Hz: wanted \(db) dB, fitted \(reached) dB")
            errors.append(abs(reached - db))
        }
        #expect(errors.reduce(0, +) / Double(errors.count) < 0.2, "mean error \(errors.reduce(0, +) / Double(errors.count)) dB")
        let top = wanted.last { $0.hz < 0.47 * Self.rate }!
        let reachedTop = curve.magnitudeDB(atFrequency: top.hz, sampleRate: Self.rate)
        #expect(abs(reachedTop - top.db) < 1, "top band: wanted \(top.db) dB, fitted \(reachedTop) dB")
        // Without the shelf, the 18.1 kHz bell at its full cut leaves the 20 kHz band far short.
        var bellsOnly = curve
        bellsOnly.mid[MatchCurve.bellCount] = 0
        bellsOnly.mid[MatchCurve.bellCount - 1] = -MatchCurve.maximumCutDB
        #expect(bellsOnly.magnitudeDB(atFrequency: top.hz, sampleRate: Self.rate) > top.db + 3)
    }

    // MARK: Width

    @Test func widthZeroIsMonoAndOneIsUnchanged() {
        let original = StereoSignal(interleaved: TestSignals.whiteNoise(seconds: 0.5, sampleRate: Self.rate, channels: 2))
        var mono = original, unchanged = original
        var zero = StereoWidth(), one = StereoWidth()
        zero.prepare(Self.spec); zero.setWidth(0); zero.reset()
        one.prepare(Self.spec); one.setWidth(1); one.reset()
        mono.process { zero.process($0) }
        unchanged.process { one.process($0) }
        #expect(zip(mono.left, mono.right).allSatisfy { $0 == $1 })
        for index in stride(from: 0, to: original.left.count, by: 97) {
            #expect(abs(mono.left[index] - (original.left[index] + original.right[index]) / 2) < 1e-6)
        }
        #expect(zip(unchanged.left, original.left).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(zip(unchanged.right, original.right).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    // MARK: Loudness gain

    @Test func loudnessGainNeverMovesFasterThanItsSlewLimit() {
        var gain = LoudnessGain()
        gain.prepare(Self.spec)
        gain.setTarget(12)
        var applied: [Double] = []
        var signal = Self.sine(1000, -30, seconds: 5)
        signal.process(blockFrames: 441) { block in gain.process(block); applied.append(gain.appliedDB) }
        let perBlockLimit = LoudnessGain.defaultSlewDBPerSecond * 441 / 44100
        #expect(zip(applied.dropFirst(), applied).allSatisfy { $0 - $1 <= perBlockLimit + 1e-9 })
        #expect(abs(applied[99] - 3) < 1e-6, "3 dB/s: 3 dB after one second")
        #expect(abs(applied.last! - 12) < 1e-9, "arrives at the target")
    }

    // MARK: Dither

    @Test(arguments: [16, 24])
    func ditherIsTriangularOfOneLeastSignificantBit(bits: Int) {
        var dither = TPDFDither()
        dither.prepare(bitDepth: bits)
        // Dither is measured on quiet sound (−60 dBFS), as what it adds: silence gets none.
        let sound = StereoSignal(left: (0..<200_000).map { Float(0.001 * sin(2 * Double.pi * 441 * Double($0) / 44100)) },
                                 right: (0..<200_000).map { Float(0.001 * sin(2 * Double.pi * 1000 * Double($0) / 44100)) })
        var dithered = sound
        dithered.process { dither.process($0) }
        let added = StereoSignal(left: zip(dithered.left, sound.left).map { $0 - $1 },
                                 right: zip(dithered.right, sound.right).map { $0 - $1 })
        let lsb = 1 / Double(1 << (bits - 1))
        let expected = 20 * log10(lsb / 6.0.squareRoot())
        #expect(abs(rmsDBFS(added.left[...]) - expected) < 0.1, "dither RMS \(rmsDBFS(added.left[...])) dBFS, TPDF \(expected)")
        #expect(added.left.allSatisfy { abs(Double($0)) <= lsb * 1.001 }, "TPDF stays within ±1 LSB")
        let mean = added.left.reduce(0, +) / Float(added.left.count)
        #expect(abs(Double(mean)) < lsb / 100)
        // White and independent: no correlation between the channels, nor from one sample to the next.
        func correlation(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
            let products = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let powers = a.reduce(0.0) { $0 + Double($1) * Double($1) } * b.reduce(0.0) { $0 + Double($1) * Double($1) }
            return products / powers.squareRoot()
        }
        #expect(abs(correlation(added.left[...], added.right[...])) < 0.01)
        #expect(abs(correlation(added.left.dropFirst(), added.left.dropLast())) < 0.01)
        #expect(abs(correlation(added.right.dropFirst(), added.right.dropLast())) < 0.01)
    }

    /// Digital silence stays digital silence: a silent start gets no dither from its first
    /// frame, and a gap after sound gets dither for `silenceHoldFrames` frames, then none. The
    /// chain's own residue in silence (about 10⁻²⁰) counts as silence; a sound at −114 dBFS,
    /// under the 16-bit LSB but over a 64th of it, does not. Whatever the blocks, the same
    /// frames are dithered.
    @Test func ditherStopsInDigitalSilence() {
        let hold = TPDFDither.silenceHoldFrames
        let sound = (0..<5000).map { Float(0.01 * sin(2 * Double.pi * 441 * Double($0) / 44100)) }
        let residue = [Float](repeating: 1e-20, count: 3000)
        let faint = [Float](repeating: 2e-6, count: 3000)  // −114 dBFS, a 15th of the LSB: still a sound
        let input: [Float] = [Float](repeating: 0, count: 2000) + sound + residue + faint + [Float](repeating: 0, count: 1000)
        var outputs: [[Float]] = []
        for blockFrames in [1, 7, 300, 4096] {
            var dither = TPDFDither()
            dither.prepare(bitDepth: 16)
            var signal = StereoSignal(left: input, right: input)
            signal.process(blockFrames: blockFrames) { dither.process($0) }
            outputs.append(signal.left)
            #expect(signal.right != input, "the right channel is dithered too")
        }
        for output in outputs.dropFirst() { #expect(output == outputs[0], "the same frames whatever the blocks") }
        let output = outputs[0]
        func changed(_ range: Range<Int>) -> Int { range.filter { output[$0] != input[$0] }.count }
        #expect(changed(0..<2000) == 0, "a silent start is black from its first frame")
        #expect(changed(2000..<7000) > 4900, "sound is dithered")
        #expect(changed(7000..<(7000 + hold)) > hold - 5, "dither runs on through the hold")
        #expect(changed((7000 + hold)..<10000) == 0, "then the chain's residue is left as it is")
        #expect(changed(10000..<13000) > 2900, "a faint sound is not silence")
        #expect(changed((13000 + hold)..<14000) == 0, "nor is the end")
    }
}

