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
