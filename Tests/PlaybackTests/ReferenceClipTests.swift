import AudioIO
import Foundation
import MasteringDSP
@testable import Playback
import Testing
import TestSupport

/// The reference's A/B clip: its loudest 30 s, at the session's rate, at the master's loudness;
/// and the engine plays it level-matched instead of the master, and back.
struct ReferenceClipTests {
    /// 10 s quiet, 35 s loud, 10 s quiet noise at `rate`, mono.
    static func writeReference(rate: Double, loudDBFS: Double = -20) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loopmind-ref-\(getpid())-\(Int(rate)).wav").path
        var noise = TestSignals.Noise(seed: 11)
        let quiet = Float(Decibels.toAmplitude(loudDBFS - 24)), loud = Float(Decibels.toAmplitude(loudDBFS))
        let frames = Int(55 * rate)
        let samples = (0..<frames).map { index -> Float in
            let seconds = Double(index) / rate
            return Float(noise.next()) * (seconds >= 10 && seconds < 45 ? loud : quiet) * 1.7
        }
        let writer = try SoundFileWriter(path: path, sampleRate: Int(rate), channelCount: 1, encoding: .float32)
        try samples.withUnsafeBufferPointer { try writer.write($0) }
        try writer.commit()
        return path
    }

    @Test func theClipIsTheLoudestThirtySecondsAtTheSessionRateAndTheMastersLoudness() throws {
        let path = try Self.writeReference(rate: 48000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clip = try ReferenceClip(path: path, name: "noise", sampleRate: 44100, matchedLUFS: -9)
        #expect(clip.startSeconds >= 10 && clip.startSeconds <= 15, "starts at \(clip.startSeconds) s")
        #expect(abs(clip.frameCount - 30 * 44100) < 200, "\(clip.frameCount) frames at 44.1 kHz")
        #expect(abs(clip.loudnessLUFS + clip.gainDB - -9) < 0.01)
        // Mono plays on both sides, resampled (the same noise, not silence or one channel).
        let left = UnsafeBufferPointer(start: clip.left, count: clip.frameCount)
        let right = UnsafeBufferPointer(start: clip.right, count: clip.frameCount)
        #expect(left.elementsEqual(right))
        let rms = (left.reduce(0.0) { $0 + Double($1 * $1) } / Double(clip.frameCount)).squareRoot()
        // Uniform noise × 1.7 has an RMS of 1.7/√3; resampling to 44.1 kHz keeps 22.05 of its 24 kHz of bandwidth.
        let expected = -20 + 20 * log10(1.7 / 3.0.squareRoot()) + 10 * log10(22050.0 / 24000)
        #expect(abs(Decibels.fromAmplitude(rms) - expected) < 0.3, "clip RMS \(Decibels.fromAmplitude(rms)) dBFS, expected \(expected)")
    }

    /// A mono master is measured as one loudspeaker and heard on two, 3 dB louder: its A/B clip
    /// is matched to that (it was matched to the target, and the reference came in 3 dB down).
    @Test func aMonoMastersClipIsMatchedToWhatBothLoudspeakersPlay() throws {
        let path = try Self.writeReference(rate: 44100)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stereo = try ReferenceClip(path: path, name: "noise", sampleRate: 44100, matchedLUFS: -12)
        let mono = try ReferenceClip(path: path, name: "noise", sampleRate: 44100, matchedLUFS: -12, masterChannels: 1)
        #expect(abs(stereo.loudnessLUFS + stereo.gainDB - -12) < 0.01)
        #expect(abs(mono.gainDB - stereo.gainDB - 10 * log10(2.0)) < 1e-9, "\(mono.gainDB) \(stereo.gainDB)")
    }

    @Test func badReferencesGetOneLine() throws {
        #expect(throws: (any Error).self) { try ReferenceClip(path: "/nonexistent.wav", name: "x", sampleRate: 44100, matchedLUFS: -9) }
        let silent = FileManager.default.temporaryDirectory.appendingPathComponent("loopmind-silent-\(getpid()).wav").path
        let writer = try SoundFileWriter(path: silent, sampleRate: 44100, channelCount: 2, encoding: .float32)
        try [Float](repeating: 0, count: 44100 * 8).withUnsafeBufferPointer { try writer.write($0) }
        try writer.commit()
        defer { try? FileManager.default.removeItem(atPath: silent) }
        do {
            _ = try ReferenceClip(path: silent, name: "silence.wav", sampleRate: 44100, matchedLUFS: -9)
            Issue.record("a silent reference was accepted")
        } catch {
            #expect("\(error)" == "cannot play reference 'silence.wav': it is silent")
        }
    }

    /// Through a real PulseAudio server: master, then the reference (recorded), then the master again.
    @Test func theEnginePlaysTheReferenceLevelMatchedAndComesBack() throws {
        let fixture = try PlaybackFixture.shared.get()
        let path = try Self.writeReference(rate: 48000, loudDBFS: -30)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clip = try ReferenceClip(path: path, name: "noise", sampleRate: 44100, matchedLUFS: -10)
        // An underrun puts the server's silence into the window measured (once: -11.74 LUFS for
        // -10): the recording is judged with the silences cut out, and a starved attempt is
        // played again, as the other live tests do.
        let played = try StarvedPlayback.retrying(latencyMilliseconds: SuiteLoad.playbackLatencyMilliseconds) {
            let live = try LivePlayback(fixture, latencyMilliseconds: SuiteLoad.playbackLatencyMilliseconds)
            live.engine.setReference(clip)
            live.engine.seek(toSeconds: 17)
            live.engine.play()
            live.play(for: 2)
            live.playUntilHeard(44100, after: 0)
            let underrunsBefore = live.engine.snapshot.underruns
            let switchFrame = live.recorder.frameCount
            live.engine.listenToReference(true)
            live.play(for: 4)
            live.playUntilHeard(22050 + 3 * 44100 + 11025, after: switchFrame)
            let heard = live.engine.snapshot.isReferenceHeard
            let backFrame = live.recorder.frameCount
            live.engine.listenToReference(false)
            live.play(for: 2)
            live.playUntilHeard(22050 + 44100, after: backFrame)
            let snapshot = live.engine.snapshot
            return (outcome: (live.finish(), switchFrame, backFrame, heard, snapshot.isReferenceHeard, snapshot.underruns),
                    underruns: snapshot.underruns - underrunsBefore)
        }
        let (recorded, switchFrame, backFrame, heard, after, underrunsToldOf) = played.outcome
        let spliced = Alignment.splicingOutSilences(recorded)
        let switchAt = spliced.splicedFrame(switchFrame), backAt = spliced.splicedFrame(backFrame)
        try #require((backAt + 22050 + 44100) * 2 <= spliced.samples.count, "only \(spliced.samples.count / 2 - backAt) frames heard after the way back")
        LivePlayback.expectServerSilences(spliced, within: switchFrame..<spliced.recordingFrame(backAt + 22050 + 44100),
                                          played: played, underrunsToldOf: underrunsToldOf)

        let reference = spliced.samples[((switchAt + 22050) * 2)..<((switchAt + 22050 + 3 * 44100) * 2)]
        let referenceLUFS = try PlaybackFixture.loudness(reference)
        print(String(format: "reference A/B: heard %.2f LUFS for a clip matched to -10.00 (gain %+.1f dB)", referenceLUFS, clip.gainDB))
        #expect(heard && !after)
        #expect(abs(referenceLUFS - -10) <= 0.5)
        // Back on the master: the demo's master is music, far from the noise's flat spectrum; at least it is not silence.
        let master = spliced.samples[((backAt + 22050) * 2)..<((backAt + 22050 + 44100) * 2)]
        #expect(try PlaybackFixture.loudness(master) > -30)
    }
}
