// swift-tools-version:6.0
//
// LoopMind Console: a terminal mastering console.
// Modules point one way: MasteringDSP (no I/O) ← Analysis, DemoSong, AudioIO ← CLI; C shims at the edges.
import Foundation
import PackageDescription

// MARK: - Shared settings

/// Debian packages behind each C library, so SwiftPM can say what to install.
let aptSndFile = SystemPackageProvider.apt(["libsndfile1-dev"])
let aptEBUR128 = SystemPackageProvider.apt(["libebur128-dev"])
let aptPulse = SystemPackageProvider.apt(["libpulse-dev"])
let aptNcurses = SystemPackageProvider.apt(["libncurses-dev"])
let aptFFTW = SystemPackageProvider.apt(["libfftw3-dev"])
let aptSoxr = SystemPackageProvider.apt(["libsoxr-dev"])

/// AVX2 and FMA when the building machine has them (Haswell, 2013, and later; read from
/// /proc/cpuinfo), so eight-float vectors are one instruction instead of two. The samples are the
/// same to the bit either way (`cmp` of masters built both ways); the binary then runs only on
/// such CPUs. `LOOPMIND_PORTABLE=1 swift build …` builds for any x86-64.
let hostVectorFlags: [String] = {
    #if arch(x86_64) && os(Linux)
    guard ProcessInfo.processInfo.environment["LOOPMIND_PORTABLE"] == nil,
          let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flagsLine = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return [] }
    let flags = Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == "\t" }))
    return flags.contains("avx2") && flags.contains("fma") ? ["-target-cpu", "haswell"] : []
    #else
    return []
    #endif
}()

/// Hot numeric code is built optimised even in debug builds so the test suite runs at a useful speed,
/// and for the vector units of the machine that builds it (`hostVectorFlags`).
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"] + hostVectorFlags)
]

let package = Package(
    name: "LoopMind",
    products: [
        .executable(name: "loopmind", targets: ["LoopMindCLI"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // MARK: - C libraries (Debian -dev packages, found through pkg-config)
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [aptSndFile]),
        .systemLibrary(name: "CEBUR128", pkgConfig: "libebur128", providers: [aptEBUR128]),
        .systemLibrary(name: "CPulse", pkgConfig: "libpulse-simple", providers: [aptPulse]),
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [aptNcurses]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [aptFFTW]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [aptSoxr]),
        /// Gives the terminal and stderr back when the console dies of a signal (a C signal handler).
        .target(name: "CCrashGuard"),
        /// Opens a file with no name (O_TMPFILE) for outputs a kill must not leave half-written.
        .target(name: "CUnnamedFile"),

        // MARK: - Signal processing (no I/O, no Foundation)
        .target(name: "MasteringDSP", swiftSettings: numericSettings),

        // MARK: - Analysis and synthesis
        .target(
            name: "Analysis",
            dependencies: ["MasteringDSP", "CEBUR128", "CFFTW"],
            swiftSettings: numericSettings
        ),
        .target(name: "DemoSong", dependencies: ["MasteringDSP"], swiftSettings: numericSettings),

        // MARK: - The AI master model (decisions, no audio)
        .target(name: "MasteringAI", dependencies: ["MasteringDSP", "Analysis"]),

        // MARK: - Files and the sound server
        .target(name: "AudioIO", dependencies: ["CSndFile", "CSoxr", "CPulse", "CUnnamedFile", "MasteringDSP"]),

        // MARK: - Real-time playback (disk, audio and metering threads; PulseAudio)
        .target(name: "Playback", dependencies: ["AudioIO", "Analysis", "MasteringAI", "MasteringDSP", "CPulse"],
                swiftSettings: numericSettings),

        // MARK: - The console: screen model and drawing (off-screen frames), keys, themes, curses driver
        .target(name: "Console", dependencies: ["Playback", "AudioIO", "MasteringAI", "MasteringDSP", "Analysis", "CNcursesw", "CCrashGuard"]),

        // MARK: - The learned style profile on disk (locking, atomic saves, untrusted reads)
        .target(name: "StyleStore", dependencies: ["MasteringAI", "AudioIO"]),

        // MARK: - Offline rendering (the master command, later the console's export)
        .target(name: "Rendering", dependencies: ["AudioIO", "Analysis", "MasteringAI", "MasteringDSP"]),

        // MARK: - The command line
        .executableTarget(
            name: "LoopMindCLI",
            dependencies: [
                "AudioIO", "Analysis", "Console", "DemoSong", "MasteringDSP", "MasteringAI", "Playback", "Rendering", "StyleStore", "CNcursesw", "CCrashGuard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Tests
        /// Test signals built from their published definitions, shared by the test targets.
        .target(name: "TestSupport", dependencies: ["MasteringDSP"], path: "Tests/TestSupport",
                swiftSettings: numericSettings),
        .testTarget(name: "MasteringDSPTests", dependencies: ["MasteringDSP", "TestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "AudioIO", "DemoSong", "MasteringDSP", "TestSupport"]),
        .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "Analysis", "MasteringDSP", "TestSupport"]),
        .testTarget(name: "ChainTests", dependencies: ["MasteringDSP", "Analysis", "DemoSong", "TestSupport"]),
        .testTarget(name: "RenderingTests",
                    dependencies: ["Rendering", "MasteringAI", "Analysis", "AudioIO", "DemoSong", "MasteringDSP", "TestSupport"]),
        .testTarget(name: "StyleTests", dependencies: ["MasteringAI", "StyleStore", "MasteringDSP", "Analysis", "TestSupport"]),
        /// Counts one thread's heap allocations (the test binary's malloc forwards to glibc's).
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(name: "PlaybackTests",
                    dependencies: ["Playback", "Rendering", "AudioIO", "Analysis", "DemoSong", "MasteringAI", "MasteringDSP",
                                   "TestSupport", "CAllocationCounter"]),
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "Playback", "MasteringAI", "MasteringDSP", "CCrashGuard", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["LoopMindCLI", "AudioIO", "MasteringDSP", "TestSupport"]),
    ]
)
