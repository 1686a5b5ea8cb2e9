import Analysis
import Foundation
import MasteringDSP

/// Shapes a master toward a `ReferenceTarget`: the decisions of reference mastering, as AI moves.
///
/// Tone and width are matched in a closed loop with the loudness loop. Before the first pass
/// the matcher predicts where the AI's own master will sit (the input's measured mid and side per
/// 1/3-octave band, relative to its loudness, through the tone EQ's and the width's analytic
/// responses) and sets the aim: `own + amount × (reference − own)`, the difference smoothed over
/// about two thirds of an octave so the match follows the balance of the reference, not its notes. The
/// matching EQ's bells are fitted to that correction; each pass measures what came out (the
/// compressor, exciter and limiter bend the prediction) and refits to what is still missing,
/// until the mean band error is under `settledDB` (or `maximumIterations`). The refit works from
/// the tone the next pass will have (`measured(_:loudness:expected:…)`): the loudness loop moves
/// each section by its own error, and a section's share of the long-term tone moves with it.
/// Each correction is centred (its mean over the central bands removed): level is the loudness
/// loop's, and a level part left in would drift the bells into their limits. Working on
/// mid and side separately matches width band by band; a mono input has no side to shape. A mono
/// reference has a tone but no image: the whole (mid and side power together) is matched to it,
/// the side taking the mid's bells, so the width stays as the AI set it (matching the mid alone
/// left the side's own tone in what is heard, and a wide mix came out further from the reference).
///
/// Dynamics move once, after the first pass: if the master has more short-term crest than the
/// reference, the compressor's threshold goes down (up if it has less), by twice the difference
/// times the amount, at most 8 dB. Loudness is decided in the plan: the reference's, blended
/// with the AI's by the amount (an explicit `--target` or `--platform` wins).
public struct ReferenceMatch: Sendable {
    public let target: ReferenceTarget
    /// 0: the AI's own master; 1: the full match.
    public let amount: Double
    public private(set) var curve = MatchCurve()
    /// Moves of the tone, width and dynamics match (loudness is the plan's).
    public private(set) var moves: [AIMove] = []
    /// Passes measured so far.
    public private(set) var iterations = 0
    /// The master's mean band distance to its aim in the last measured pass, dB.
    public private(set) var residualDB = Double.nan
    /// The input's distance to the reference, and the last pass's (mean band difference, dB).
    public private(set) var inputDistanceDB = Double.nan
    public private(set) var distanceDB = Double.nan
    /// 100 ms crest of the input and of the last pass, dB.
    public private(set) var inputCrestDB = Double.nan
    public private(set) var crestDB = Double.nan
    /// The compressor threshold change decided after the first pass, dB.
    public private(set) var thresholdChangeDB = 0.0

    private var aimMid: [Double?] = []
    private var aimSide: [Double?] = []
    private var wantedMid: [Double?] = []
    private var wantedSide: [Double?] = []
    private var hasSide = false
    /// The dynamics move (kept); the tone moves are remade from each refit's curve.
    private var dynamicsMoves: [AIMove] = []
    /// How the last refit changed the loudness of what was measured, dB (the plan takes it
    /// off its gains, so a refit does not throw the loudness loop off its target).
    public private(set) var refitLoudnessChangeDB = 0.0
    /// The curve before the last refit (the current one when the last measurement refitted nothing).
    private var curveBeforeRefit = MatchCurve()
    /// The tone the match EQ is fed (the input through the tone EQ, relative to its loudness):
    /// what the bells' level change is judged on, for the flat gain that puts it back.
    private var feedTone: ToneMatchMeasurement?

    public static let settledDB = 0.15
    /// Passes of the [¼ ½ ¼] smoothing kernel over the 1/3-octave bands (one: about 2/3 octave wide).
    static let smoothingPasses = 1
    /// Passes measured at most (each may refit the bells but the last). Three: a fourth pass
    /// bought 0.02–0.04 dB of distance on the bench pairs for a whole pass of time.
    public static let maximumIterations = 3
    /// Bands whose level under the loudness is lower than this hold no content worth shaping.
    static let contentFloorDB = -80.0
    /// Side quieter than the mid by more than this, in a band, is left alone (no noise boosted).
    static let sideFloorDB = -45.0

    public init(target: ReferenceTarget, amount: Double) {
        self.target = target
        self.amount = min(max(amount, 0), 1)
    }

    /// The reference has no side in any band: a mono file, or both channels the same.
    private var referenceIsMono: Bool { target.bands.allSatisfy { ($0.side ?? -.infinity) <= Self.contentFloorDB } }

    /// Per band, the level matched to the reference's mid: the mid's own, or for a mono reference
    /// the whole, mid and side power together.
    private func matchedLevels(_ own: ToneMatchMeasurement) -> [Double?] {
        referenceIsMono ? zip(own.midDB, own.sideDB).map { Self.whole($0, $1) } : own.midDB
    }

    /// Per band, the reference level the matched levels aim at: its mid, or for a mono track (no
    /// side of its own to carry the reference's share) the reference's whole, mid and side together.
    private var referenceLevels: [Double?] {
        hasSide ? target.bands.map(\.mid) : target.bands.map { Self.whole($0.mid, $0.side) }
    }

    /// A band's mid and side levels (dB) as one: their powers summed (the mid's alone without a side).
    static func whole(_ mid: Double?, _ side: Double?) -> Double? {
        guard let mid, let side else { return mid }
        return Decibels.fromPower(pow(10, mid / 10) + pow(10, side / 10))
    }

    /// Whether the tone loop has more to do: never while the last measurement changed the chain
    /// (refitted the bells or moved the compressor), which a pass has yet to render.
    public var isSettled: Bool {
        amount == 0 || (!changedByLastMeasurement && (iterations >= Self.maximumIterations || settled))
    }
    private var settled = false
    private var changedByLastMeasurement = false

    /// Before the first pass: where the AI's own master will sit, predicted from the input's
    /// measured tone and the chain's tone EQ and width (their analytic responses), sets the aim
    /// and fits the bells, so the first pass is already a match. `sections`: each section's
    /// settings and duration.
    public mutating func start(input: ToneMatchMeasurement, inputLoudness: Double,
                               sections: [(settings: ChainSettings, seconds: Double)], sampleRate: Double) {
        guard amount > 0 else { return }
        inputDistanceDB = SpectralDistance.meanBandDifferenceDB(input, loudness: inputLoudness, to: target)
        inputCrestDB = input.blockCrestDB
        let total = max(sections.map(\.seconds).reduce(0, +), 1e-9)
        // The tone EQ's and the width's responses, each section weighted by its duration.
        var eqDB = Array(repeating: 0.0, count: ThirdOctaveBands.count), widthDB = 0.0
        for section in sections {
            var eq = ToneEQ()
            eq.setLowShelf(gainDB: section.settings[.lowShelfGain], frequency: section.settings[.lowShelfFrequency])
            eq.setHighShelf(gainDB: section.settings[.highShelfGain], frequency: section.settings[.highShelfFrequency])
            eq.setTilt(section.settings[.tilt])
            eq.prepare(ProcessSpec(sampleRate: sampleRate, maximumBlockFrames: 1))
            let weight = section.seconds / total
            for band in eqDB.indices { eqDB[band] += weight * eq.magnitudeDB(atFrequency: ThirdOctaveBands.exactCentresHz[band]) }
            widthDB += weight * 20 * log10(max(section.settings[.stereoWidth], 0.01))
        }
        // What the match EQ is fed (the input through the tone EQ), then what the master will be (and the width).
        var fed = input.relative(toLoudness: inputLoudness)
        for band in eqDB.indices {
            fed.midDB[band] = fed.midDB[band].map { $0 + eqDB[band] }
            fed.sideDB[band] = fed.sideDB[band].map { $0 + eqDB[band] }
        }
        feedTone = fed
        var predicted = fed
        for band in eqDB.indices {
            predicted.sideDB[band] = predicted.sideDB[band].map { $0 + widthDB }
        }
        hasSide = predicted.sideDB.contains { $0 != nil } && input.sideToMidDB > -60
        setAims(predicted)
        refit(sampleRate: sampleRate, measured: predicted)
    }

    /// Takes one pass's measurement of the output: refits the bells to what is still missing
    /// and, after the first pass, decides the dynamics (returns a compressor threshold change for
    /// the plan to apply, 0 if none).
    ///
    /// `expected`: the tone (and loudness) the next pass will have before any refit, when the
    /// loudness loop is about to move sections by different amounts (a section's share of the
    /// long-term tone moves with its level); the refit works from it. Without it, from `tone`.
    public mutating func measured(_ tone: ToneMatchMeasurement, loudness: Double,
                                  expected: (tone: ToneMatchMeasurement, loudness: Double)? = nil,
                                  sampleRate: Double, compressorThresholdDB: Double) -> Double {
        guard amount > 0, loudness.isFinite, !isSettled else {
            refitLoudnessChangeDB = 0; curveBeforeRefit = curve; changedByLastMeasurement = false
            return 0
        }
        let seen = expected.flatMap { $0.loudness.isFinite ? $0 : nil } ?? (tone: tone, loudness: loudness)
        let own = seen.tone.relative(toLoudness: seen.loudness)
        iterations += 1
        distanceDB = SpectralDistance.meanBandDifferenceDB(tone, loudness: loudness, to: target)
        crestDB = tone.blockCrestDB
        var change = 0.0
        if iterations == 1 {
            change = decideDynamics(tone, threshold: compressorThresholdDB)
            if aimMid.isEmpty {     // no prediction (started without the input's tone): aim from this pass
                hasSide = own.sideDB.contains { $0 != nil } && tone.sideToMidDB > -60
                setAims(own)
                refit(sampleRate: sampleRate, measured: seen.tone)
                changedByLastMeasurement = true
                return change
            }
        }
        // What is still missing, smoothed like the aim, added to what was asked for.
        let residualMid = Self.smoothed(zip(aimMid, matchedLevels(own)).map { aim, now in aim.flatMap { a in now.map { a - $0 } } })
        let residualSide = Self.smoothed(zip(aimSide, own.sideDB).map { aim, now in aim.flatMap { a in now.map { a - $0 } } })
        // Judged centred, as corrections are: a level offset is the loudness loop's, not a tone error.
        let level = Self.centred(mid: residualMid, side: residualSide)
        let errors = (level.mid + level.side).compactMap { $0 }.map(abs)
        residualDB = errors.isEmpty ? 0 : errors.reduce(0, +) / Double(errors.count)
        if residualDB > Self.settledDB && iterations < Self.maximumIterations {
            (wantedMid, wantedSide) = Self.centred(
                mid: zip(wantedMid, residualMid).map { wanted, residual in wanted.map { $0 + (residual ?? 0) } },
                side: zip(wantedSide, residualSide).map { wanted, residual in wanted.map { $0 + (residual ?? 0) } })
            refit(sampleRate: sampleRate, measured: seen.tone)
            changedByLastMeasurement = true
        } else {
            refitLoudnessChangeDB = 0
            curveBeforeRefit = curve
            // Settled when this pass was made with nothing changed since.
            settled = change == 0
            changedByLastMeasurement = change != 0
        }
        return change
    }

    /// The aim per band from the AI's own master (`own`, relative to its loudness).
    private mutating func setAims(_ own: ToneMatchMeasurement) {
        let count = ThirdOctaveBands.count
        let matched = matchedLevels(own), theirLevels = referenceLevels
        var midDifference: [Double?] = Array(repeating: nil, count: count)
        var sideDifference: [Double?] = Array(repeating: nil, count: count)
        for band in 0..<count {
            let reference = target.bands[band]
            if let mine = matched[band], let theirs = theirLevels[band],
               mine > Self.contentFloorDB, theirs > Self.contentFloorDB {
                midDifference[band] = theirs - mine
            }
            if let mine = own.sideDB[band], let theirs = reference.side, let mid = own.midDB[band],
               mine - mid > Self.sideFloorDB, theirs > Self.contentFloorDB {
                sideDifference[band] = theirs - mine
            }
        }
        // Smoothed, then one offset off both (the loudness loop sets the level, not the bells).
        let (mid, side) = Self.centred(mid: Self.smoothed(midDifference).map { $0.map { $0 * amount } },
                                       side: Self.smoothed(sideDifference).map { $0.map { $0 * amount } })
        aimMid = zip(matched, mid).map { now, change in change.flatMap { c in now.map { $0 + c } } }
        aimSide = zip(own.sideDB, side).map { now, change in change.flatMap { c in now.map { $0 + c } } }
        wantedMid = mid
        wantedSide = side
    }

    /// `mid` and `side` less the mean of the mid's central bands (31.5 Hz–16 kHz): a change of
    /// the whole level is the loudness loop's, and left in the bells it would drift them into their limits.
    static func centred(mid: [Double?], side: [Double?]) -> (mid: [Double?], side: [Double?]) {
        let central = mid.indices.filter { ThirdOctaveBands.nominalCentresHz[$0] >= 31.5 && ThirdOctaveBands.nominalCentresHz[$0] <= 16000 }
            .compactMap { mid[$0] }
        let offset = central.isEmpty ? 0 : central.reduce(0, +) / Double(central.count)
        return (mid.map { $0.map { $0 - offset } }, side.map { $0.map { $0 - offset } })
    }

    /// Compression toward the reference's density (the plan applies it to every section).
    private mutating func decideDynamics(_ tone: ToneMatchMeasurement, threshold: Double) -> Double {
        let difference = tone.blockCrestDB - target.crestDB
        guard abs(difference) > 0.5 else { return 0 }
        let wanted = -min(max(2 * difference * amount, -8), 8)
        let range = ChainParameter.compThreshold.spec.range
        let change = min(max(threshold + wanted, range.lowerBound), range.upperBound) - threshold
        guard abs(change) > 0.05 else { return 0 }
        thresholdChangeDB = change
        let way = difference > 0 ? "denser" : "more open"
        dynamicsMoves.append(AIMove(time: 0, parameter: .compThreshold, from: threshold, to: threshold + change,
                            reason: String(format: "compressor threshold %+.1f dB: %@ %@ %@ (100 ms crest %.1f dB against %.1f dB here); %@ compression moves toward it",
                                           change, target.label, target.verb("is", "are"), way, target.crestDB, tone.blockCrestDB, difference > 0 ? "more" : "less")))
        return change
    }

    private mutating func refit(sampleRate: Double, measured: ToneMatchMeasurement) {
        let before = curve
        curveBeforeRefit = before
        func points(_ wanted: [Double?]) -> [(hz: Double, db: Double)] {
            wanted.indices.compactMap { band in wanted[band].map { (ThirdOctaveBands.exactCentresHz[band], $0) } }
        }
        let mid = MatchCurve.fit(points(wantedMid), sampleRate: sampleRate)
        let side = referenceIsMono ? mid : MatchCurve.fit(points(wantedSide), sampleRate: sampleRate)
        var curve = MatchCurve()
        for band in 0..<MatchCurve.bandCount {
            curve.mid[band] = (mid[band] * 10).rounded() / 10
            curve.side[band] = (side[band] * 10).rounded() / 10
        }
        // The level the bells take from (or add to) what they are fed, put back: the compressor
        // behind them was set for the mix's own level (a reference much brighter or darker than
        // the mix makes bells that cut the whole by many dB, and the compressor would idle).
        let fed = feedTone ?? measured
        curve.gainDB = (-Self.loudnessChange(from: MatchCurve(), to: curve, on: fed, sampleRate: sampleRate) * 100).rounded() / 100
        self.curve = curve
        refitLoudnessChangeDB = Self.loudnessChange(from: before, to: curve, on: measured, sampleRate: sampleRate)
        moves = dynamicsMoves
        describeTone(sampleRate: sampleRate, hasSide: hasSide)
    }

    /// How the last refit changes the loudness of a part of the track with the `measured` band
    /// levels, dB: sections differ in tone, so one refit moves each section by its own amount.
    public func refitLoudnessChange(on measured: ToneMatchMeasurement, sampleRate: Double) -> Double {
        Self.loudnessChange(from: curveBeforeRefit, to: curve, on: measured, sampleRate: sampleRate)
    }

    /// The change in K-weighted loudness that going from curve `a` to `b` makes to a recording
    /// with the measured band levels, dB: each band's power times the curves' difference there,
    /// weighted by the K filter (BS.1770's two stages, evaluated at 48 kHz, where they are defined).
    static func loudnessChange(from a: MatchCurve, to b: MatchCurve, on measured: ToneMatchMeasurement, sampleRate: Double) -> Double {
        var before = 0.0, after = 0.0
        for band in 0..<ThirdOctaveBands.count {
            let hz = ThirdOctaveBands.exactCentresHz[band]
            let weight = pow(10, kWeightingDB(hz) / 10)
            for (level, onSide) in [(measured.midDB[band], false), (measured.sideDB[band], true)] {
                guard let level, level.isFinite else { continue }
                let power = pow(10, level / 10) * weight
                let change = b.magnitudeDB(atFrequency: hz, sampleRate: sampleRate, side: onSide)
                    - a.magnitudeDB(atFrequency: hz, sampleRate: sampleRate, side: onSide)
                before += power
                after += power * pow(10, change / 10)
            }
        }
        return before > 0 && after > 0 ? 10 * log10(after / before) : 0
    }

    /// BS.1770's K filter response at `hz`, dB.
    static func kWeightingDB(_ hz: Double) -> Double {
        let shelf = BiquadCoefficients(b0: 1.53512485958697, b1: -2.69169618940638, b2: 1.19839281085285,
                                       a1: -1.69065929318241, a2: 0.73248077421585)
        let highPass = BiquadCoefficients(b0: 1, b1: -2, b2: 1, a1: -1.99004745483398, a2: 0.99007225036621)
        return 20 * log10(shelf.magnitude(atFrequency: hz, sampleRate: 48000) * highPass.magnitude(atFrequency: hz, sampleRate: 48000))
    }

    /// The first fit's bells as moves, each with the band difference that asked for it, and the level put back.
    private mutating func describeTone(sampleRate: Double, hasSide: Bool) {
        let percent = Int((amount * 100).rounded())
        if abs(curve.gainDB) >= 0.1 {
            moves.append(AIMove(time: 0, name: "match.level", from: 0, to: curve.gainDB,
                                reason: String(format: "the match's bells %@ %.1f dB of this mix's loudness: %@ before the compressor, so it works at the level its threshold was set for",
                                               curve.gainDB > 0 ? "take" : "add", abs(curve.gainDB), curve.gainDB > 0 ? "put back" : "taken off")))
        }
        for band in 0..<MatchCurve.bandCount where abs(curve.mid[band]) >= 0.3 {
            let hz = MatchCurve.centresHz[band]
            moves.append(AIMove(time: 0, name: "match.mid.\(Self.label(hz))", from: 0, to: curve.mid[band],
                                reason: String(format: "%@ %@ %@ %@ than this master (mid); matching %d %%",
                                               target.label, target.verb("has", "have"), curve.mid[band] > 0 ? "more" : "less", Self.place(band), percent)))
        }
        if !hasSide {
            moves.append(AIMove(time: 0, name: "match.side", from: 0, to: 0,
                                reason: "the track is mono: there is no side to shape toward \(target.label)'s width"))
            return
        }
        if referenceIsMono {
            moves.append(AIMove(time: 0, name: "match.side", from: 0, to: 0,
                                reason: "\(target.label) \(target.verb("is", "are")) mono: the side takes the mid's bells, so the whole is matched and the width left as the AI set it"))
            return
        }
        for band in 0..<MatchCurve.bandCount where abs(curve.side[band]) >= 0.3 {
            let hz = MatchCurve.centresHz[band]
            moves.append(AIMove(time: 0, name: "match.side.\(Self.label(hz))", from: 0, to: curve.side[band],
                                reason: String(format: "%@ %@ %@ %@ (%@ side next to the mid); matching %d %%",
                                               target.label, target.verb("is", "are"), curve.side[band] > 0 ? "wider" : "narrower", Self.place(band),
                                               curve.side[band] > 0 ? "more" : "less", percent)))
        }
    }

    /// Where band `band` acts, for a move's reason: around a bell's centre, above the shelf's.
    static func place(_ band: Int) -> String {
        (MatchCurve.isShelf(band: band) ? "above " : "around ") + label(MatchCurve.centresHz[band], separator: " ")
    }

    /// "1.6kHz" in a move's name; "1.6 kHz", as prose writes it, in its reason.
    static func label(_ hz: Double, separator: String = "") -> String {
        hz >= 1000 ? String(format: "%.1f%@kHz", hz / 1000, separator) : String(format: "%.0f%@Hz", hz, separator)
    }

    /// `smoothingPasses` of a [¼ ½ ¼] kernel over the 1/3-octave bands (about two thirds of an octave);
    /// missing bands are left out of their neighbours' sums.
    static func smoothed(_ values: [Double?]) -> [Double?] {
        var current = values
        for _ in 0..<smoothingPasses {
            current = current.indices.map { index in
                guard current[index] != nil else { return nil }
                var sum = 0.0, weight = 0.0
                for (offset, w) in [(-1, 0.25), (0, 0.5), (1, 0.25)] {
                    let neighbour = index + offset
                    guard current.indices.contains(neighbour), let value = current[neighbour] else { continue }
                    sum += value * w; weight += w
                }
                return sum / weight
            }
        }
        return current
    }
}
