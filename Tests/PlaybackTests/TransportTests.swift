import AudioIO
import Foundation
import MasteringDSP
import Playback
import Testing
import TestSupport

/// Moving about the song on the engine's clock (no sound server): where a section loop goes.
@Suite struct TransportTests {
    /// 30 s of quiet noise in three 10 s sections.
    static func engine(in scratch: ScratchFolder) throws -> PlaybackEngine {
        let path = scratch.file("song.wav")
        let writer = try SoundFileWriter(path: path, sampleRate: 44100, channelCount: 2, encoding: .float32)
        var noise = TestSignals.Noise(seed: 3)
        let block = (0..<(2 * 44100)).map { _ in Float(0.05 * noise.next()) }
        for _ in 0..<30 { try block.withUnsafeBufferPointer { try writer.write($0) } }
        try writer.commit()
        let sections = [0, 10, 20].map { ChainAutomation.Section(startFrame: $0 * 44100, settings: ChainSettings(), gainDB: 0) }
        let engine = try PlaybackEngine(path: path, automation: ChainAutomation(sections: sections, transitionFrames: 4410),
                                        moves: [], output: .clock)
        try engine.start()
        return engine
    }

    /// Waits (up to 3 s) until the engine's meters show `loop`, in whole seconds.
    static func loop(of engine: PlaybackEngine, becomes loop: Range<Int>?) -> Range<Int>? {
        func shown() -> Range<Int>? {
            engine.snapshot.loop.map { Int($0.lowerBound.rounded())..<Int($0.upperBound.rounded()) }
        }
        _ = eventually { shown() == loop }
        return shown()
    }

    /// Waits (up to 3 s) until the engine's meters show the playhead in `range`; returns it.
    static func playhead(of engine: PlaybackEngine, reaches range: Range<Double>) -> Double {
        _ = eventually { range.contains(engine.snapshot.playheadSeconds) }
        return engine.snapshot.playheadSeconds
    }

    /// Polls `condition` every 10 ms for up to 3 s; whether it came true.
    static func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(3)
        while !condition() && Date() < deadline { usleep(10_000) }
        return condition()
    }

    /// Keys pressed faster than the audio thread plays the seek they asked for add up, and a
    /// seek while paused shows at once. A relative seek started from the frame last heard: → →
    /// moved 5 s, n n one section, and while paused the header stood still until play.
    @Test func seeksInQuickSuccessionAddUpPlayingOrPaused() throws {
        let scratch = try ScratchFolder("transport-quick")
        let engine = try Self.engine(in: scratch)
        defer { engine.stop() }
        engine.seek(toSeconds: 2)
        #expect(abs(Self.playhead(of: engine, reaches: 1.99..<2.01) - 2) < 0.01, "a seek while paused is shown at once")
        engine.seek(bySeconds: 5)
        engine.seek(bySeconds: 5)
        #expect(abs(engine.playheadSeconds - 12) < 1e-9, "\(engine.playheadSeconds)")
        #expect(abs(Self.playhead(of: engine, reaches: 11.99..<12.01) - 12) < 0.01)
        engine.play()
        // Played from 12: the two seeks were not one.
        #expect((12..<13.5).contains(Self.playhead(of: engine, reaches: 12.05..<13.5)))
        engine.seek(toSeconds: 1)
        engine.nextSection()
        engine.nextSection()
        #expect(engine.playheadSeconds == 20, "n n from the first section goes to the third: \(engine.playheadSeconds)")
        #expect((20..<21.5).contains(Self.playhead(of: engine, reaches: 20.05..<21.5)))
        engine.seek(bySeconds: -15)
        engine.previousSection()
        #expect(engine.playheadSeconds == 0, "p from 5 s into the first section goes to its start: \(engine.playheadSeconds)")
    }

    /// A toggle pressed twice faster than the audio thread takes commands is undone, as the user
    /// meant: it read the state the audio thread had last reported, so space space paused a
    /// playing song and b b left the original on.
    @Test func togglesPressedTwiceQuicklyCancelOut() throws {
        let scratch = try ScratchFolder("transport-toggles")
        let engine = try Self.engine(in: scratch)
        defer { engine.stop() }
        engine.play()
        _ = Self.eventually { engine.snapshot.playedSeconds >= 0.2 }
        for round in 0..<20 {
            engine.togglePlay()
            #expect(!engine.snapshot.isPlaying, "round \(round): the first press pauses, and says so at once")
            engine.togglePlay()
            #expect(engine.snapshot.isPlaying, "round \(round)")
            engine.setBypass(!engine.snapshot.isBypassed)
            #expect(engine.snapshot.isBypassed)
            engine.setBypass(!engine.snapshot.isBypassed)
            #expect(!engine.snapshot.isBypassed)
        }
        usleep(300_000)
        let settled = engine.snapshot
        #expect(settled.isPlaying && !settled.isBypassed, "the audio thread ends where the keys left it")
        let played = settled.playedSeconds
        usleep(300_000)
        #expect(engine.snapshot.playedSeconds > played + 0.1, "and it is playing")
    }

    /// Waits (up to 3 s) until the engine shows the end of the song, or no longer shows it.
    static func end(of engine: PlaybackEngine, shown: Bool) -> Bool {
        _ = eventually { engine.snapshot.isFinished == shown }
        return engine.snapshot.isFinished
    }

    /// Waits (up to 3 s) for the engine to play at least `seconds` more; true if it did.
    static func engine(_ engine: PlaybackEngine, plays seconds: Double) -> Bool {
        let start = engine.snapshot.playedSeconds
        return eventually { engine.snapshot.playedSeconds >= start + seconds }
    }

    /// The end of the song is not the end of the session: a seek back plays on from there,
    /// play starts again from the top, and a section loop plays the last section. Once the
    /// song had played out, the engine played nothing more until the console was restarted.
    @Test func afterTheEndSeekingBackOrPressingPlayPlaysAgain() throws {
        let scratch = try ScratchFolder("transport-end")
        let engine = try Self.engine(in: scratch)
        defer { engine.stop() }
        engine.seek(toSeconds: 29.6)
        engine.play()
        #expect(Self.end(of: engine, shown: true), "the song plays out")

        engine.seek(bySeconds: -1.5)
        #expect(!Self.end(of: engine, shown: false), "a seek back leaves the end")
        #expect(Self.engine(engine, plays: 0.2), "and plays on from there")
        #expect((28.5..<29.9).contains(engine.playheadSeconds), "\(engine.playheadSeconds)")

        #expect(Self.end(of: engine, shown: true))
        #expect(engine.snapshot.isPlaying, "the song ran out; nobody paused it")
        engine.togglePlay()
        #expect(engine.snapshot.isPlaying, "space at the end plays, it does not pause")
        #expect(engine.playheadSeconds < 0.5, "from the top: \(engine.playheadSeconds)")
        #expect(Self.engine(engine, plays: 0.2))
        #expect((0.1..<3).contains(engine.playheadSeconds), "\(engine.playheadSeconds)")

        engine.seek(toSeconds: 30)
        #expect(Self.end(of: engine, shown: true), "a seek to the very end ends the song")
        engine.pause()
        engine.seek(toSeconds: 12)
        #expect(!Self.end(of: engine, shown: false), "a seek back while paused leaves the end")
        #expect(abs(Self.playhead(of: engine, reaches: 11.99..<12.01) - 12) < 0.01)
        #expect(!engine.snapshot.isPlaying, "paused at 12 s")
        engine.seek(toSeconds: 30)
        engine.togglePlay()
        #expect(engine.playheadSeconds < 0.5, "paused at the very end, play starts from the top: \(engine.playheadSeconds)")
        #expect(Self.engine(engine, plays: 0.2))

        engine.seek(toSeconds: 30)
        #expect(Self.end(of: engine, shown: true))
        engine.loopSection(true)
        #expect(Self.engine(engine, plays: 0.2), "a loop set at the end plays the last section")
        #expect((20..<30).contains(engine.playheadSeconds), "\(engine.playheadSeconds)")
        #expect(!engine.snapshot.isFinished)
    }

    /// While a section loops, the loop goes where the playhead goes: next, previous and seeks
    /// into another section loop that one. The loop stayed on the section left behind (never
    /// heard again) while the console's header showed ⟲ beside the section playing.
    @Test func aSectionLoopFollowsThePlayhead() throws {
        let scratch = try ScratchFolder("transport")
        let engine = try Self.engine(in: scratch)
        defer { engine.stop() }
        engine.seek(toSeconds: 2)
        engine.play()
        usleep(300_000)
        engine.loopSection(true)
        #expect(Self.loop(of: engine, becomes: 0..<10) == 0..<10)
        engine.nextSection()
        #expect(Self.loop(of: engine, becomes: 10..<20) == 10..<20, "n loops the next section")
        engine.seek(toSeconds: 25)
        #expect(Self.loop(of: engine, becomes: 20..<30) == 20..<30, "a seek into the last section loops it, to the end")
        engine.seek(bySeconds: -12)
        #expect(Self.loop(of: engine, becomes: 10..<20) == 10..<20, "so does a seek back")
        usleep(300_000)
        #expect((10..<20).contains(engine.playheadSeconds), "\(engine.playheadSeconds)")
        engine.loopSection(false)
        engine.seek(toSeconds: 5)
        #expect(Self.loop(of: engine, becomes: nil) == nil, "no loop is made by a seek")
    }
}
