import MasteringAI
import MasteringDSP
import Playback

/// Everything the screen shows, as plain values: the controller fills it, `ScreenView` draws it.
public struct ConsoleState: Sendable {
    public enum View: Sendable { case main, help, myStyle, reference }

    public struct Section: Sendable, Equatable {
        public var start: Double
        public var end: Double
        public var emotion: Emotion
        public var intensity: Double
        /// Set by the user (keys 1–5) rather than estimated.
        public var chosen: Bool
        public init(start: Double, end: Double, emotion: Emotion, intensity: Double, chosen: Bool = false) {
            self.start = start; self.end = end; self.emotion = emotion; self.intensity = intensity; self.chosen = chosen
        }
    }

    public struct ParameterRow: Sendable, Equatable {
        public var parameter: ChainParameter
        /// What the chain uses: the AI's suggestion plus the user's offset.
        public var value: Double
        /// The AI's suggestion here (the learned style included).
        public var suggestion: Double
        /// The part of the suggestion that is the learned style.
        public var styleOffset: Double
        public init(parameter: ChainParameter, value: Double, suggestion: Double, styleOffset: Double) {
            self.parameter = parameter; self.value = value; self.suggestion = suggestion; self.styleOffset = styleOffset
        }
    }

    public var fileName = ""
    public var meters = MeterSnapshot()
    public var sections: [Section] = []
    public var parameters: [ParameterRow] = []
    public var selected = 0
    public var learning = false
    public var tweaksThisSession = 0
    public var noAudio = false
    public var view = View.main
    /// A line for the user (saved, exported, an error), shown above the key bar.
    public var message: String?
    public var themeName = "midnight"
    /// The whole song's loudness target (the integrated reading's aim).
    public var targetLUFS = -14.0
    /// What the chain aims at here: the section's target with the user's tweak (the
    /// loudness.target_lufs row); the song's target when there is no such row.
    public var hereTargetLUFS: Double {
        parameters.first { $0.parameter == .loudnessTarget }?.value ?? targetLUFS
    }
    public var ceilingDBTP = -1.0
    /// The loudness bar's scale: EBU +9 (−18…+9 LU around the target) or +18 (−36…+18).
    public var wideScale = false
    /// "exporting mix-master.wav 42 %", while an export runs.
    public var exportStatus: String?
    public var styleProfile = StyleProfile()
    /// The reference panel's list (first: none) and its selection.
    public var referenceChoices: [String] = []
    public var referenceSelected = 0
    /// The reference being matched, and what the session says about it.
    public var referenceName: String?
    public var referenceStatus: String?

    public init() {}

    /// The section under the playhead.
    public var currentSection: Int {
        sections.lastIndex { $0.start <= meters.playheadSeconds + 1e-6 } ?? 0
    }

    /// Blue (calm) to red (powerful): where the emotion sits on the energy scale, nudged by intensity.
    public static func heat(_ emotion: Emotion, intensity: Double) -> Int {
        let base: Double = switch emotion {
        case .calm: 0
        case .dreamy: 1
        case .dark: 2
        case .bright: 3
        case .powerful: 4
        }
        return min(4, max(0, Int((base + (intensity - 0.5) * 1.2).rounded())))
    }
}
