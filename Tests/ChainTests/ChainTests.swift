import Analysis
import DemoSong
import Glibc
import MasteringDSP
import Testing
import TestSupport

/// The whole chain: block-size independence and the limiter's promise at the end of it.
@Suite struct ChainTests {
    static func demo(seconds: Double) throws -> StereoSignal {
        let song = DemoSongSource()
        var samples = [Float](repeating: 0, count: Int(44100 * seconds) * 2)
        _ = try samples.withUnsafeMutableBufferPointer { buffer in
            var filled = 0
            while filled < buffer.count {
                let frames = try song.read(into: UnsafeMutableBufferPointer(rebasing: buffer[filled...]))
                if frames == 0 { break }
                filled += frames * 2
            }
        }
        return StereoSignal(interleaved: samples)
    }

    static func busySettings() -> ChainSettings {
        var settings = ChainSettings()
        settings[.lowShelfGain] = 2; settings[.highShelfGain] = 1.5; settings[.tilt] = 0.5
        settings[.compThreshold] = -20; settings[.compRatio] = 3
        settings[.exciterDrive] = 0.4; settings[.exciterMix] = 0.3
        settings[.stereoWidth] = 1.2
        settings[.limiterCeiling] = -1
        return settings
    }

    static func render(_ input: StereoSignal, settings: ChainSettings, gainDB: Double, blockFrames: Int, bitDepth: Int = 24) -> StereoSignal {
        var chain = MasteringChain()
        chain.apply(settings)
        chain.prepare(ProcessSpec(sampleRate: 44100, maximumBlockFrames: blockFrames), bitDepth: bitDepth)
        chain.setLoudnessGain(gainDB)
        chain.snapToSettings()
        var signal = input
        signal.process(blockFrames: blockFrames) { chain.process($0) }
        return signal
    }

    @Test func hotChainOutputStaysUnderTheCeiling() throws {
        let output = Self.render(try Self.demo(seconds: 30), settings: Self.busySettings(), gainDB: 10, blockFrames: 4096)
        let peak = try LimiterTests.truePeakDBTP(output)
        #expect(peak <= -1, "true peak \(peak) dBTP")
    }

    @Test func outputIsIdenticalForAnyBlockSize() throws {
        let input = try Self.demo(seconds: 6)
        let reference = Self.render(input, settings: Self.busySettings(), gainDB: 6, blockFrames: 8192)
        for blockFrames in [1, 7, 64, 1000, 4096] {
            let output = Self.render(input, settings: Self.busySettings(), gainDB: 6, blockFrames: blockFrames)
            #expect(output.left == reference.left && output.right == reference.right, "block \(blockFrames)")
        }
    }
}

extension ChainTests {
    /// `master` runs the chain's front half (trim, EQ, match, compressor), its exciter and its
    /// back half (width, gain, limiter, dither) on three chains on three threads; when a pass reads
    /// the front half back, the exciter's output is what was recorded. Given the same settings at
    /// the same frames, the three must give exactly what one chain gives, changes included.
    @Test func frontExciterAndBackOnThreeChainsAreOneChain() throws {
        let input = try Self.demo(seconds: 4)
        var later = Self.busySettings()
        later[.exciterDrive] = 0.8; later[.exciterMode] = 1; later[.stereoWidth] = 0.7
        later[.compThreshold] = -26; later[.limiterCeiling] = -2
        func prepared() -> MasteringChain {
            var chain = MasteringChain()
            chain.apply(Self.busySettings())
            var match = MatchCurve()
            match.mid[8] = 3; match.side[12] = -4; match.mid[MatchCurve.bellCount] = -2
            chain.setMatchCurve(match)
            chain.prepare(ProcessSpec(sampleRate: 44100, maximumBlockFrames: 512), bitDepth: 16)
            chain.setLoudnessGain(6)
            chain.snapToSettings()
            return chain
        }
        // Settings and gain change at the same frames for every chain.
        func changes(_ chain: inout MasteringChain, at frame: Int) {
            if frame == 512 * 100 { chain.apply(later) }
            if frame == 512 * 150 { chain.setLoudnessGain(9) }
        }
        var whole = prepared()
        var one = input
        var frame = 0
        one.process(blockFrames: 512) { block in
            changes(&whole, at: frame); whole.process(block); frame += block.frameCount
        }
        var front = prepared(), exciter = prepared(), back = prepared()
        var two = input
        frame = 0
        two.process(blockFrames: 512) { block in
            changes(&front, at: frame); front.processFront(block, throughExciter: false); frame += block.frameCount
        }
        frame = 0
        two.process(blockFrames: 512) { block in
            changes(&exciter, at: frame); exciter.processExciter(block); frame += block.frameCount
        }
        frame = 0
        two.process(blockFrames: 512) { block in
            changes(&back, at: frame); back.processBack(block); frame += block.frameCount
        }
        #expect(two.left == one.left && two.right == one.right)
        #expect(one.left != input.left, "the chain changed the signal")
    }
}
