import Analysis
import AudioIO
import Foundation
import Glibc
import MasteringDSP
import Testing
import TestSupport

/// Band energies, the 1/3-octave tone curve, the centroid and the stereo image,
/// checked on signals whose spectra are known.
@Suite struct SpectralAnalysisTests {
    static func analyze(_ samples: [Float], channels: Int = 1, sampleRate: Double = 44100) throws -> AnalysisReport {
        var source = TestSignals.source(samples, channels: channels, sampleRate: sampleRate)
        return try Analyzer.analyze(&source)
    }

    /// Power gain |H(f)|² of each band path: LR4 at 200 Hz, then LR4 at 4 kHz on the upper side.
    static func bandPowerGains(at frequency: Double, sampleRate: Double = 44100) -> (low: Double, mid: Double, high: Double) {
        func squared(_ c: BiquadCoefficients) -> Double {
            let m = c.magnitude(atFrequency: frequency, sampleRate: sampleRate); return m * m
        }
        let lp200 = squared(.lowPass(sampleRate: sampleRate, frequency: 200))
        let hp200 = squared(.highPass(sampleRate: sampleRate, frequency: 200))
        let lp4k = squared(.lowPass(sampleRate: sampleRate, frequency: 4000))
        let hp4k = squared(.highPass(sampleRate: sampleRate, frequency: 4000))
        // Each LR4 side is a Butterworth section twice: |H|⁴ per side.
        return (lp200 * lp200, hp200 * hp200 * lp4k * lp4k, hp200 * hp200 * hp4k * hp4k)
    }

    @Test(arguments: [(60.0, "low"), (1000.0, "mid"), (10000.0, "high")])
    func aSineLandsInItsBand(frequency: Double, band: String) throws {
        let report = try Self.analyze(TestSignals.sine(frequency: frequency, levelDBFS: -6, seconds: 3, sampleRate: 44100, channels: 1))
        let shares = ["low": report.bands.low.share, "mid": report.bands.mid.share, "high": report.bands.high.share]
        #expect(shares[band]! > 0.98, "\(frequency) Hz: shares \(shares)")
        let level = [report.bands.low, report.bands.mid, report.bands.high].map(\.rmsDBFS).max()!
        let gains = Self.bandPowerGains(at: frequency)
        let expected = -6 - 3.0103 + Decibels.fromPower(max(gains.low, gains.mid, gains.high))
        #expect(abs(level - expected) < 0.05, "the band holding the sine reads \(level) dBFS, analytic \(expected)")
    }

    /// The band meter runs both splits as one wavefront (the second a frame behind), so each
    /// block starts and ends with half a step. Whatever the blocks, it must give what plain
    /// scalar cascades give sample by sample: a lost or doubled edge frame shows at once with
    /// blocks of one frame. Three channels: the last pair is one channel and silence.
    @Test(arguments: [1, 2, 37, 4096, 30_000])
    func theBandMeterIsScalarCascadesWhateverTheBlocks(blockFrames: Int) throws {
        let channels = 3, rate = 44100.0, frames = 20_000
        var noise = TestSignals.Noise(seed: 11)
        let samples = (0..<frames * channels).map { _ in Float(0.3 * noise.next()) }
        let meter = BandEnergyMeter(sampleRate: rate, channelCount: channels)
        var start = 0
        while start < frames {
            let end = min(frames, start + blockFrames)
            samples[start * channels..<end * channels].withUnsafeBufferPointer { meter.add($0) }
            start = end
        }
        let bands = meter.result()
        // Scalar reference: per channel, LR4 at 200 Hz, then LR4 at 4 kHz on the upper part.
        func lr4(_ coefficients: BiquadCoefficients) -> (Biquad, Biquad) { (Biquad(coefficients), Biquad(coefficients)) }
        var squares = (low: 0.0, mid: 0.0, high: 0.0)
        for channel in 0..<channels {
            var (low1, low2) = lr4(.lowPass(sampleRate: rate, frequency: 200))
            var (rest1, rest2) = lr4(.highPass(sampleRate: rate, frequency: 200))
            var (mid1, mid2) = lr4(.lowPass(sampleRate: rate, frequency: 4000))
            var (high1, high2) = lr4(.highPass(sampleRate: rate, frequency: 4000))
            for frame in 0..<frames {
                let x = samples[frame * channels + channel]
                let low = Double(low2.process(low1.process(x)))
                let rest = rest2.process(rest1.process(x))
                let mid = Double(mid2.process(mid1.process(rest))), high = Double(high2.process(high1.process(rest)))
                squares.low += low * low; squares.mid += mid * mid; squares.high += high * high
            }
        }
        let count = Double(frames * channels)
        for (name, measured, expected) in [("low", bands.low.rmsDBFS, squares.low), ("mid", bands.mid.rmsDBFS, squares.mid),
                                           ("high", bands.high.rmsDBFS, squares.high)] {
            let reference = Decibels.fromPower(expected / count)
            #expect(abs(measured - reference) < 0.001, "\(name), blocks of \(blockFrames): \(measured) dBFS, scalar \(reference)")
        }
    }

    @Test func whiteNoiseSplitsInProportionToBandwidth() throws {
        // Flat spectrum: each band's energy is the integral of its analytic |H(f)|² over 0…Nyquist.
        let report = try Self.analyze(TestSignals.whiteNoise(seconds: 10, rmsDBFS: -20))
        var low = 0.0, mid = 0.0, high = 0.0
        for frequency in stride(from: 0.5, to: 22050, by: 1.0) {
            let gains = Self.bandPowerGains(at: frequency)
            low += gains.low; mid += gains.mid; high += gains.high
        }
        let total = low + mid + high
        let expected = (low: low / total, mid: mid / total, high: high / total)
        #expect(abs(report.bands.low.share - expected.low) < 0.004, "low \(report.bands.low.share)")
        #expect(abs(report.bands.mid.share - expected.mid) < 0.01, "mid \(report.bands.mid.share)")
        #expect(abs(report.bands.high.share - expected.high) < 0.01, "high \(report.bands.high.share)")
    }

    @Test func pinkNoiseGivesAFlatToneCurve() throws {
        // Pink noise has equal power in every 1/3 octave.
        let report = try Self.analyze(TestSignals.pinkNoise(seconds: 30))
        #expect(report.toneCurve.count == 31)
        let middle = report.toneCurve.filter { $0.hz >= 25 && $0.hz <= 16000 }
        let mean = middle.map(\.db).reduce(0, +) / Double(middle.count)
        for band in middle {
            #expect(abs(band.db - mean) < 1.0, "\(band.hz) Hz at \(band.db) dB, mean \(mean) dB")
        }
    }

    @Test func whiteNoiseRisesOneDecibelPerThirdOctave() throws {
        // White noise: band power ∝ bandwidth ∝ centre, +10·log10(2^(1/3)) ≈ 1.0 dB per band.
        let report = try Self.analyze(TestSignals.whiteNoise(seconds: 20, rmsDBFS: -20))
        let bands = report.toneCurve.filter { $0.hz >= 100 && $0.hz <= 16000 }
        let ys: [Double] = bands.map(\.db)
        let xs: [Double] = ys.indices.map { Double($0) }
        let meanX: Double = xs.reduce(0, +) / Double(xs.count)
        let meanY: Double = ys.reduce(0, +) / Double(ys.count)
        var covariance = 0.0, variance = 0.0
        for (x, y) in zip(xs, ys) {
            covariance += (x - meanX) * (y - meanY)
            variance += (x - meanX) * (x - meanX)
        }
        let slope = covariance / variance
        #expect(abs(slope - 1.0) < 0.05, "slope \(slope) dB per band")
        // The bands add up to the total: -20 dBFS RMS.
        let bandPowers: [Double] = report.toneCurve.map { Decibels.toAmplitude($0.db) * Decibels.toAmplitude($0.db) }
        let total = Decibels.fromPower(bandPowers.reduce(0, +))
        #expect(abs(total + 20) < 0.3, "band sum \(total) dBFS")
    }

    @Test func aSineShowsInItsThirdOctaveBandAtItsRMSLevel() throws {
        let report = try Self.analyze(TestSignals.sine(frequency: 1000, levelDBFS: -6, seconds: 5, sampleRate: 44100, channels: 1))
        let band = try #require(report.toneCurve.first { $0.hz == 1000 })
        #expect(abs(band.db - (-6 - 3.01)) < 0.2, "1 kHz band at \(band.db) dB")
        for other in report.toneCurve where abs(other.hz - 1000) > 300 {
            #expect(other.db < band.db - 30, "\(other.hz) Hz leaks \(other.db) dB")
        }
        #expect(abs(report.spectralCentroidHz - 1000) < 10, "centroid \(report.spectralCentroidHz) Hz")
    }

    @Test func toneCurveStopsAtNyquist() throws {
        let report = try Self.analyze(TestSignals.whiteNoise(seconds: 2, sampleRate: 8000), sampleRate: 8000)
        #expect(report.toneCurve.last!.hz == 4000, "bands above 4 kHz do not exist at 8 kHz")
    }

    /// Sections measured apart and combined at other levels give what measuring the re-levelled
    /// whole gives (the loudness loop's view of the next pass), and together the plain whole.
    @Test func toneOfSectionsMeasuredApartCombinesAtOtherLevels() {
        let rate = 44100.0
        // 2 s of a low mix, then 3 s of a bright one, stereo with some side.
        let low = TestSignals.sine(frequency: 150, levelDBFS: -12, seconds: 2, sampleRate: rate, channels: 2)
        var bright = TestSignals.sine(frequency: 6000, levelDBFS: -18, seconds: 3, sampleRate: rate, channels: 2)
        for index in stride(from: 1, to: bright.count, by: 2) { bright[index] *= 0.5 }
        let start = low.count / 2
        let gains = [4.0, -7.0]
        func measure(_ samples: [Float], segmentStarts: [Int] = []) -> ToneMatchMeter {
            let meter = ToneMatchMeter(sampleRate: rate, channelCount: 2, segmentStarts: segmentStarts)
            samples.withUnsafeBufferPointer { all in
                for offset in stride(from: 0, to: all.count, by: 2 * 1000) {     // blocks that straddle the boundary
                    meter.add(UnsafeBufferPointer(rebasing: all[offset..<min(all.count, offset + 2000)]))
                }
            }
            return meter
        }
        let apart = measure(low + bright, segmentStarts: [start])
        let whole = apart.finish()
        let sections = apart.finishSegments()
        #expect(sections.map(\.frames) == [start, bright.count / 2])
        let scale = { (samples: [Float], db: Double) in samples.map { $0 * Float(pow(10, db / 20)) } }
        let relevelled = measure(scale(low, gains[0]) + scale(bright, gains[1])).finish()
        let combined = ToneMatchMeasurement.combining(zip(sections, gains).map { ($0.measurement, $0.frames, $1) })
        let plain = ToneMatchMeasurement.combining(sections.map { ($0.measurement, $0.frames, 0) })
        let bands = ThirdOctaveBands.exactCentresHz.indices.filter { band in [150.0, 6000.0].contains { hz in abs(log2(ThirdOctaveBands.exactCentresHz[band] / hz)) < 0.17 } }
        #expect(bands.count == 2)
        for band in bands {
            var pairs = [("mid", combined.midDB[band]!, relevelled.midDB[band]!), ("plain mid", plain.midDB[band]!, whole.midDB[band]!)]
            if relevelled.sideDB[band]! > -60 { pairs.append(("side", combined.sideDB[band]!, relevelled.sideDB[band]!)) }  // the low mix has none
            for (name, a, b) in pairs {
                #expect(abs(a - b) < 0.1, "\(name) at \(ThirdOctaveBands.nominalCentresHz[band]) Hz: \(a) dB against \(b) dB")
            }
        }
        #expect(abs(combined.sideToMidDB - relevelled.sideToMidDB) < 0.1)
    }

    @Test func stereoCorrelationAndWidth() throws {
        let mono = TestSignals.whiteNoise(seconds: 3, channels: 1)
        let identical = mono.flatMap { [$0, $0] }
        let inverted = mono.flatMap { [$0, -$0] }
        let other = TestSignals.whiteNoise(seconds: 3, channels: 1, seed: 99)
        let independent = zip(mono, other).flatMap { [$0, $1] }

        let same = try Self.analyze(identical, channels: 2).stereo
        #expect(abs(same.correlation - 1) < 1e-6 && same.width < 1e-3)
        let opposite = try Self.analyze(inverted, channels: 2).stereo
        #expect(abs(opposite.correlation + 1) < 1e-6 && opposite.width == .infinity)
        let wide = try Self.analyze(independent, channels: 2).stereo
        #expect(abs(wide.correlation) < 0.02 && abs(wide.width - 1) < 0.03, "\(wide)")
        let single = try Self.analyze(mono, channels: 1).stereo
        #expect(single.correlation == 1 && single.width == 0)
    }

    @Test func resultsDoNotDependOnTheBlockSize() throws {
        let samples = TestSignals.levelSequence([(-30, 2), (-18, 2)], sampleRate: 44100)
            .enumerated().map { $0.element + (($0.offset % 7 == 0) ? 0.01 : 0) }
        var reports: [AnalysisReport] = []
        for block in [1, 441, 4096, 65536] {
            var source = TestSignals.source(samples, channels: 2, sampleRate: 44100)
            reports.append(try Analyzer.analyze(&source, options: .init(timeline: true), blockFrames: block))
        }
        for report in reports.dropFirst() {
            #expect(abs(report.integratedLUFS - reports[0].integratedLUFS) < 1e-9)
            #expect(abs(report.momentaryMaxLUFS - reports[0].momentaryMaxLUFS) < 1e-9)
            #expect(abs(report.truePeakDBTP - reports[0].truePeakDBTP) < 1e-9)
            #expect(abs(report.bands.mid.rmsDBFS - reports[0].bands.mid.rmsDBFS) < 1e-3)
            #expect(zip(report.toneCurve, reports[0].toneCurve).allSatisfy { abs($0.db - $1.db) < 1e-3 })
            #expect(report.timeline! == reports[0].timeline!)
        }
    }

    /// Each channel's offset is its mean, whatever the channel count (1, 2 and 8 take the
    /// vector's lanes, 3 and 6 the sample-by-sample sum) and whatever the blocks.
    @Test(arguments: [1, 2, 3, 6, 8])
    func eachChannelsOffsetIsItsMean(channels: Int) throws {
        let frames = 44100 * 2
        let offsets: [Float] = (0..<channels).map { channel in
            let size = 0.02 * Float(channel + 1)
            return channel % 2 == 0 ? size : -size
        }
        let noise = TestSignals.whiteNoise(seconds: 2, sampleRate: 44100, channels: channels, rmsDBFS: -18)
        let samples: [Float] = (0..<(frames * channels)).map { index in noise[index] + offsets[index % channels] }
        var expected = [Double](repeating: 0, count: channels)
        for (index, sample) in samples.enumerated() { expected[index % channels] += Double(sample) / Double(frames) }
        for block in [1, 5, 4096] {
            var source = TestSignals.source(samples, channels: channels, sampleRate: 44100)
            let report = try Analyzer.analyze(&source, blockFrames: block)
            for channel in 0..<channels {
                #expect(abs(report.dcOffsetPerChannel[channel] - expected[channel]) < 1e-6,
                        "\(channels) channels, blocks of \(block): channel \(channel + 1) reads \(report.dcOffsetPerChannel[channel]), its mean is \(expected[channel])")
            }
            let largest: Double = expected.map { abs($0) }.max()!
            #expect(abs(report.dcOffsetDBFS - Decibels.fromAmplitude(largest)) < 0.001)
            // Without the offsets, the RMS is the noise's own.
            #expect(abs(report.rmsWithoutOffsetDBFS - rmsDBFS(noise[...])) < 0.01,
                    "\(report.rmsWithoutOffsetDBFS) dBFS without the offsets, the noise is \(rmsDBFS(noise[...])) dBFS")
        }
        let silent = try Self.analyze([Float](repeating: 0, count: 4410 * channels), channels: channels)
        #expect(silent.dcOffsetDBFS == -.infinity)
    }

    /// Clipping is runs of three or more samples in a row, in one channel, at full scale: the
    /// 16-bit positive rail (32767/32768) and −1 count, and so do floats over 1. Two in a row, a
    /// run broken by one sample, and a run just under the rail do not count. A run may cross
    /// any block boundary or end with the file. The third channel of the 3-channel case rotates
    /// the channels through the blocks' vectors.
    @Test(arguments: [2, 3])
    func clippingIsRunsOfThreeAtFullScale(channels: Int) throws {
        let frames = 10_000
        let rail: Float = 32767 / 32768
        var noise = TestSignals.Noise(seed: 4)
        var samples = (0..<(frames * channels)).map { _ in Float(0.1 * noise.next()) }
        func set(_ channel: Int, _ range: ClosedRange<Int>, _ value: (Int) -> Float) {
            for frame in range { samples[frame * channels + channel] = value(frame) }
        }
        set(0, 100...101) { _ in 1 }                          // two in a row: not a clip
        set(0, 200...202) { _ in -1 }                         // three at the negative rail
        set(0, 4094...4100) { _ in rail }                     // seven at the positive rail, across 4096
        set(0, 5000...5002) { $0 % 2 == 0 ? 1 : -rail }       // either sign (a symmetric clip)
        set(1, 300...302) { _ in 1.5 }                        // a float mix over full scale
        set(1, 7000...7002) { $0 == 7001 ? 0.5 : 1 }          // broken by one sample
        set(1, 8000...8002) { _ in 0.99996 }                  // just under the rail
        set(1, (frames - 4)...(frames - 1)) { _ in -1 }       // four, open at the end
        for block in [1, 5, 4096, 65536] {
            var source = TestSignals.source(samples, channels: channels, sampleRate: 44100)
            let report = try Analyzer.analyze(&source, blockFrames: block)
            #expect(report.clipping == ClipCount(runs: 5, samples: 3 + 7 + 3 + 3 + 4),
                    "\(channels) channels, blocks of \(block): \(report.clipping)")
        }
        // A full-scale 1 kHz sine touches the rail only at single samples.
        let sine = (0..<44100).map { Float(sin(2 * Double.pi * 1000 * Double($0) / 44100 + 0.5 * Double.pi)) }
        #expect(try Self.analyze(sine).samplePeakDBFS == 0)
        #expect(try Self.analyze(sine).clipping == ClipCount())
    }

    /// An integer file clips at its own largest code: an 8-bit file's positive rail is 127/128,
    /// under the 16-bit rail, and its positive clips went uncounted (only runs at −1 were). The
    /// same run in a 16-bit file, at code 32512, is a loud peak and not a clip.
    @Test func anEightBitFileClipsAtItsOwnRail() throws {
        let scratch = try ScratchFolder("eight-bit-clips")
        var noise = TestSignals.Noise(seed: 9)
        var codes = (0..<8000).map { _ in Int(12 * noise.next()) }   // stereo, about −20 dBFS
        for index in stride(from: 200, to: 210, by: 2) { codes[index] = 127 }  // five at the positive rail, left
        for index in stride(from: 601, to: 609, by: 2) { codes[index] = -128 } // four at the negative rail, right
        for index in stride(from: 1000, to: 1004, by: 2) { codes[index] = 127 } // two: not a clip
        // A WAV of unsigned 8-bit samples, as libsndfile and every DAW read it.
        func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        let body = codes.map { UInt8($0 + 128) }
        var wav = Array("RIFF".utf8) + littleEndian(UInt32(36 + body.count)) + Array("WAVEfmt ".utf8)
        wav += littleEndian(UInt32(16)) + littleEndian(UInt16(1)) + littleEndian(UInt16(2)) + littleEndian(UInt32(44100))
        wav += littleEndian(UInt32(88200)) + littleEndian(UInt16(2)) + littleEndian(UInt16(8))
        wav += Array("data".utf8) + littleEndian(UInt32(body.count)) + body
        #expect(FileManager.default.createFile(atPath: scratch.file("eight.wav"), contents: Data(wav)))
        var eight = try SoundFileReader(path: scratch.file("eight.wav"))
        #expect(eight.integerBits == 8)
        #expect(try Analyzer.analyze(&eight).clipping == ClipCount(runs: 2, samples: 9))
        // The same codes scaled to 16 bits: 32512 is under the 16-bit rail; only −32768 clips.
        let writer = try SoundFileWriter(path: scratch.file("sixteen.wav"), sampleRate: 44100, channelCount: 2, encoding: .pcm16)
        try codes.map { Float($0) / 128 }.withUnsafeBufferPointer { try writer.write($0) }
        try writer.commit()
        var sixteen = try SoundFileReader(path: scratch.file("sixteen.wav"))
        #expect(sixteen.integerBits == 16)
        #expect(try Analyzer.analyze(&sixteen).clipping == ClipCount(runs: 1, samples: 4))
    }

    @Test func silenceReportsMinusInfinityNotGarbage() throws {
        let report = try Self.analyze([Float](repeating: 0, count: 44100 * 2), channels: 2)
        #expect(report.integratedLUFS == -.infinity)
        #expect(report.samplePeakDBFS == -.infinity && report.rmsDBFS == -.infinity)
        #expect(report.crestFactorDB == 0 && report.loudnessRangeLU == 0)
    }
}

/// The parallel pipeline must give exactly what one in-order pass gives.
@Suite struct PipelineTests {
    @Test(arguments: [7, 64, 1000, 16384])
    func parallelAnalysisEqualsOneInOrderPass(blockFrames: Int) throws {
        // Peaks placed near block edges, where a missing pre-roll would show.
        var samples = TestSignals.whiteNoise(seconds: 6, sampleRate: 48000, channels: 2, rmsDBFS: -24)
        for frame in stride(from: 16383, to: samples.count / 2, by: 16384) {
            samples[frame * 2] = 0.9; samples[frame * 2 + 2] = -0.9
        }
        let inline = try Analyzer(sampleRate: 48000, channelCount: 2, layout: [.left, .right],
                                  options: .init(timeline: true))
        try samples.withUnsafeBufferPointer { try inline.add($0) }
        let expected = inline.finish()

        var source = SampleBufferSource(samples: samples, channelCount: 2, sampleRate: 48000)
        let parallel = try Analyzer.analyze(&source, options: .init(timeline: true), blockFrames: blockFrames)
        #expect(parallel.truePeakPerChannelDBTP == expected.truePeakPerChannelDBTP)
        #expect(parallel.integratedLUFS == expected.integratedLUFS)
        #expect(parallel.loudnessRangeLU == expected.loudnessRangeLU)
        #expect(parallel.timeline! == expected.timeline!)
        #expect(parallel.samplePeakDBFS == expected.samplePeakDBFS)
    }

    /// The analysis measures true peak with `TruePeakInterpolator` (one or two channels below
    /// 96 kHz): it must read what libebur128 reads, block order and pre-rolls included.
    @Test(arguments: [1, 2])
    func truePeakAgreesWithLibebur128(channels: Int) throws {
        var samples = TestSignals.whiteNoise(seconds: 4, sampleRate: 44100, channels: channels, rmsDBFS: -20)
        // Inter-sample peaks right at block edges (fs/4 at 45°: samples at 0.7, true peak 1.0).
        for start in stride(from: 4096 - 3, to: samples.count / channels - 8, by: 4096) {
            for offset in 0..<8 {
                let value = Float(0.7 * (offset % 4 < 2 ? 1.0 : -1.0))
                for channel in 0..<channels { samples[(start + offset) * channels + channel] = value }
            }
        }
        let layout = SpeakerPosition.defaultLayout(channelCount: channels)
        let reference = try TruePeakMeter(channelCount: channels, sampleRate: 44100, layout: layout, method: .libebur128)
        try samples.withUnsafeBufferPointer { try reference.add(preRoll: UnsafeBufferPointer(start: nil, count: 0), block: $0) }
        var source = SampleBufferSource(samples: samples, channelCount: channels, sampleRate: 44100)
        let report = try Analyzer.analyze(&source, blockFrames: 4096)
        #expect(try TruePeakMeter(channelCount: channels, sampleRate: 44100, layout: layout).method == .interpolator)
        for channel in 0..<channels {
            let libebur128 = 20 * log10(reference.peaks[channel])
            #expect(abs(report.truePeakPerChannelDBTP[channel] - libebur128) < 0.001,
                    "channel \(channel): \(report.truePeakPerChannelDBTP[channel]) vs libebur128 \(libebur128)")
        }
        #expect(report.truePeakDBTP > -0.1, "the inter-sample peaks were found (\(report.truePeakDBTP) dBTP)")
        // Where the interpolator is not libebur128's filter (2× at 96 kHz and up), libebur128 measures.
        #expect(try TruePeakMeter(channelCount: channels, sampleRate: 96000, layout: layout).method == .libebur128)
    }

    /// Signals for the gates: steps across both gates (silence, −75 dBFS under the absolute gate,
    /// −45 dBFS under the relative one), a slow swell in mono (many distinct short-term blocks for
    /// the range's percentiles), noise, a file under 3 s (no range) and one under 400 ms (no
    /// integrated loudness). The demo song's test is in `DemoSongTests`.
    static let gatingSignals: [(name: String, samples: [Float], channels: Int)] = [
        ("steps", TestSignals.levelSequence([(-30, 3.05), (-14, 2), (-75, 4), (-45, 3.3), (-20, 6), (-200, 2), (-9, 1.27)],
                                            sampleRate: 44100), 2),
        ("swell", (0..<(44100 * 23)).map { frame in
            let seconds = Double(frame) / 44100
            return Float(Decibels.toAmplitude(-30 + 12 * sin(seconds * 0.9)) * sin(2 * Double.pi * 440 * seconds))
        }, 1),
        ("noise", TestSignals.whiteNoise(seconds: 7.77, sampleRate: 44100, channels: 2, rmsDBFS: -18), 2),
        ("short", TestSignals.sine(frequency: 1000, levelDBFS: -12, seconds: 2.5, sampleRate: 44100, channels: 2), 2),
        ("shorter", TestSignals.sine(frequency: 1000, levelDBFS: -12, seconds: 0.35, sampleRate: 44100, channels: 2), 2),
    ]

    @Test(arguments: 0..<5)
    func integratedLoudnessAndRangeMatchLibebur128sOwnGating(signal: Int) throws {
        let (name, samples, channels) = Self.gatingSignals[signal]
        let layout: [SpeakerPosition] = channels == 1 ? [.mono] : [.left, .right]
        let meter = try LoudnessMeter(channelCount: channels, sampleRate: 44100, layout: layout, measures: .loudness)
        try samples.withUnsafeBufferPointer { try meter.add($0) }
        let timeline = try LoudnessTimeline(channelCount: channels, sampleRate: 44100, layout: layout)
        // Odd block sizes: the 100 ms readings must not depend on how the stream is cut.
        var start = 0
        while start < samples.count {
            let end = min(samples.count, start + 1237 * channels)
            try Array(samples[start..<end]).withUnsafeBufferPointer { try timeline.add($0) }
            start = end
        }
        var source = SampleBufferSource(samples: samples, channelCount: channels, sampleRate: 44100)
        let report = try Analyzer.analyze(&source, blockFrames: 3000)
        for (who, integrated) in [("analyzer", report.integratedLUFS), ("timeline", timeline.integratedLUFS)] {
            #expect(integrated == meter.integratedLUFS || abs(integrated - meter.integratedLUFS) < 1e-6,
                    "\(name), \(who): integrated \(integrated) vs libebur128's \(meter.integratedLUFS)")
        }
        for (who, range) in [("analyzer", report.loudnessRangeLU), ("timeline", timeline.loudnessRangeLU)] {
            #expect(abs(range - meter.loudnessRangeLU) < 1e-6, "\(name), \(who): range \(range) vs libebur128's \(meter.loudnessRangeLU)")
        }
        if name == "steps" || name == "swell" { #expect(report.loudnessRangeLU > 3, "\(name): a range worth comparing") }
        if name == "shorter" { #expect(report.integratedLUFS == -.infinity) }
    }

    @Test func momentaryAndShortTermMatchLibebur128sOwnWindows() throws {
        // The 100 ms sub-block means must agree with libebur128's full-window sums.
        let samples = TestSignals.levelSequence([(-30, 3), (-14, 2), (-40, 4), (-20, 3)], sampleRate: 44100)
        let meter = try LoudnessMeter(channelCount: 2, sampleRate: 44100, layout: [.left, .right], measures: .loudness)
        var source = SampleBufferSource(samples: samples, channelCount: 2, sampleRate: 44100)
        let report = try Analyzer.analyze(&source, options: .init(timeline: true), blockFrames: 4410)
        for (index, point) in report.timeline!.enumerated() {
            let slice = samples[(index * 4410 * 2)..<((index + 1) * 4410 * 2)]
            try Array(slice).withUnsafeBufferPointer { try meter.add($0) }
            #expect(abs(point.momentaryLUFS - meter.momentaryLUFS) < 1e-6 || point.momentaryLUFS == meter.momentaryLUFS,
                    "momentary at \(point.seconds) s: \(point.momentaryLUFS) vs \(meter.momentaryLUFS)")
            #expect(abs(point.shortTermLUFS - meter.shortTermLUFS) < 1e-6 || point.shortTermLUFS == meter.shortTermLUFS,
                    "short-term at \(point.seconds) s: \(point.shortTermLUFS) vs \(meter.shortTermLUFS)")
        }
    }
}
