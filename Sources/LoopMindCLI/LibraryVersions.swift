import Analysis
import AudioIO
import CNcursesw

/// `loopmind --version`: our version and those of the C libraries we link.
enum LibraryVersions {
    static let loopmind = "0.1.0"

    static var summary: String {
        """
        loopmind \(loopmind)
          \(AudioLibraryVersions.sndfile)
          libebur128 \(LoudnessMeter.libraryVersion)
          libpulse \(AudioLibraryVersions.pulse)
          \(String(cString: curses_version()))
        """
    }
}
