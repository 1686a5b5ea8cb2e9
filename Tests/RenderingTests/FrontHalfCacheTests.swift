import MasteringDSP
@testable import Rendering
import Testing

/// The front half's cache: what its key covers, and that it gives back exactly what it was given.
struct FrontHalfCacheTests {
    static func automation(_ change: (inout ChainSettings, inout Double) -> Void = { _, _ in }) -> ChainAutomation {
        var settings = ChainSettings(), gain = 2.0
        change(&settings, &gain)
        return ChainAutomation(sections: [.init(startFrame: 0, settings: ChainSettings(), gainDB: 1),
                                          .init(startFrame: 44_100, settings: settings, gainDB: gain)],
                               transitionFrames: 4410)
    }

    /// Gains and the back half's settings (width, ceiling, release) leave the front half's output
    /// alone, so the key ignores them; anything the front half reads changes it.
    @Test func theKeyCoversWhatTheFrontHalfReadsAndNothingElse() {
        let base = FrontHalfCache.Key(Self.automation())
        #expect(FrontHalfCache.Key(Self.automation { _, gain in gain = 5 }) == base)
        #expect(FrontHalfCache.Key(Self.automation { settings, _ in settings[.limiterCeiling] = -2; settings[.stereoWidth] = 1.4 }) == base)
        #expect(FrontHalfCache.Key(Self.automation { settings, _ in settings[.limiterRelease] = 300 }) == base)
        #expect(FrontHalfCache.Key(Self.automation { settings, _ in settings[.compThreshold] = -30 }) != base)
        #expect(FrontHalfCache.Key(Self.automation { settings, _ in settings[.exciterDrive] += 0.1 }) != base)
        var matched = Self.automation()
        matched.match.mid[3] = 1.5
        #expect(FrontHalfCache.Key(matched) != base)
        let later = ChainAutomation(sections: [.init(startFrame: 0, settings: ChainSettings(), gainDB: 1),
                                               .init(startFrame: 44_101, settings: ChainSettings(), gainDB: 2)], transitionFrames: 4410)
        #expect(FrontHalfCache.Key(later) != base)
    }

    /// Blocks of any size come back bit for bit, in order; a new recording replaces the old one.
    @Test func replayGivesBackExactlyWhatWasRecorded() throws {
        let cache = try #require(FrontHalfCache(directory: "/tmp"))
        let automation = Self.automation()
        #expect(!cache.holds(automation))
        let sizes = [4096, 1, 777, 4096, 13]
        var recorded: [[Float]] = []
        cache.beginRecording(automation, expectedFrames: sizes.reduce(0, +))
        for (index, size) in sizes.enumerated() {
            let block = (0..<(2 * size)).map { Float(index) + Float($0) / 8192 - 0.3 }
            recorded.append(block)
            block.withUnsafeBufferPointer { cache.record(left: $0.baseAddress!, right: $0.baseAddress! + size, count: size) }
        }
        #expect(!cache.holds(automation), "not before the recording is complete")
        cache.endRecording()
        #expect(cache.holds(automation) && cache.recordedFrames == sizes.reduce(0, +))
        #expect(!cache.holds(Self.automation { settings, _ in settings[.tilt] = 1 }))
        for _ in 0..<2 {
            cache.beginReplay()
            var left = [Float](repeating: 0, count: 4096), right = left
            for (index, size) in sizes.enumerated() {
                let count = try left.withUnsafeMutableBufferPointer { l in
                    try right.withUnsafeMutableBufferPointer { r in try cache.replay(left: l.baseAddress!, right: r.baseAddress!) }
                }
                #expect(count == size)
                #expect(Array(left[..<size]) + Array(right[..<size]) == recorded[index])
            }
            let end = try left.withUnsafeMutableBufferPointer { l in
                try right.withUnsafeMutableBufferPointer { r in try cache.replay(left: l.baseAddress!, right: r.baseAddress!) }
            }
            #expect(end == 0)
        }
        cache.beginRecording(Self.automation { settings, _ in settings[.tilt] = 1 }, expectedFrames: 10)
        #expect(!cache.holds(automation), "a new recording drops the old one")
        // More than the disk could hold three times over: no recording is made.
        let huge = Self.automation { settings, _ in settings[.tilt] = 2 }
        cache.beginRecording(huge, expectedFrames: Int.max / 64)
        [Float](repeating: 0.5, count: 8).withUnsafeBufferPointer { cache.record(left: $0.baseAddress!, right: $0.baseAddress! + 4, count: 4) }
        cache.endRecording()
        #expect(!cache.holds(huge) && cache.recordedFrames == 0)
    }

    /// Nowhere to put it: no cache, and the master runs the front half in every pass instead.
    @Test func anUnwritableFolderMeansNoCache() {
        #expect(FrontHalfCache(directory: "/nonexistent/loopmind") == nil)
    }
}
