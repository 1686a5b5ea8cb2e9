import Testing
import TestSupport

/// The live tests' retry: only an attempt that underran is played again, and never more than
/// `StarvedPlayback.attempts` times, so an engine that always underruns still fails.
@Suite struct StarvedPlaybackTests {
    @Test func aCleanAttemptIsTheLastAndAStarvedOneIsPlayedAgain() {
        var tried = 0
        let first = StarvedPlayback.retrying { tried += 1; return (outcome: tried, underruns: 0) }
        #expect(first == 1 && tried == 1)
        tried = 0
        let second = StarvedPlayback.retrying { tried += 1; return (outcome: tried, underruns: tried == 1 ? 2 : 0) }
        #expect(second == 2 && tried == 2)
    }

    @Test func anAttemptThatAlwaysUnderrunsIsReturnedAfterTheLastTry() {
        var tried = 0
        let underruns = StarvedPlayback.retrying { tried += 1; return (outcome: 5, underruns: 5) }
        #expect(tried == StarvedPlayback.attempts)
        #expect(underruns == 5, "the last attempt's outcome, underruns and all, is what the test checks")
    }
}
