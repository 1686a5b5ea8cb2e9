import CPulse
import CSndFile

/// Versions of the C libraries LoopMind links, for `loopmind --version` and bug reports.
public enum AudioLibraryVersions {
    /// libsndfile's own version string. Wraps `sf_version_string`.
    public static var sndfile: String { String(cString: sf_version_string()) }
    /// The PulseAudio client library version. Wraps `pa_get_library_version`.
    public static var pulse: String { String(cString: pa_get_library_version()) }
}
