import Analysis
import AudioIO
import DemoSong
import Glibc
import MasteringDSP
import Testing
import TestSupport

/// Finding sections: the 100 ms feature track, its novelty curve and the boundaries it gives.
@Suite struct SegmentationTests {
    static func track(_ samples: [Float]) throws -> (AnalysisReport, FeatureTrack) {
        var source = SampleBufferSource(samples: samples, channelCount: 2, sampleRate: 44100)
        let report = try Analyzer.analyze(&source, options: .init(features: true))
        return (report, try #require(report.features))
    }

    @Test func demoSongBoundariesAreFoundWithinOneSecond() throws {
        var song = DemoSongSource()
        let report = try Analyzer.analyze(&song, options: .init(features: true))
        let track = try #require(report.features)
        let starts = Segmenter().sectionStarts(track).map { Double($0) * FeatureTrack.frameSeconds }
        let expected = DemoArrangement.sections.map(\.startSeconds)
        #expect(starts.count == expected.count, "found \(starts)")
        for (found, wanted) in zip(starts, expected) {
            #expect(abs(found - wanted) <= 1, "boundary at \(found) s for \(wanted) s")
        }
    }

    @Test func sectionLoudnessIsLibebur128sGatedLoudness() throws {
        var song = DemoSongSource()
        let report = try Analyzer.analyze(&song, options: .init(features: true))
        let track = try #require(report.features)
        // The whole track measured from the 100 ms sub-blocks equals libebur128's integrated loudness.
        let whole = SectionMeasurement(track, frames: 0..<track.frameCount)
        #expect(abs(whole.loudnessLUFS - report.integratedLUFS) < 0.01)
        // A section equals libebur128 run on that stretch alone (blocks at the same 100 ms grid).
        let samples = try DemoSongTests.render(from: 16, to: 32)
        let alone = try DemoSongTests.analyze(samples)
        let section = SectionMeasurement(track, frames: 160..<320)
        #expect(abs(section.loudnessLUFS - alone.integratedLUFS) < 0.05, "\(section.loudnessLUFS) vs \(alone.integratedLUFS)")
    }

    /// A stretch's RMS without its DC offset is the RMS of its sound: a −20 dBFS sine (RMS
    /// −23.01) offset by +0.1 in the left channel for 10 s, then by −0.05 in both for 10 s,
    /// measured stereo and as one mono channel. With the offset in it the RMS reads 1.8 to 4.8 dB
    /// higher. Each stretch takes out its own offset, not the whole song's mean.
    @Test(arguments: [1, 2])
    func aStretchsRMSWithoutItsOffsetIsItsSoundsRMS(channels: Int) throws {
        let rate = 44100.0
        let sine = TestSignals.sine(frequency: 440, levelDBFS: -20, seconds: 20, sampleRate: rate, channels: channels)
        let half = Int(10 * rate)
        let offsets: [[Float]] = channels == 2 ? [[0.1, 0], [-0.05, -0.05]] : [[0.1], [-0.05]]
        var samples = sine
        for index in samples.indices {
            let frame = index / channels, channel = index % channels
            samples[index] += offsets[frame < half ? 0 : 1][channel]
        }
        var source = SampleBufferSource(samples: samples, channelCount: channels, sampleRate: rate)
        let report = try Analyzer.analyze(&source, options: .init(features: true))
        let track = try #require(report.features)
        let sineRMS = -20 - 10 * log10(2.0)
        for frames in [0..<100, 100..<200, 20..<80, 120..<190] {
            let stretch = SectionMeasurement(track, frames: frames)
            #expect(abs(stretch.rmsWithoutOffsetDBFS - sineRMS) < 0.02, "frames \(frames): \(stretch.rmsWithoutOffsetDBFS) dBFS for \(sineRMS)")
            #expect(stretch.rmsDBFS > stretch.rmsWithoutOffsetDBFS + 1, "frames \(frames): \(stretch.rmsDBFS) dBFS with the offset")
        }
    }

    /// A stretch's tone curve is the channels' spectrum, as the report's: pink noise the same in
    /// both channels, unrelated in each, and in opposite polarity (all side) reads within 0.5 dB
    /// of the report's curve from 63 Hz to 16 kHz. From the mid alone, as it was, the unrelated
    /// channels read 3 dB low and the opposite ones not at all.
    @Test(arguments: ["same", "unrelated", "opposite"])
    func aStretchsToneIsTheChannelsSpectrum(image: String) throws {
        let left = TestSignals.pinkNoise(seconds: 20, seed: 7)
        let right = image == "unrelated" ? TestSignals.pinkNoise(seconds: 20, seed: 8) : left.map { image == "opposite" ? -$0 : $0 }
        let (report, track) = try Self.track(zip(left, right).flatMap { [$0, $1] })
        let stretch = SectionMeasurement(track, frames: 0..<track.frameCount)
        for (whole, part) in zip(report.toneCurve, stretch.toneCurve) where (63...16000).contains(whole.hz) {
            #expect(whole.hz == part.hz)
            #expect(abs(part.db - whole.db) < 0.5, "\(image), \(whole.hz) Hz: \(part.db) dB against the report's \(whole.db)")
        }
    }

    @Test func steadyMaterialIsOneSection() throws {
        let samples = SectionSignals.render([.init(seconds: 40, levelDBFS: -20, burstsPerSecond: 3)])
        let (_, track) = try Self.track(samples)
        #expect(Segmenter().sectionStarts(track) == [0])
        #expect(Segmenter().novelty(track).max()! < Segmenter().threshold / 2)
    }

    @Test func aSuddenChangeIsOneBoundaryWhereItHappens() throws {
        let samples = SectionSignals.render([
            .init(seconds: 17.3, levelDBFS: -26, highShelfDB: -12, burstsPerSecond: 1, width: 0.5),
            .init(seconds: 20, levelDBFS: -18, highShelfDB: 3, burstsPerSecond: 6, width: 0.2),
        ])
        let (_, track) = try Self.track(samples)
        let starts = Segmenter().sectionStarts(track)
        #expect(starts.count == 2)
        #expect(abs(Double(starts.last!) * FeatureTrack.frameSeconds - 17.3) <= 0.3, "\(starts)")
    }

    @Test func sectionFeaturesMeasureWhatTheyName() throws {
        let samples = SectionSignals.render([
            .init(seconds: 10, levelDBFS: -26, highShelfDB: -12, burstsPerSecond: 1, width: 0.5),
            .init(seconds: 10, levelDBFS: -18, highShelfDB: 3, burstsPerSecond: 5, width: 0),
        ])
        let (_, track) = try Self.track(samples)
        let soft = SectionMeasurement(track, frames: 0..<100), loud = SectionMeasurement(track, frames: 100..<200)
        #expect(loud.loudnessLUFS - soft.loudnessLUFS > 6)
        #expect(loud.spectralCentroidHz > 1.5 * soft.spectralCentroidHz)
        #expect(loud.highShareDB - soft.highShareDB > 6)
        #expect(loud.stereoWidth < 0.01 && abs(soft.stereoWidth - 0.5) < 0.05)
        #expect(abs(soft.onsetsPerSecond - 1) <= 0.3, "\(soft.onsetsPerSecond) onsets/s for 1")
        #expect(abs(loud.onsetsPerSecond - 5) <= 0.5, "\(loud.onsetsPerSecond) onsets/s for 5")
    }

    /// `samples` (stereo, 44.1 kHz) as another copy at `rate` would be: resampled by libsoxr.
    static func resampled(_ samples: [Float], to rate: Double) throws -> [Float] {
        let resampler = try Resampler(from: 44100, to: rate, channelCount: 2)
        var result: [Float] = []
        try samples.withUnsafeBufferPointer { try resampler.process($0) { result.append(contentsOf: $0) } }
        try resampler.flush { result.append(contentsOf: $0) }
        return result
    }

    /// Onsets per second in each of `spans` (seconds) of stereo `samples` at `rate`.
    static func onsetDensities(_ samples: [Float], rate: Double, spans: [Range<Double>]) throws -> [Double] {
        var source = SampleBufferSource(samples: samples, channelCount: 2, sampleRate: rate)
        let track = try #require(try Analyzer.analyze(&source, options: .init(features: true)).features)
        return spans.map { SectionMeasurement(track, frames: track.frame(at: $0.lowerBound)..<track.frame(at: $0.upperBound)).onsetsPerSecond }
    }

    /// Onsets are counted in seconds, not samples: the same music at another rate (resampled, as
    /// a user's other copy would be) has the same density. The flux frames were 1024 samples at
    /// any rate: at 192 kHz, 5 ms frames, and the picker's windows and 50 ms spacing (counted in
    /// frames) shrank with them, so the demo's powerful chorus read 13.5 onsets a second at
    /// 96 kHz and 31.8 at 192 kHz, where it has 3.8 at 44.1 kHz.
    @Test func theDemoSongHasItsOnsetsAtAnyRate() throws {
        let song = try DemoSongTests.render(from: 0, to: 32)
        let spans = [0.0..<16, 16.0..<32]
        let there = try Self.onsetDensities(song, rate: 44100, spans: spans)
        for rate in [48000.0, 96000, 192000] {
            let here = try Self.onsetDensities(try Self.resampled(song, to: rate), rate: rate, spans: spans)
            for (found, expected) in zip(here, there) {
                #expect(abs(found - expected) <= max(0.3, 0.1 * expected), "\(rate) Hz: \(here) onsets/s; \(there) at 44.1 kHz")
            }
        }
    }

    /// Sharp bursts at 1 and 5 a second are counted alike at 22.05 to 192 kHz. (At 22.05 kHz the
    /// 1024-sample frames were 46 ms: 0.7 and 4.0 a second.)
    @Test(arguments: [22050.0, 48000, 96000, 192000])
    func burstsAreCountedAlikeAtAnyRate(sampleRate: Double) throws {
        let original = SectionSignals.render([.init(seconds: 10, levelDBFS: -18, burstsPerSecond: 1),
                                              .init(seconds: 10, levelDBFS: -18, burstsPerSecond: 5)])
        let spans = [0.0..<10, 10.0..<20]
        let here = try Self.onsetDensities(try Self.resampled(original, to: sampleRate), rate: sampleRate, spans: spans)
        let there = try Self.onsetDensities(original, rate: 44100, spans: spans)
        #expect(abs(here[0] - there[0]) <= 0.2 && abs(here[0] - 1) <= 0.3, "\(sampleRate) Hz: \(here); \(there) at 44.1 kHz")
        #expect(abs(here[1] - there[1]) <= 0.3 && abs(here[1] - 5) <= 0.5, "\(sampleRate) Hz: \(here); \(there) at 44.1 kHz")
    }

    /// A held tone has no onsets, at any level: its flux is only the jitter of its own bins,
    /// which Dixon's median-relative threshold alone counted as 11 onsets a second (a held
    /// 440 Hz sine read "busier (onsets +8.4/s) … powerful"). A 4 Hz tremolo of ±20 % is no
    /// onset either, down to -20 dBFS. (Below that the flux's log(1 + 10|X|) is nearly linear,
    /// so the tremolo's swell grows against what sounds: at -40 dBFS its peaks reach the 2 %
    /// floor and about one a second counts. A higher floor would drop the demo's weakest onsets.)
    @Test(arguments: [-6.0, -20.0, -40.0])
    func aHeldToneHasNoOnsets(levelDBFS: Double) throws {
        let sine = TestSignals.sine(frequency: 440, levelDBFS: levelDBFS, seconds: 20, sampleRate: 44100)
        let tremolo: [Float] = sine.indices.map { index in
            let depth = 0.8 + 0.2 * sin(2 * Double.pi * 4 * Double(index / 2) / 44100)
            return sine[index] * Float(depth)
        }
        for (name, samples) in [("sine", sine), ("tremolo", tremolo)] where name == "sine" || levelDBFS >= -20 {
            let (_, track) = try Self.track(samples)
            // The start from silence is the one onset there is.
            let held = SectionMeasurement(track, frames: 0..<track.frameCount)
            #expect(held.onsetsPerSecond <= 0.1, "\(name) at \(levelDBFS) dBFS: \(held.onsetsPerSecond) onsets/s")
        }
    }
}
