/// The full suite runs CPU-heavy tests (masters, chains) in parallel on two cores while the live
/// tests play through a private PulseAudio daemon at ordinary priority. At the 30 ms default
/// buffer that daemon underran under such load (CI, and 2 of 3 local full runs on the day this
/// was written), which spoils tests that check *what* is heard. Those tests play with this buffer
/// instead; how *soon* a change is heard at the default is the tweak test's, and 0 underruns at
/// 30 ms on a quiet machine is `scripts/bench-playback`'s.
public enum SuiteLoad {
    public static let playbackLatencyMilliseconds = 200.0
}
