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
        let (_, stall) = try StallWatch.during {
            usleep(50_000)
            let child = try ChildProcess.spawn(["/bin/sh", "-c", "kill -STOP $PPID; sleep 0.2; kill -CONT $PPID"],
                                               environment: ["PATH": "/usr/bin:/bin"])
            var status: Int32 = 0
            waitpid(child.pid, &status, 0)
            usleep(50_000)
        }
        print(String(format: "longest stall seen across a 200 ms stop: %.0f ms", stall))
        #expect(stall >= 180)
    }
}
