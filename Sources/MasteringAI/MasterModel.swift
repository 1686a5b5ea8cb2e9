import Analysis
import Foundation
import MasteringDSP

/// The AI master model: from what the input measures like, an emotion and an intensity, it
/// predicts the chain settings and explains every decision as an `AIMove`.
///
/// Honest heuristics, written down in the README ("The AI master model"): the seed's emotion
/// table scaled by intensity, then bent by the input — highs are not cut on a mix that is
/// already dark nor boosted on one already bright, lows not boosted on a bass-heavy mix, a
/// dense (low crest factor) mix gets less compression than a spiky one, a narrow mix is
/// widened less than a wide one. Learned style offsets are added last.
public struct MasterModel: Sendable {
    /// What the user asked for.
    public struct Request: Sendable {
        public var emotion: Emotion
        /// 0…1: further from neutral and louder as it grows.
        public var intensity: Double
        /// An explicit loudness target (from `--target` or `--platform`); `nil`: the emotion's.
        public var targetLUFS: Double?
        /// Why the explicit target is what it is, for its move (nil: "the requested target").
        public var targetReason: String?
        public var ceilingDBTP: Double
        public var style: StyleOffsets
        /// Gain staging for a mix far from its target (`stagingTrim`); nil for every usual mix.
        public var staging: Staging?

        public init(emotion: Emotion, intensity: Double = 0.5, targetLUFS: Double? = nil, targetReason: String? = nil,
                    ceilingDBTP: Double = -1, style: StyleOffsets = StyleOffsets(), staging: Staging? = nil) {
            self.staging = staging
            self.targetReason = targetReason
            self.emotion = emotion
            self.intensity = min(max(intensity, 0), 1)
            self.targetLUFS = targetLUFS
            self.ceilingDBTP = ceilingDBTP
            self.style = style
        }
    }

    /// An input trim for the whole track, and the levels that called for it (for the move's reason).
    public struct Staging: Sendable, Equatable {
        public var trimDB: Double
        public var inputLUFS: Double
        public var targetLUFS: Double
    }

    /// How far the loudness gain is asked to move a mix, dB. Its range is ±40: sections' own
    /// offsets and the loop's steps need the rest.
    public static let loudnessGainReachDB = 30.0

    /// The input trim for a mix too far from its target or too hot to master as it is, within
    /// the trim's +24 dB up and `stagingFloorDB` down; nil for every usual mix (nothing changes for them):
    /// - more than `loudnessGainReachDB` under its target (a quiet field recording, a float file
    ///   at −60 LUFS): the excess, so the loudness gain can land it;
    /// - above 0 LUFS (a floating-point bounce over full scale): down to its target, since the
    ///   compressor and exciter work on absolute levels (a threshold cannot go above 0 dBFS), so
    ///   it is mastered as the same mix delivered at the target's level would be.
    public static func stagingTrim(inputLUFS: Double, targetLUFS: Double) -> Staging? {
        guard inputLUFS.isFinite, targetLUFS.isFinite else { return nil }
        let needed = targetLUFS - inputLUFS
        var trim = 0.0
        if needed > loudnessGainReachDB {
            trim = needed - loudnessGainReachDB
        } else if inputLUFS > 0 {
            trim = needed
        } else if needed < -loudnessGainReachDB {
            trim = needed + loudnessGainReachDB
        }
        trim = ChainParameter.inputTrim.spec.clamped(trim)
        return trim == 0 ? nil : Staging(trimDB: trim, inputLUFS: inputLUFS, targetLUFS: targetLUFS)
    }

    /// How far down the trim stages a floating-point mix over full scale, dB: its range's floor
    /// (an integer file's samples stored as floats sit about 90 dB over).
    public static var stagingFloorDB: Double { ChainParameter.inputTrim.spec.range.lowerBound }

    /// Whether a mix at `inputLUFS` can be staged to a usual level (0 LUFS or under) by the
    /// trim. Past that the compressor would meet a level no threshold reaches and the loudness
    /// gain could not land it: a file that hot is refused, not crushed.
    public static func canStage(inputLUFS: Double) -> Bool {
        inputLUFS + stagingFloorDB <= 0
    }

    /// The model's answer.
    public struct Decision: Sendable {
        public var settings: ChainSettings
        public var moves: [AIMove]
        /// Why each parameter the rules decided has its value, moved or not: a later section
        /// that returns a parameter to where the rules put it says why, not "left at the default".
        public var reasons: [ChainParameter: String] = [:]
        /// What the learned style added to each parameter it moved (after the range's clamp; a
        /// choice by whole steps). A tweak is recorded against the suggestion before it, as the
        /// trainer learns: against the styled one, each session would learn only what the style
        /// had not yet given, and the offset would settle at about half of a steady taste.
        public var styleShift: [ChainParameter: Double] = [:]
        public var targetLUFS: Double { settings[.loudnessTarget] }
    }

    /// What the rules read about the material: the whole input, or one section of it.
    public struct MixProfile: Sendable, Equatable {
        public var rmsDBFS: Double
        public var crestFactorDB: Double
        public var stereoWidth: Double
        public var tone: ToneFeatures

        public init(_ report: AnalysisReport) {
            // The chain's stages meet the mix after its DC blocker: its RMS without the offset.
            rmsDBFS = report.rmsWithoutOffsetDBFS; crestFactorDB = report.crestFactorDB
            stereoWidth = report.stereo.width; tone = ToneFeatures(report.toneCurve)
        }

        public init(_ section: SectionMeasurement) {
            rmsDBFS = section.rmsWithoutOffsetDBFS; crestFactorDB = section.crestFactorDB
            stereoWidth = section.stereoWidth; tone = ToneFeatures(section.toneCurve)
        }
    }

    /// Tone features the rules read, from a 1/3-octave curve.
    public struct ToneFeatures: Sendable, Equatable {
        /// Mean level of 4–12.5 kHz minus 250 Hz–1 kHz, dB: how bright the mix is.
        public var highTiltDB: Double
        /// Mean level of 40–125 Hz minus 250 Hz–1 kHz, dB: how heavy the low end is.
        public var lowExcessDB: Double

        public init(_ report: AnalysisReport) { self.init(report.toneCurve) }

        public init(_ toneCurve: [ToneBand]) {
            func mean(_ range: ClosedRange<Double>) -> Double {
                let levels = toneCurve.filter { range.contains($0.hz) && $0.db.isFinite }.map(\.db)
                return levels.isEmpty ? -120 : levels.reduce(0, +) / Double(levels.count)
            }
            let mids = mean(250...1000)
            highTiltDB = mean(4000...12500) - mids
            lowExcessDB = mean(40...125) - mids
        }
    }

    // Reference points of the rules, in one place.
    /// Highs this far under the mids (dB) count as dark: no further cut.
    static let darkHighTiltDB = -24.0
    /// Highs at or above this (dB re mids) count as bright: no further boost.
    static let brightHighTiltDB = -6.0
    /// Lows this far above the mids (dB) count as heavy: no further boost.
    static let heavyLowExcessDB = 12.0
    /// Crest factors (dB) between dense and spiky scale the compression ratio.
    static let denseCrestDB = 8.0, spikyCrestDB = 18.0
    /// Under this crest factor a reason calls the mix dense; above, only moderately dynamic.
    static let denseWordsBelowCrestDB = 10.0
    /// Stereo width (side/mid) from which a mix counts as fully wide.
    static let wideInputWidth = 0.3
    /// Side/mid from which widening eases off, and where it stops: at 1 the side carries as much
    /// as the mid (two unrelated channels), past it the channels lean out of phase (a channel
    /// with its polarity flipped reads about 2.6), and more side only costs the mix in mono.
    static let widenEasesFromWidth = 0.8, widenStopsAtWidth = 1.0

    /// The share of an emotion's widening a mix of this side/mid gets: from 20 % on a near-mono
    /// mix to all of it from `wideInputWidth`, easing back to none at `widenStopsAtWidth`.
    static func wideningScale(sideToMid width: Double) -> Double {
        let narrow = min(max(width / wideInputWidth, 0.2), 1)
        let wide = min(max((widenStopsAtWidth - width) / (widenStopsAtWidth - widenEasesFromWidth), 0), 1)
        return min(narrow, wide)
    }

    public init() {}

    public func decide(for input: AnalysisReport, _ request: Request) -> Decision {
        decide(for: MixProfile(input), request)
    }

    /// - Parameters:
    ///   - section: where the decision applies, for the moves: the section's start (seconds)
    ///     and how to name it ("section 3"); nil for a whole-track decision.
    public func decide(for input: MixProfile, _ request: Request, section: (start: Double, name: String)? = nil) -> Decision {
        var settings = ChainSettings()
        var moves: [AIMove] = []
        var reasons: [ChainParameter: String] = [:]
        let emotion = request.emotion, i = request.intensity
        let strength = 0.5 + i                      // 0.5…1.5 times the table's move
        let label = (section.map { "\($0.name) " } ?? "") + "\(emotion.rawValue) (\(String(format: "%.1f", i)))"
        let tone = input.tone

        /// Sets a parameter and records the move; the reason names the new value after its label.
        func set(_ parameter: ChainParameter, _ value: Double, _ reason: String, naming: Bool = true) {
            let before = settings[parameter]
            settings[parameter] = value
            let described = naming ? Self.describe(parameter, settings[parameter], reason) : reason
            reasons[parameter] = described
            if abs(settings[parameter] - before) > 1e-9 {
                moves.append(AIMove(time: section?.start ?? 0, parameter: parameter, from: before, to: settings[parameter],
                                    reason: described))
            }
        }

        // Tone: the emotion's shelves, scaled by intensity, bent by the input's balance.
        let table = Self.toneTable[emotion]!
        var high = table.high * strength
        var highReason = "\(label): \(emotion.rawValue) wants \(table.highWords)"
        if high < 0 {
            let room = min(max((tone.highTiltDB - Self.darkHighTiltDB) / 12, 0), 1)
            if room < 1 {
                // Words by degree: under half the cut the mix is dark; above, its top only a little dull.
                let words = room < 0.5 ? "the mix is already dark" : "the top is already a little dull"
                highReason += String(format: "; \(words) (highs %.0f dB under the mids), so the cut is %.0f %% of the table's", -tone.highTiltDB, room * 100)
            }
            high *= room
        } else if high > 0 {
            let room = min(max((Self.brightHighTiltDB - tone.highTiltDB) / 12, 0), 1)
            if room < 1 {
                let words = room < 0.5 ? "the mix is already bright" : "the highs are already a little forward"
                highReason += String(format: "; \(words) (highs %+.0f dB re the mids), so the boost is %.0f %% of the table's", tone.highTiltDB, room * 100)
            }
            high *= room
        }
        var low = table.low * strength
        var lowReason = "\(label): \(emotion.rawValue) wants \(table.lowWords)"
        if low > 0 {
            let room = min(max((Self.heavyLowExcessDB - tone.lowExcessDB) / 12, 0), 1)
            if room < 1 {
                let words = room < 0.5 ? "the low end is already heavy" : "the low end is already a little full"
                lowReason += String(format: "; \(words) (%+.0f dB re the mids), so the boost is %.0f %% of the table's", tone.lowExcessDB, room * 100)
            }
            low *= room
        }
        set(.lowShelfGain, low, lowReason)
        set(.lowShelfFrequency, table.lowHz, "\(label): where \(emotion.rawValue)'s low shelf turns")
        set(.highShelfGain, high, highReason)
        set(.highShelfFrequency, table.highHz, "\(label): where \(emotion.rawValue)'s high shelf turns")
        set(.tilt, table.tilt * strength, table.tilt == 0
            ? "\(label): \(emotion.rawValue) wants \(emotion.toneWords) from the shelves alone, no overall lean"
            : "\(label): \(emotion.rawValue) wants \(emotion.toneWords), the whole spectrum leaning \(table.tilt < 0 ? "darker" : "brighter") about 1 kHz")

        // Gain staging, for a mix far from its target: the trim comes before everything that follows.
        if let staging = request.staging {
            let distance = staging.targetLUFS - staging.inputLUFS
            let why = staging.inputLUFS <= 0
                ? String(format: "%.1f dB %@ the %.1f LUFS aimed at, more than the loudness gain is asked to move (%.0f dB)",
                         abs(distance), distance > 0 ? "under" : "over", staging.targetLUFS, Self.loudnessGainReachDB)
                : String(format: "a floating-point mix over full scale, brought toward the %.1f LUFS aimed at", staging.targetLUFS)
            set(.inputTrim, staging.trimDB,
                String(format: "\(label): the mix sits at %.1f LUFS, %@; staged first, so the compressor and exciter meet a usual level",
                       staging.inputLUFS, why))
        }

        // Dynamics: threshold relative to the input's level (after the trim), ratio scaled by how spiky the mix is.
        let dynamics = Self.dynamicsTable[emotion]!
        let inputRMS = input.rmsDBFS.isFinite ? input.rmsDBFS + settings[.inputTrim] : -60
        let aboveRMS = dynamics.thresholdAboveRMS - dynamics.thresholdPerIntensity * i
        set(.compThreshold, inputRMS + aboveRMS, aboveRMS < 0.05
            ? "\(label): at the mix's RMS, as low as \(emotion.rawValue)'s intensity takes it"
            : String(format: "\(label): %.1f dB above the mix's RMS (%.1f dBFS), lower with intensity", aboveRMS, inputRMS))
        let tableRatio = 1 + (dynamics.ratio - 1) * strength
        let crest = input.crestFactorDB
        let crestScale = min(max((crest - Self.denseCrestDB) / (Self.spikyCrestDB - Self.denseCrestDB), 0.15), 1)
        let ratio = 1 + (tableRatio - 1) * crestScale
        // How dense, in words that match the figure: dense under 10 dB; up to 18 dB only less spiky.
        let density = crest < Self.denseWordsBelowCrestDB ? "the mix is already dense" : "the mix is only moderately dynamic"
        let ratioReason = crestScale < 1
            ? String(format: "\(label): eased from \(emotion.rawValue)'s %.1f:1, \(density) (crest factor %.1f dB; the full ratio is for %.0f dB and up)",
                     tableRatio, crest, Self.spikyCrestDB)
            : String(format: "\(label): \(emotion.rawValue) wants \(emotion.dynamicsWords) (crest factor %.1f dB leaves room)", crest)
        set(.compRatio, ratio, ratioReason)
        set(.compAttack, dynamics.attackMilliseconds, "\(label): \(dynamics.attackWords)")
        set(.compRelease, dynamics.releaseMilliseconds, "\(label): \(dynamics.releaseWords)")
        set(.compKnee, dynamics.kneeDB, "\(label): \(dynamics.kneeWords)")

        // Colour.
        let colour = Self.colourTable[emotion]!
        set(.exciterMode, colour.tube ? 1 : 0, "\(label): \(colour.tube ? "even harmonics, warmth" : "odd harmonics, glue")")
        set(.exciterDrive, colour.drive * strength, colour.drive == 0
            ? "\(label): \(emotion.rawValue) wants the mix uncoloured, no saturation"
            : "\(label): \(emotion.rawValue)'s harmonic colour, stronger with intensity")
        set(.exciterMix, colour.mix * strength, "\(label): the share of saturated signal blended in")

        // Width: widening scaled down on narrow mixes and on mixes already as wide as they are
        // centred; narrowing applied in full. A mono mix has no side for width to act on: it
        // stays at 1, and says so rather than claim a move.
        let mono = input.stereoWidth < StereoImage.monoWidth
        let widening = Self.wideningScale(sideToMid: input.stereoWidth)
        if mono {
            set(.stereoWidth, 1, "\(label): the mix is mono (no side), so width changes nothing")
        } else {
            var width = 1 + (Self.widthTable[emotion]! - 1) * strength
            var widthReason = "\(label): \(emotion.rawValue) wants \(emotion.stereoWords)"
            if width > 1 {
                let sideToMid = input.stereoWidth.isFinite ? String(format: "side/mid %.2f", input.stereoWidth) : "all side, no mid"
                if widening == 0 {
                    widthReason += "; the mix's side already outweighs its mid (\(sideToMid)): wider would cost it in mono, so it keeps its width"
                } else if widening < 1 {
                    let state = input.stereoWidth < Self.wideInputWidth ? "narrow" : "already wide"
                    widthReason += String(format: "; the mix is \(state) (\(sideToMid)), widened by %.0f %% of the table's", widening * 100)
                }
                width = 1 + (width - 1) * widening
            }
            set(.stereoWidth, width, widthReason)
        }

        // The seed's output polish.
        if emotion == .dreamy {
            if !mono && widening > 0 {
                set(.stereoWidth, settings[.stereoWidth] * 1.05, "\(label) polish: the seed's finishing touch, 5 % wider to diffuse the image")
            }
            set(.tilt, settings[.tilt] - 0.5, "\(label) polish: the seed's finishing touch, a darker lean that softens the top")
        }

        // Loudness and ceiling.
        if let target = request.targetLUFS {
            set(.loudnessTarget, target, request.targetReason ?? String(format: "the requested target, %.1f LUFS", target), naming: false)
        } else {
            let target = Self.tableTargetLUFS(for: emotion, intensity: i)
            let louder = target - emotion.targetLUFS
            set(.loudnessTarget, target, "\(label): \(emotion.rawValue)'s loudness in the emotion table"
                + (abs(louder) < 0.05 ? "" : String(format: ", %+.1f LU with intensity", louder)))
        }
        set(.limiterCeiling, request.ceilingDBTP, String(format: "true-peak ceiling %.1f dBTP", request.ceilingDBTP), naming: false)
        set(.limiterRelease, dynamics.limiterReleaseMilliseconds, "\(label): \(dynamics.limiterReleaseWords)")

        // Learned style, last: the user's own taste on top of the AI's suggestion. Not on what
        // the request fixes: the ceiling is a limit (`--ceiling`, a platform's), and a target
        // asked for is the whole's (a move there would claim a loudness the master never had);
        // nor on a mono mix's width, nor widening a mix whose side outweighs its mid.
        var styleShift: [ChainParameter: Double] = [:]
        for parameter in ChainParameter.allCases {
            guard let offset = request.style.offsets[parameter], offset.value != 0 else { continue }
            if parameter == .limiterCeiling || (parameter == .loudnessTarget && request.targetLUFS != nil) { continue }
            if parameter == .stereoWidth && mono { continue }   // nothing for it to act on
            if parameter == .stereoWidth && widening == 0 && offset.value > 0 { continue }   // it would cost the mix in mono
            let spec = parameter.spec
            let unstyled = settings[parameter]
            defer { if settings[parameter] != unstyled { styleShift[parameter] = settings[parameter] - unstyled } }
            let evidence = "from \(offset.evidence) tweak\(offset.evidence == 1 ? "" : "s")"
            if let name = spec.choiceName(spec.choice(settings[parameter], movedBy: offset.value)) {
                // A choice switches only when the weighted vote reaches half a step; else no move.
                set(parameter, spec.choice(settings[parameter], movedBy: offset.value),
                    "your style: \(spec.label) \(name) in \(emotion.rawValue) sections, \(evidence)", naming: false)
                continue
            }
            let amount = spec.signedAmount(offset.value)
            set(parameter, settings[parameter] + offset.value,
                "your style: \(amount) \(spec.label) in \(emotion.rawValue) sections, \(evidence)", naming: false)
        }
        return Decision(settings: settings, moves: moves, reasons: reasons, styleShift: styleShift)
    }

    /// "label: high shelf −1.5 dB, why": the reason with the value it led to.
    public static func describe(_ parameter: ChainParameter, _ value: Double, _ reason: String) -> String {
        guard let colon = reason.firstIndex(of: ":") else { return reason }
        let spec = parameter.spec
        func shown(_ places: Int) -> Double { value.asPrinted(places: places) }
        let amount: String
        switch spec.unit {
        case .choice: amount = spec.choices[Int(value.rounded())]
        case .fraction: amount = String(format: "%.2f", shown(2))
        case .ratio: amount = String(format: "%.1f:1", value)
        // Gains are signed; a knee is a size.
        case .decibels: amount = String(format: spec.range.lowerBound < 0 ? "%+.1f dB" : "%.1f dB", shown(1))
        // Whole corners and times without a decimal ("9000 Hz", "300 ms"), others with one.
        default: amount = String(format: value == value.rounded() ? "%.0f %@" : "%.1f %@", shown(1), spec.unit.rawValue)
        }
        let rest = reason[reason.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        return "\(reason[..<colon]): \(spec.label) \(amount), \(rest)"
    }

    /// The emotion table's loudness target at `intensity` (louder by up to 1 LU with intensity):
    /// where an emotion sits among the others, whatever target a request names.
    public static func tableTargetLUFS(for emotion: Emotion, intensity: Double) -> Double {
        emotion.targetLUFS + 2 * (min(max(intensity, 0), 1) - 0.5)
    }

    /// The tone an emotion aims at, as shelf gains and a tilt (dB) at its corners: what the
    /// console draws as the emotion's target curve.
    public static func targetTone(for emotion: Emotion, intensity: Double)
        -> (lowDB: Double, lowHz: Double, highDB: Double, highHz: Double, tiltDB: Double) {
        let tone = toneTable[emotion]!
        let strength = 0.5 + min(max(intensity, 0), 1)   // as `decide` scales the table
        return (tone.low * strength, tone.lowHz, tone.high * strength, tone.highHz, tone.tilt * strength)
    }

    // MARK: - The tables (at strength 1 = intensity 0.5)

    struct Tone {
        let low: Double, lowHz: Double, high: Double, highHz: Double, tilt: Double
        /// What each shelf does for the emotion, in words.
        let lowWords: String, highWords: String
    }
    static let toneTable: [Emotion: Tone] = [
        .powerful: Tone(low: 1.5, lowHz: 90, high: 1.0, highHz: 9000, tilt: 0,
                        lowWords: "boosted lows", highWords: "boosted highs"),
        .calm: Tone(low: 0.5, lowHz: 120, high: -0.5, highHz: 8000, tilt: -0.5,
                    lowWords: "a soft curve, a touch of warmth", highWords: "a soft curve, the top eased"),
        .dreamy: Tone(low: 0.5, lowHz: 150, high: -2.0, highHz: 6000, tilt: 0,
                      lowWords: "a warm bed under rolled-off highs", highWords: "rolled-off highs"),
        .dark: Tone(low: 2.0, lowHz: 110, high: -1.5, highHz: 5000, tilt: -0.5,
                    lowWords: "boosted lows", highWords: "a darker top"),
        .bright: Tone(low: -0.5, lowHz: 120, high: 2.0, highHz: 8000, tilt: 0.5,
                      lowWords: "a leaner low end under open highs", highWords: "open highs"),
    ]

    struct Dynamics {
        let ratio: Double, thresholdAboveRMS: Double, thresholdPerIntensity: Double
        let attackMilliseconds: Double, releaseMilliseconds: Double, kneeDB: Double
        let limiterReleaseMilliseconds: Double
        /// Why each time constant and the knee, in words (the value itself is named beside them).
        let attackWords: String, releaseWords: String, kneeWords: String, limiterReleaseWords: String
    }
    static let dynamicsTable: [Emotion: Dynamics] = [
        .powerful: Dynamics(ratio: 4, thresholdAboveRMS: 6, thresholdPerIntensity: 6, attackMilliseconds: 10,
                            releaseMilliseconds: 120, kneeDB: 6, limiterReleaseMilliseconds: 60,
                            attackWords: "late enough to keep the punch of each hit",
                            releaseWords: "recovers between hits",
                            kneeWords: "a firm knee: the compression acts where it is set",
                            limiterReleaseWords: "fast, keeps the density up"),
        .calm: Dynamics(ratio: 1.6, thresholdAboveRMS: 8, thresholdPerIntensity: 2, attackMilliseconds: 30,
                        releaseMilliseconds: 300, kneeDB: 12, limiterReleaseMilliseconds: 150,
                        attackWords: "gentle, lets the transients through",
                        releaseWords: "slow, so the level never pumps",
                        kneeWords: "wide, the compression eases in unheard",
                        limiterReleaseWords: "slow, no audible pumping"),
        .dreamy: Dynamics(ratio: 2, thresholdAboveRMS: 6, thresholdPerIntensity: 3, attackMilliseconds: 40,
                          releaseMilliseconds: 250, kneeDB: 10, limiterReleaseMilliseconds: 120,
                          attackWords: "slow, lets transients bloom",
                          releaseWords: "slow, lets the tails swell",
                          kneeWords: "wide, a soft onset",
                          limiterReleaseWords: "slow, lets the tails ring"),
        .dark: Dynamics(ratio: 3, thresholdAboveRMS: 4, thresholdPerIntensity: 4, attackMilliseconds: 3,
                        releaseMilliseconds: 80, kneeDB: 6, limiterReleaseMilliseconds: 80,
                        attackWords: "fast, for tight transient control",
                        releaseWords: "quick, keeps the low end tight",
                        kneeWords: "a firm knee: the compression acts where it is set",
                        limiterReleaseWords: "the usual release, neither pumping nor smearing"),
        .bright: Dynamics(ratio: 2.5, thresholdAboveRMS: 5, thresholdPerIntensity: 4, attackMilliseconds: 2,
                          releaseMilliseconds: 100, kneeDB: 6, limiterReleaseMilliseconds: 70,
                          attackWords: "fast, for crisp transients",
                          releaseWords: "quick, keeps it lively",
                          kneeWords: "a firm knee: the compression acts where it is set",
                          limiterReleaseWords: "fast, keeps transients crisp"),
    ]

    struct Colour { let drive: Double, mix: Double, tube: Bool }
    static let colourTable: [Emotion: Colour] = [
        .powerful: Colour(drive: 0.3, mix: 0.25, tube: false),
        .calm: Colour(drive: 0, mix: 0, tube: false),
        .dreamy: Colour(drive: 0.1, mix: 0.1, tube: false),
        .dark: Colour(drive: 0.2, mix: 0.15, tube: true),
        .bright: Colour(drive: 0.25, mix: 0.2, tube: true),
    ]

    static let widthTable: [Emotion: Double] = [
        .powerful: 1.05, .calm: 1.15, .dreamy: 1.2, .dark: 0.85, .bright: 1.1,
    ]
}
