import Analysis
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
