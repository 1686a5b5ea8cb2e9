import Testing
import TestSupport

/// The live tests' retry: only an attempt that underran is played again, and never more than
/// `StarvedPlayback.attempts` times, so an engine that always underruns still fails.
@Suite struct StarvedPlaybackTests {
    @Test func aCleanAttemptIsTheLastAndAStarvedOneIsPlayedAgain() {
        var tried = 0
        var pauses: [Int] = []
        let first = StarvedPlayback.retrying(pause: { pauses.append($0) }) { tried += 1; return (outcome: tried, underruns: 0) }
        #expect(first == 1 && tried == 1)
        tried = 0
        let second = StarvedPlayback.retrying(pause: { pauses.append($0) }) { tried += 1; return (outcome: tried, underruns: tried == 1 ? 2 : 0) }
        #expect(second == 2 && tried == 2)
        #expect(pauses == [1], "one pause, after the starved first attempt")
    }

    @Test func anAttemptThatAlwaysUnderrunsIsReturnedAfterTheLastTry() {
        var tried = 0
        var pauses: [Int] = []
        let underruns = StarvedPlayback.retrying(pause: { pauses.append($0) }) { tried += 1; return (outcome: 5, underruns: 5) }
        #expect(tried == StarvedPlayback.attempts)
        #expect(pauses == Array(1..<StarvedPlayback.attempts), "a pause between attempts, none after the last")
        #expect(underruns == 5, "the last attempt's outcome, underruns and all, is what the test checks")
    }
}
