import Glibc
import Testing
import TestSupport

/// The live tests' retry: only an attempt that underran while the machine stalled is played
/// again, never more than `StarvedPlayback.attempts` times; one that underran while the machine
/// ran on is the engine's and is judged at once.
@Suite struct StarvedPlaybackTests {
    /// A watch that reports `stall` ms without watching.
    func pretending(_ stall: Double) -> () -> (() -> Double) { { { stall } } }

    @Test func aCleanAttemptIsTheLastAndAStarvedOneIsPlayedAgain() throws {
        var tried = 0
        var pauses: [Int] = []
        let first = try StarvedPlayback.retrying(latencyMilliseconds: 200, pause: { pauses.append($0) }, watch: pretending(300)) {
            tried += 1; return (outcome: tried, underruns: 0)
        }
        #expect(first.outcome == 1 && tried == 1 && !first.starved)
        tried = 0
        let second = try StarvedPlayback.retrying(latencyMilliseconds: 200, pause: { pauses.append($0) }, watch: pretending(300)) {
            tried += 1; return (outcome: tried, underruns: tried == 1 ? 2 : 0)
        }
        #expect(second.outcome == 2 && tried == 2 && !second.starved)
        #expect(pauses == [1], "one pause, after the starved first attempt")
    }

    @Test func anAttemptStarvedEveryTimeIsReturnedAfterTheLastTryMarkedStarved() throws {
        var tried = 0
        var pauses: [Int] = []
        let last = try StarvedPlayback.retrying(latencyMilliseconds: 200, pause: { pauses.append($0) }, watch: pretending(40)) {
            tried += 1; return (outcome: 5, underruns: 5)
        }
        #expect(tried == StarvedPlayback.attempts)
        #expect(pauses == Array(1..<StarvedPlayback.attempts), "a pause between attempts, none after the last")
        #expect(last.underruns == 5 && last.starved, "the last attempt's outcome, underruns and all, is what the test checks")
    }

    @Test func underrunsWithoutAStallAreTheEnginesAndAreNotPlayedAgain() throws {
        var tried = 0
        let played = try StarvedPlayback.retrying(latencyMilliseconds: 200, pause: { _ in Issue.record("no pause") }, watch: pretending(39)) {
            tried += 1; return (outcome: tried, underruns: 1)
        }
        #expect(tried == 1 && played.underruns == 1 && !played.starved)
    }
}

/// The watch against a real stop: the whole test process is stopped (SIGSTOP, then SIGCONT
/// 200 ms later, from a child), as a hypervisor stops a virtual CPU. Run with the live suites,
/// alone, since it stops every thread of the runner.
@Suite(.serialized) struct StallWatchTests {
    @Test func theWatchSeesTheProcessStop() throws {
        let watch = StallWatch()
        usleep(50_000)
        let child = try ChildProcess.spawn(["/bin/sh", "-c", "kill -STOP $PPID; sleep 0.2; kill -CONT $PPID"],
                                           environment: ["PATH": "/usr/bin:/bin"])
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        usleep(50_000)
        let stall = watch.stop()
        print(String(format: "longest stall seen across a 200 ms stop: %.0f ms", stall))
        #expect(stall >= 180)
    }
}

/// Cutting a starved server's silences out of a recording, and lining up what is left.
@Suite struct SplicedRecordingTests {
    /// White noise, interleaved stereo.
    func noise(frames: Int) -> [Float] {
        var generator = SystemRandomNumberGenerator()
        return (0..<frames * 2).map { _ in Float.random(in: -0.3...0.3, using: &generator) }
    }

    /// A recording of `reference` from frame 1000: lead-in silence, then stretches of `lengths`
    /// frames with a 700-frame silence after each, each next stretch starting `skips[i]` frames
    /// further on in the reference than where the last one ended.
    func starvedRecording(of reference: [Float], lengths: [Int], skips: [Int]) -> [Float] {
        var recorded = [Float](repeating: 0, count: 2 * 500)
        var position = 1000
        for (index, length) in lengths.enumerated() {
            recorded += reference[(position * 2)..<((position + length) * 2)]
            recorded += [Float](repeating: 0, count: 2 * 700)
            position += length + (index < skips.count ? skips[index] : 0)
        }
        return recorded
    }

    @Test func whatTheServerDroppedIsFoundAndWhatItPlayedLinesUp() {
        let reference = noise(frames: 100_000)
        let recorded = starvedRecording(of: reference, lengths: [20_000, 15_000, 9_000, 1_000, 12_000], skips: [130, 0, 350, 40])
        let spliced = Alignment.splicingOutSilences(recorded)
        #expect(spliced.gaps.count == 6, "the lead-in and one silence after each stretch")
        #expect(spliced.samples.count / 2 == 57_000)
        #expect(spliced.splicedFrame(500 + 20_000 + 700) == 20_000)
        #expect(spliced.recordingFrame(20_000) == 500 + 20_000 + 700)
        let stretches = Alignment.stretchCorrelations(reference: reference, spliced: spliced, frames: 0..<57_000,
                                                      expectedLag: 1000, firstSearch: 2000, maximumSkip: 4410)
        #expect(stretches.map(\.lag) == [1000, 1130, 1130, 1520], "the 1000-frame stretch is too short to line up")
        #expect(stretches.allSatisfy { $0.correlation > 0.9999999 })
    }

    @Test func aStretchFromTheWrongPlaceDoesNotLineUp() {
        let reference = noise(frames: 100_000)
        // The third stretch repeats 5000 frames (a player that went back), the fourth jumps 0.5 s ahead.
        let recorded = starvedRecording(of: reference, lengths: [20_000, 15_000, 9_000, 12_000], skips: [0, -5_000, 22_050])
        let stretches = Alignment.stretchCorrelations(reference: reference, spliced: Alignment.splicingOutSilences(recorded),
                                                      frames: 0..<56_000, expectedLag: 1000, firstSearch: 2000, maximumSkip: 4410)
        #expect(stretches.count == 4)
        #expect(stretches[0].correlation > 0.9999999 && stretches[1].correlation > 0.9999999)
        #expect(stretches[2].correlation < 0.5 && stretches[3].correlation < 0.5)
    }
}
