import Analysis
import DemoSong
import Glibc
import MasteringDSP
import Testing
import TestSupport

/// The true-peak limiter: its output's true peak, measured by libebur128, never exceeds the
/// ceiling, on signals chosen to break limiters.
@Suite struct LimiterTests {
    static let rate = 44100.0

    static func limit(_ signal: StereoSignal, ceiling: Double = -1, blockFrames: Int = 512) -> (StereoSignal, Int) {
        var limiter = TruePeakLimiter()
        limiter.prepare(ProcessSpec(sampleRate: rate, maximumBlockFrames: blockFrames))
        limiter.setCeiling(dBTP: ceiling)
        limiter.setRelease(milliseconds: 80)
        // Flush the delay line with silence so the whole signal comes out.
        var padded = signal
        padded.left += Array(repeating: 0, count: limiter.latencyFrames)
        padded.right += Array(repeating: 0, count: limiter.latencyFrames)
        padded.process(blockFrames: blockFrames) { limiter.process($0) }
        return (padded, limiter.latencyFrames)
    }

    static func truePeakDBTP(_ signal: StereoSignal) throws -> Double {
        let meter = try TruePeakMeter(channelCount: 2, sampleRate: rate, layout: [.left, .right], method: .libebur128)
        let interleaved = signal.interleaved
        try interleaved.withUnsafeBufferPointer { try meter.add(preRoll: UnsafeBufferPointer(start: nil, count: 0), block: $0) }
        return 20 * log10(meter.peaks.max()!)
    }

    static func adversarial(_ name: String) throws -> StereoSignal {
        let frames = Int(rate * 2)
        switch name {
        case "full-scale square":
            let square = (0..<frames).map { Float(($0 / 22) % 2 == 0 ? 1 : -1) } // ≈1 kHz
            return StereoSignal(left: square, right: square.map { -$0 })
        case "fs/4 sine at 45°, +6 dB":
            return StereoSignal(interleaved: TestSignals.sine(frequency: rate / 4, levelDBFS: 6, seconds: 2,
                                                              sampleRate: rate, channels: 2, phaseDegrees: 45))
        case "impulses":
            var clicks = [Float](repeating: 0, count: frames)
            for index in stride(from: 100, to: frames, by: 4410) { clicks[index] = 1; clicks[index + 1] = -1 }
            return StereoSignal(left: clicks, right: clicks)
        case "clipped drums":
            var noise = TestSignals.Noise(seed: 3)
            var drums = [Float](repeating: 0, count: frames)
            for hit in stride(from: 0, to: frames - 8000, by: 11025) {
                for index in 0..<8000 {
                    let body = sin(2 * Double.pi * 60 * Double(index) / rate) * exp(-Double(index) / 2000)
                    drums[hit + index] = Float(max(-1, min(1, 3 * (body + 0.5 * noise.next() * exp(-Double(index) / 300)))))
                }
            }
            return StereoSignal(left: drums, right: drums)
        case "slow fade from +6 dB":
            // Peaks falling a little every frame: the gain each frame needs rises every frame, so
            // the sliding minimum holds a whole lookahead of entries (its ring is full).
            let fade = (0..<frames).map { Float(2 * pow(10, -12 * Double($0) / Double(frames) / 20)) }
            return StereoSignal(left: fade, right: fade.map { -$0 })
        case "demo song +12 dB":
            let song = try ChainTests.demo(seconds: 20)
            return StereoSignal(left: song.left.map { $0 * 3.981 }, right: song.right.map { $0 * 3.981 })
        default:
            fatalError("unknown signal \(name)")
        }
    }

    @Test(arguments: ["full-scale square", "fs/4 sine at 45°, +6 dB", "impulses", "clipped drums", "slow fade from +6 dB", "demo song +12 dB"])
    func outputTruePeakStaysUnderTheCeiling(signalName: String) throws {
        for ceiling in [-1.0, -2.0, -0.1] {
            let input = try Self.adversarial(signalName)
            let (output, _) = Self.limit(input, ceiling: ceiling)
            let peak = try Self.truePeakDBTP(output)
            #expect(peak <= ceiling, "\(signalName): \(peak) dBTP with ceiling \(ceiling)")
            #expect(peak > ceiling - 1.5, "\(signalName): limited far more than needed (\(peak) dBTP)")
        }
    }

    /// Every sample comes out at or under the limiter's aim (the ceiling less its safety margin)
    /// even while the gain each frame needs rises every frame for longer than the lookahead, which
    /// fills the sliding minimum's ring (the case where an earlier ring overwrote its oldest entry).
    @Test func everySampleMeetsItsNeedWhileTheNeedRisesForLongerThanTheLookahead() throws {
        let input = try Self.adversarial("slow fade from +6 dB")
        for ceiling in [-1.0, -3.0] {
            let (output, _) = Self.limit(input, ceiling: ceiling)
            let aim = pow(10, (ceiling - TruePeakLimiter.safetyMarginDB) / 20)
            let highest = output.left.map { abs(Double($0)) }.max()!
            #expect(highest <= aim * (1 + 1e-6), "\(20 * log10(highest)) dBFS over the aim \(20 * log10(aim)) dBFS")
        }
    }

    /// Hostile levels: clicks a billion times full scale (+180 dBFS, as a float file can hold) over
    /// a quiet sine. The gains they need are ~10⁻⁹, far below where the moving average's Double
    /// sum stays exact; between them the limiter must never amplify nor pass its aim.
    @Test func neverAmplifiesNorOvershootsAfterClicksABillionTimesFullScale() throws {
        let sine = TestSignals.sine(frequency: 440, levelDBFS: -12, seconds: 2, sampleRate: Self.rate, channels: 1)
        var left = sine
        for index in stride(from: 1000, to: left.count - 10, by: 2205) {
            left[index] = 1e9; left[index + 1] = -1e9; left[index + 5] = 3e8
        }
        let input = StereoSignal(left: left, right: left.map { -$0 })
        let (output, latency) = Self.limit(input, ceiling: -1)
        let aim = pow(10, (-1 - TruePeakLimiter.safetyMarginDB) / 20)
        for index in 0..<(input.left.count - latency) {
            let out = abs(Double(output.left[index + latency])), into = abs(Double(input.left[index]))
            #expect(out <= aim * (1 + 1e-6) && out <= into * (1 + 1e-6), "frame \(index): \(out) from \(into)")
            if out > aim * (1 + 1e-6) || out > into * (1 + 1e-6) { break }
        }
    }

    @Test func reportsItsLatencyAndLeavesQuietSignalsAlone() throws {
        let input = StereoSignal(interleaved: TestSignals.sine(frequency: 440, levelDBFS: -12, seconds: 1,
                                                               sampleRate: Self.rate, channels: 2))
        let (output, latency) = Self.limit(input)
        #expect(latency == Int((0.005 * Self.rate).rounded()) - 1 + 6)
        for index in stride(from: 0, to: input.left.count, by: 37) {
            #expect(abs(output.left[index + latency] - input.left[index]) < 1e-6)
        }
    }

    @Test func blockSizeDoesNotChangeTheOutput() throws {
        let input = try Self.adversarial("demo song +12 dB")
        let reference = Self.limit(input, blockFrames: 8192).0
        for blockFrames in [1, 17, 512] {
            let output = Self.limit(input, blockFrames: blockFrames).0
            #expect(output.left == reference.left && output.right == reference.right, "block \(blockFrames)")
        }
    }

    /// The interpolator the limiter and the live meter share reads what libebur128 reads, per
    /// channel, whatever the block sizes (both read the signal followed by silence, so every gap completes).
    @Test(arguments: ["full-scale square", "fs/4 sine at 45°, +6 dB", "impulses", "clipped drums", "slow fade from +6 dB", "demo song +12 dB"])
    func interpolatorAgreesWithLibebur128(signalName: String) throws {
        var signal = try Self.adversarial(signalName)
        signal.right = signal.right.map { $0 * 0.5 }
        var padded = signal
        padded.left += Array(repeating: 0, count: 64)
        padded.right += Array(repeating: 0, count: 64)
        let meter = try TruePeakMeter(channelCount: 2, sampleRate: Self.rate, layout: [.left, .right], method: .libebur128)
        try padded.interleaved.withUnsafeBufferPointer { try meter.add(preRoll: UnsafeBufferPointer(start: nil, count: 0), block: $0) }
        var interpolator = TruePeakInterpolator()
        interpolator.prepare()
        defer { interpolator.release() }
        var highest = SIMD2<Float>.zero
        var offset = 0, block = 1
        while offset < padded.left.count {
            let count = min(block, padded.left.count - offset)
            highest = lanewiseMax(highest, interpolator.peak(left: padded.left, right: padded.right, offset: offset, count: count))
            offset += count; block = block * 3 % 1021 + 1
        }
        for channel in 0..<2 {
            let ours = 20 * log10(Double(highest[channel])), theirs = 20 * log10(meter.peaks[channel])
            #expect(abs(ours - theirs) < 0.001, "\(signalName) channel \(channel): \(ours) vs libebur128 \(theirs) dBTP")
        }
    }
}

extension LimiterTests {
    /// The meters filter gaps only where they could matter, and that changes no answer: the gated
    /// running maximum is the filtered one exactly, in the frame form and in the file meters' block
    /// form (stereo and mono, blocks longer than prepared for cut inside). The limiter's block form
    /// gives every gap's peak (the larger channel) bit for bit as the frame form does, whatever the
    /// block sizes; with a floor it skips only gaps under the floor, which read 0.
    @Test(arguments: ["full-scale square", "fs/4 sine at 45°, +6 dB", "impulses", "clipped drums", "slow fade from +6 dB", "demo song +12 dB"])
    func skippingQuietGapsAndWorkingInBlocksChangeNoAnswer(signalName: String) throws {
        var signal = try Self.adversarial(signalName)
        signal.right = signal.right.map { $0 * 0.5 }
        var filtered = TruePeakInterpolator(), gated = TruePeakInterpolator(), blocks = TruePeakInterpolator()
        var filteredMono = TruePeakInterpolator(), meterBlocks = TruePeakInterpolator(), monoBlocks = TruePeakInterpolator()
        filtered.prepare(); gated.prepare(); blocks.prepare(maximumBlockFrames: 1021); filteredMono.prepare()
        meterBlocks.prepare(maximumBlockFrames: 509); monoBlocks.prepare(maximumBlockFrames: 509)
        var floored = TruePeakInterpolator()
        floored.prepare(maximumBlockFrames: 1021)
        let floor: Float = 0.5
        var flooredPeaks = [Float](repeating: 0, count: 1021)
        var skipped = 0, wronglySkipped = 0
        defer { for var interpolator in [filtered, gated, blocks, filteredMono, meterBlocks, monoBlocks, floored] { interpolator.release() } }
        let interleaved = zip(signal.left, signal.right).flatMap { [$0, $1] }
        var exact = SIMD2<Float>.zero, running = SIMD2<Float>.zero, exactMono = SIMD2<Float>.zero
        var meterRunning = SIMD2<Float>.zero, monoRunning = SIMD2<Float>.zero
        var gapPeaks = [Float](repeating: 0, count: 1021)
        var offset = 0, block = 1, differing = 0
        while offset < signal.left.count {
            let count = min(block, signal.left.count - offset)
            var frameForm: [Float] = []
            for index in offset..<(offset + count) {
                let peaks = filtered.gapPeak(adding: SIMD2(signal.left[index], signal.right[index]))
                exact = lanewiseMax(exact, peaks)
                exactMono = lanewiseMax(exactMono, filteredMono.gapPeak(adding: SIMD2(repeating: signal.left[index])))
                frameForm.append(peaks.max())
            }
            signal.left.withUnsafeBufferPointer { l in signal.right.withUnsafeBufferPointer { r in
                running = gated.peak(left: l.baseAddress! + offset, right: r.baseAddress! + offset, count: count, above: running)
                blocks.gapPeaks(left: l.baseAddress! + offset, right: r.baseAddress! + offset, count: count, into: &gapPeaks)
                floored.gapPeaks(left: l.baseAddress! + offset, right: r.baseAddress! + offset, count: count, into: &flooredPeaks,
                                 floor: floor)
                monoRunning = monoBlocks.peak(interleaved: l.baseAddress! + offset, channels: 1, frames: count, above: monoRunning)
            } }
            interleaved.withUnsafeBufferPointer { samples in
                meterRunning = meterBlocks.peak(interleaved: samples.baseAddress! + 2 * offset, channels: 2, frames: count, above: meterRunning)
            }
            differing += zip(frameForm, gapPeaks[..<count]).filter { $0 != $1 }.count
            for (exactPeak, flooredPeak) in zip(frameForm, flooredPeaks[..<count]) where flooredPeak != exactPeak {
                if flooredPeak == 0 && exactPeak < floor { skipped += 1 } else { wronglySkipped += 1 }
            }
            offset += count; block = block * 3 % 1021 + 1
        }
        #expect(wronglySkipped == 0, "\(signalName): \(wronglySkipped) gaps skipped or changed that could pass the floor")
        if signalName == "clipped drums" || signalName == "demo song +12 dB" {
            #expect(skipped > 1000, "\(signalName): quiet stretches, yet \(skipped) gaps skipped")
        }
        #expect(running == exact, "\(signalName): \(running) vs \(exact)")
        #expect(meterRunning == exact, "\(signalName), file meters' block form: \(meterRunning) vs \(exact)")
        #expect(monoRunning == exactMono, "\(signalName), mono: \(monoRunning) vs \(exactMono)")
        #expect(differing == 0, "\(signalName): \(differing) gaps differ between the block and the frame form")
    }
}

private extension TruePeakInterpolator {
    mutating func peak(left: [Float], right: [Float], offset: Int, count: Int) -> SIMD2<Float> {
        left.withUnsafeBufferPointer { l in right.withUnsafeBufferPointer { r in
            peak(left: l.baseAddress! + offset, right: r.baseAddress! + offset, count: count)
        } }
    }
}
