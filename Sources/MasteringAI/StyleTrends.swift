import Foundation
import MasteringDSP

/// "My Style" in words: one sentence per clear trend, strongest evidence first.
///
/// A trend is a learned offset of at least half the parameter's key step, from at least one
/// session: "You like brighter highs in powerful sections (+1.8 dB high shelf, 12 tweaks)".
/// Overall trends are told when three or more emotions show them.
public struct StyleTrends {
    let profile: StyleProfile
    public init(_ profile: StyleProfile) { self.profile = profile }

    public func sentences() -> [String] {
        var found: [(tweaks: Int, text: String)] = []
        for emotion in Emotion.allCases {
            for (parameter, learned) in profile.emotions[emotion] ?? [:] where Self.isClear(parameter, learned) {
                found.append((learned.tweaks, "You like \(Self.words(parameter, learned.offset)) in \(emotion.rawValue) sections (\(Self.amount(parameter, learned)))"))
            }
        }
        for (parameter, learned) in profile.overall where Self.isClear(parameter, learned) {
            let emotions = profile.emotions.values.filter { $0[parameter] != nil }.count
            guard emotions >= StyleProfile.emotionsForOverall else { continue }
            found.append((learned.tweaks, "Overall you like \(Self.words(parameter, learned.offset)) (\(Self.amount(parameter, learned)) across \(emotions) emotions)"))
        }
        return found.sorted { $0.tweaks != $1.tweaks ? $0.tweaks > $1.tweaks : $0.text < $1.text }.map(\.text)
    }

    static func isClear(_ parameter: ChainParameter, _ learned: LearnedOffset) -> Bool {
        learned.sessions > 0 && abs(learned.offset) >= parameter.spec.step / 2
    }

    static func amount(_ parameter: ChainParameter, _ learned: LearnedOffset) -> String {
        let spec = parameter.spec
        let tweaks = "\(learned.tweaks) tweak\(learned.tweaks == 1 ? "" : "s")"
        // A choice's offset is a vote, not an amount: "+1.0 exciter mode" would mean nothing.
        if spec.unit == .choice { return "\(spec.label), \(tweaks)" }
        // The model never applies a ceiling offset (a limit, not a taste): a trend told without
        // saying so reads as a promise the next master does not keep.
        let never = parameter == .limiterCeiling ? "; never applied: --ceiling sets it" : ""
        return "\(spec.signedAmount(learned.offset).replacingOccurrences(of: "-", with: "−")) \(spec.label), \(tweaks)\(never)"
    }

    /// What more or less of a parameter sounds like, in a producer's words.
    static func words(_ parameter: ChainParameter, _ offset: Double) -> String {
        let up = offset > 0
        switch parameter {
        case .inputTrim: return up ? "a hotter input" : "a cooler input"
        case .lowShelfGain: return up ? "more low end" : "leaner lows"
        case .lowShelfFrequency: return up ? "a higher low-shelf corner" : "a lower low-shelf corner"
        case .highShelfGain: return up ? "brighter highs" : "warmer highs"
        case .highShelfFrequency: return up ? "a higher high-shelf corner" : "a lower high-shelf corner"
        case .tilt: return up ? "a brighter tilt" : "a darker tilt"
        case .compThreshold: return up ? "lighter compression (a higher threshold)" : "more compression (a lower threshold)"
        case .compRatio: return up ? "firmer compression" : "gentler compression"
        case .compAttack: return up ? "slower attacks" : "faster attacks"
        case .compRelease: return up ? "longer releases" : "shorter releases"
        case .compKnee: return up ? "softer knees" : "harder knees"
        case .exciterDrive: return up ? "more drive" : "less drive"
        case .exciterMix: return up ? "more harmonic colour" : "less harmonic colour"
        case .exciterMode: return up ? "tube colour" : "tape colour"
        case .stereoWidth: return up ? "a wider image" : "a narrower image"
        case .loudnessTarget: return up ? "louder masters" : "quieter masters"
        case .limiterCeiling: return up ? "a higher ceiling" : "more headroom under the ceiling"
        case .limiterRelease: return up ? "a slower limiter release" : "a faster limiter release"
        }
    }
}
