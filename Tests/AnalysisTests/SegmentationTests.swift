import Analysis
import DemoSong
import MasteringDSP
import Testing

@Suite struct SegmentationTests {
    @Test func debugDemo() throws {
        var song = DemoSongSource()
        let report = try Analyzer.analyze(&song, options: .init(features: true))
        let track = try #require(report.features)
        let segmenter = Segmenter()
        let novelty = segmenter.novelty(track)
        var line = ""
        for (i, v) in novelty.enumerated() where i % 5 == 0 { line += String(format: "%.1f:%.2f ", Double(i) / 10, v) }
        print(line)
        let starts = segmenter.sectionStarts(track)
        print("starts", starts.map { Double($0) / 10 })
        for s in 0..<5 {
            let m = SectionMeasurement(track, frames: (s * 160)..<((s + 1) * 160))
            print(String(format: "sec %d L %.1f rms %.1f crest %.1f cent %.0f low %.1f high %.1f width %.2f onsets %.1f", s, m.loudnessLUFS, m.rmsDBFS, m.crestFactorDB, m.spectralCentroidHz, m.lowShareDB, m.highShareDB, m.stereoWidth, m.onsetsPerSecond))
        }
        print("integrated", report.integratedLUFS, SectionMeasurement(track, frames: 0..<track.frameCount).loudnessLUFS)
    }
}
