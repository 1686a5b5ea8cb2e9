import CEBUR128
import Glibc
import MasteringDSP

/// BS.1770-4 / EBU R128 loudness, loudness range and true peak, measured by libebur128.
///
/// Owns the `ebur128_state*`. Channel weights follow BS.1770 from the speaker layout:
/// front channels 1.0, surrounds 1.41, LFE not counted. A mono source is one front
/// loudspeaker (weight 1.0), as BS.1770 defines it, not "dual mono" (+3 dB).
/// `add` may allocate inside libebur128 (block history): call it from an analysis or
/// metering thread, never from the audio thread.
public final class LoudnessMeter {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// What a meter measures: each costs time in libebur128, the true peak most (4× interpolation).
    public struct Measures: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Momentary, short-term, integrated loudness and loudness range.
        public static let loudness = Measures(rawValue: 1)
        /// Integrated loudness (and momentary) without the short-term window and the range.
        /// Without it or `.loudness`, a meter gives momentary loudness and 100 ms energies only.
        public static let integrated = Measures(rawValue: 8)
        /// The short-term window as well as the momentary one, read on demand, and no gating:
        /// libebur128 then only filters, and `GatedLoudness` gates the 100 ms energies read from it.
        public static let shortTermWindow = Measures(rawValue: 16)
        /// True peak per channel (includes sample peak).
        public static let truePeak = Measures(rawValue: 2)
        public static let all: Measures = [.loudness, .truePeak]
        /// Gated loudness from a histogram of block loudness (0.1 dB bins) rather than a list of
        /// every block: constant memory however long it runs, for live meters.
        public static let constantMemory = Measures(rawValue: 4)
    }

    public let channelCount: Int
    public let sampleRate: Double
    public let measures: Measures
    private var state: UnsafeMutablePointer<ebur128_state>?

    /// Wraps `ebur128_init` and `ebur128_set_channel`.
    public init(channelCount: Int, sampleRate: Double, layout: [SpeakerPosition], measures: Measures = .all) throws {
        precondition(layout.count == channelCount, "one speaker position per channel")
        var mode = EBUR128_MODE_M.rawValue
        if measures.contains(.loudness) {
            mode |= EBUR128_MODE_I.rawValue | EBUR128_MODE_LRA.rawValue | EBUR128_MODE_S.rawValue
        }
        if measures.contains(.integrated) { mode |= EBUR128_MODE_I.rawValue }
        if measures.contains(.shortTermWindow) { mode |= EBUR128_MODE_S.rawValue }
        if measures.contains(.truePeak) { mode |= EBUR128_MODE_TRUE_PEAK.rawValue }
        if measures.contains(.constantMemory) { mode |= EBUR128_MODE_HISTOGRAM.rawValue }
        self.measures = measures
        guard let state = ebur128_init(UInt32(channelCount), UInt(sampleRate), Int32(mode)) else {
            throw Failure(description: "libebur128 cannot measure \(channelCount) channels at \(Int(sampleRate)) Hz")
        }
        self.state = state
        self.channelCount = channelCount
        self.sampleRate = sampleRate
        for (index, position) in layout.enumerated() {
            ebur128_set_channel(state, UInt32(index), Int32(Self.weightClass(position).rawValue))
        }
    }

    deinit { ebur128_destroy(&state) }

    /// The libebur128 channel type that carries BS.1770's weight for a position.
    static func weightClass(_ position: SpeakerPosition) -> channel {
        switch position {
        case .mono, .center: EBUR128_CENTER
        case .left: EBUR128_LEFT
        case .right: EBUR128_RIGHT
        case .leftSurround, .sideLeft, .backLeft: EBUR128_LEFT_SURROUND
        case .rightSurround, .sideRight, .backRight: EBUR128_RIGHT_SURROUND
        case .backCenter: EBUR128_Mp180
        case .lfe, .unknown: EBUR128_UNUSED
        }
    }

    /// Feeds interleaved frames. Wraps `ebur128_add_frames_float`.
    public func add(_ interleaved: UnsafeBufferPointer<Float>) throws {
        let frames = interleaved.count / channelCount
        guard frames > 0 else { return }
        let status = ebur128_add_frames_float(state, interleaved.baseAddress, frames)
        guard status == Int32(EBUR128_SUCCESS.rawValue) else {
            throw Failure(description: "libebur128 failed (error \(status))")
        }
    }

    private func query(_ body: (UnsafeMutablePointer<ebur128_state>?, UnsafeMutablePointer<Double>) -> Int32) -> Double {
        var value = -Double.infinity
        let status = body(state, &value)
        return status == Int32(EBUR128_SUCCESS.rawValue) ? value : -.infinity
    }

    /// Loudness of the last 400 ms, LUFS. Wraps `ebur128_loudness_momentary`.
    public var momentaryLUFS: Double { query { ebur128_loudness_momentary($0, $1) } }
    /// Loudness of the last 3 s, LUFS. Wraps `ebur128_loudness_shortterm`.
    public var shortTermLUFS: Double { query { ebur128_loudness_shortterm($0, $1) } }
    /// Loudness of the last `milliseconds` (at most 3000), LUFS. Wraps `ebur128_loudness_window`.
    public func loudnessLUFS(lastMilliseconds milliseconds: Int) -> Double {
        query { ebur128_loudness_window($0, UInt(milliseconds), $1) }
    }

    /// K-weighted mean-square energy of the last 100 ms: the sub-block BS.1770's gating blocks
    /// are made of (four make a 400 ms block).
    public var lastSubBlockEnergy: Double { Self.energy(ofLUFS: loudnessLUFS(lastMilliseconds: 100)) }

    /// BS.1770: L = −0.691 + 10·log10(E), and back.
    public static func lufs(ofEnergy energy: Double) -> Double { energy > 0 ? -0.691 + 10 * log10(energy) : -.infinity }
    public static func energy(ofLUFS lufs: Double) -> Double { lufs.isFinite ? pow(10, (lufs + 0.691) / 10) : 0 }

    /// Gated integrated loudness of everything so far, LUFS. Wraps `ebur128_loudness_global`.
    public var integratedLUFS: Double { query { ebur128_loudness_global($0, $1) } }
    /// Loudness range (EBU Tech 3342), LU. Wraps `ebur128_loudness_range`.
    public var loudnessRangeLU: Double {
        let value = query { ebur128_loudness_range($0, $1) }
        return value.isFinite ? value : 0
    }

    /// The highest true peak of one channel during the last `add`, linear. Wraps `ebur128_prev_true_peak`.
    public func lastTruePeak(channel: Int) -> Double {
        var value = 0.0
        return ebur128_prev_true_peak(state, UInt32(channel), &value) == Int32(EBUR128_SUCCESS.rawValue) ? value : 0
    }

    /// libebur128's version, for `loopmind --version`. Wraps `ebur128_get_version`.
    public static var libraryVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        ebur128_get_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}
