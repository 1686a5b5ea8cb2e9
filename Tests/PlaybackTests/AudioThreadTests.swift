import AudioIO
import CAllocationCounter
import Foundation
import MasteringDSP
@testable import Playback
import Synchronization
import Testing
import TestSupport

/// The audio thread's rules, checked on the renderer itself (no sound server needed).
struct AudioThreadTests {
    let fixture: PlaybackFixture
    init() throws { fixture = try PlaybackFixture.shared.get() }

    /// Renders 30 s in PulseAudio-sized requests while every kind of control arrives (play,
    /// pause, tweaks, A/B, a new automation with a match curve to glide to, seeks, a loop, a reference clip heard and replaced)
    /// and meters are collected:
    /// the render calls make no heap allocation at all.
    @Test func renderingNeverAllocates() throws {
        // The counter itself works: a new array and a string are seen.
        lm_allocations_arm()
        let probe = Array(repeating: Float(1), count: Int.random(in: 100...200))
        let text = String(repeating: "x", count: probe.count)
        let seen = lm_allocations_disarm()
        #expect(seen >= 2 && text.count == probe.count)

        let disk = DiskStreamer(reader: try SoundFileReader(path: fixture.songPath))
        let renderer = AudioRenderer(disk: disk, automation: fixture.automation)
        let meters = try MeterCollector(renderer: renderer, durationSeconds: 80, moves: fixture.moves,
                                        sectionStarts: [0, 16, 32, 48, 64], initialMatchDB: 0)
        disk.start()
        meters.start()
        defer { meters.stop(); disk.stop() }
        let output = UnsafeMutablePointer<Float>.allocate(capacity: 2 * 4096)
        defer { output.deallocate() }

        var allocations = 0
        var rendered = 0
        var step = 0
        var replacement = ChainAutomation(sections: [.init(startFrame: 0, settings: ChainSettings(), gainDB: 3)], transitionFrames: 0)
        // With a reference's match curve: the match EQ glides to it, recomputing its bells as it goes.
        replacement.match.mid[6] = 2; replacement.match.side[14] = -3; replacement.match.mid[MatchCurve.bellCount] = -1.5
        let clip = try ReferenceClip(path: fixture.songPath, name: "demo", sampleRate: 44100, matchedLUFS: -12)
        renderer.commands.push(.play)
        while rendered < 30 * 44100 {
            // The control side, as the console would drive it.
            switch step {
            case 50: renderer.commands.push(.adjust(parameter: ChainParameter.highShelfGain.rawValue, offset: 1.5))
            case 100: renderer.commands.push(.bypass(true))
            case 150: renderer.commands.push(.bypass(false))
            case 200: renderer.commands.push(.automation(Unmanaged.passRetained(AutomationBox(replacement))))
            case 250: disk.requestSeek(toFrame: 40 * 44100)
            case 300: renderer.commands.push(.pause)
            case 320: renderer.commands.push(.play)
            case 400: disk.setLoop((40 * 44100)..<(42 * 44100))
            case 450: renderer.commands.push(.reference(Unmanaged.passRetained(clip)))
            case 460: renderer.commands.push(.listenToReference(true))
            case 520: renderer.commands.push(.reference(Unmanaged.passRetained(clip)))   // a new clip while heard
            case 560: renderer.commands.push(.listenToReference(false))
            case 600: renderer.commands.push(.reference(nil))
            case 700: disk.requestSeek(toFrame: 79 * 44100); disk.setLoop(nil)
            default: break
            }
            let frames = [441, 1024, 333, 2048][step % 4]
            lm_allocations_arm()
            renderer.render(output, frames: frames)
            allocations += lm_allocations_disarm()
            rendered += frames
            step += 1
            usleep(useconds_t(Double(frames) / 44100 * 1e6 / 8))   // 8× real time: the disk keeps up
        }
        #expect(allocations == 0)
        let finished = renderer.status.isFinished.load(ordering: .relaxed)
        let dropped = renderer.status.droppedMeterRecords.load(ordering: .relaxed)
        #expect(finished, "played to the end after the last seek")
        #expect(dropped == 0)
    }

    /// Silence while a seek is on its way is the jump the user asked for; only a disk that falls
    /// behind the playhead is an underrun (`play --from 78` once reported one for its own seek).
    /// The disk thread is stopped with its ring full, so nothing answers the seek.
    @Test func aSeekInFlightIsNotAnUnderrunButARunDryDiskIs() throws {
        func rendererWithAFullRingAndNoDiskThread() throws -> (DiskStreamer, AudioRenderer) {
            let disk = DiskStreamer(reader: try SoundFileReader(path: fixture.songPath))
            let renderer = AudioRenderer(disk: disk, automation: fixture.automation)
            disk.start()
            while disk.ring.count < disk.ring.capacity { usleep(10_000) }
            disk.stop()
            return (disk, renderer)
        }
        let (disk, renderer) = try rendererWithAFullRingAndNoDiskThread()
        let output = UnsafeMutablePointer<Float>.allocate(capacity: 2 * 1024)
        defer { output.deallocate() }
        renderer.commands.push(.play)
        renderer.render(output, frames: 1024)
        disk.requestSeek(toFrame: 40 * 44100)
        for _ in 0..<8 { renderer.render(output, frames: 1024) }
        #expect(renderer.status.diskUnderruns.load(ordering: .relaxed) == 0)
        #expect(disk.ring.count == 0, "the old read-ahead was dropped")

        let (_, dry) = try rendererWithAFullRingAndNoDiskThread()
        dry.commands.push(.play)
        for _ in 0..<(DiskStreamer.chunkCount + 4) { dry.render(output, frames: 1024) }
        #expect(dry.status.diskUnderruns.load(ordering: .relaxed) >= 1)
    }

    /// The disk thread streams in constant memory: a ring of 64 chunks, whatever the file's length.
    @Test func readAheadIsBounded() throws {
        let disk = DiskStreamer(reader: try SoundFileReader(path: fixture.songPath))
        disk.start()
        defer { disk.stop() }
        usleep(300_000)
        #expect(disk.ring.count == disk.ring.capacity)
        let position = disk.readPosition.load(ordering: .relaxed)
        #expect(position == DiskStreamer.chunkCount * DiskStreamer.chunkFrames)
    }
}

/// The audio thread's scheduling: asked for, and reported as it is.
struct RealtimeSchedulingTests {
    /// On a thread of its own (as the main loop's thread asks): the answer matches what the kernel
    /// then reports for the thread, and it is granted exactly when the process may have it.
    @Test func realtimeIsGrantedWhenPermittedAndReportedTruthfully() {
        let outcome = Mutex<(granted: Bool, policy: Int32, priority: Int32)>((false, -1, -1))
        let thread = NativeThread(name: "rt-probe") {
            let granted = requestRealtimeScheduling()
            var policy: Int32 = 0
            var parameters = sched_param()
            pthread_getschedparam(pthread_self(), &policy, &parameters)
            outcome.withLock { $0 = (granted, policy, parameters.sched_priority) }
        }
        thread.join()
        let seen = outcome.withLock { $0 }
        #expect(seen.granted == RealtimePermission.granted, "granted \(seen.granted), permitted \(RealtimePermission.granted)")
        if seen.granted {
            #expect(seen.policy == SCHED_FIFO && seen.priority == realtimePriority)
        } else {
            #expect(seen.policy == SCHED_OTHER, "a refused request leaves the thread as it was")
        }
    }
}
