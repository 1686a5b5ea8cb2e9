import Analysis
@testable import AudioIO
import DemoSong
import Foundation
import MasteringAI
import MasteringDSP
import Rendering
import Testing
import TestSupport

/// Reference mastering by numbers: a darkened track comes out with the reference's tone
/// (loudness-normalized 1/3-octave distance under 1 dB), its loudness and a true peak under the
/// ceiling; several references average; amount 0 is the plain master bit for bit; references
/// of another rate or channel count work.
@Suite struct ReferenceMatchTests {
    /// The suite's folder, removed when the test process exits.
    static let scratch = try! ScratchFolder("reference", untilExit: true)
    static var folder: String { scratch.path }

    /// The first 24 s of the demo song (its calm section and the start of the powerful one).
    static let excerpt: [Float] = {
        var source = DemoSongSource()
        let frames = Int(24 * source.sampleRate)
        var samples = [Float](repeating: 0, count: frames * 2)
        var filled = 0
        samples.withUnsafeMutableBufferPointer { buffer in
            while filled < frames {
                let count = (try? source.read(into: UnsafeMutableBufferPointer(rebasing: buffer[(filled * 2)...]))) ?? 0
                if count == 0 { break }
                filled += count
            }
        }
        return samples
    }()

    /// `samples` through biquads (the same on both channels).
    static func filtered(_ samples: [Float], channels: Int, _ sections: [BiquadCoefficients]) -> [Float] {
        var output = samples
        for coefficients in sections {
            for channel in 0..<channels {
                var filter = Biquad()
                filter.setCoefficients(coefficients)
                var index = channel
                while index < output.count { output[index] = filter.process(output[index]); index += channels }
            }
        }
        return output
    }

    /// A darker mix: highs down 6 dB from 3 kHz, lows up 3 dB under 120 Hz, 4 dB quieter.
    static func darker(_ samples: [Float], sampleRate: Double = 44100) -> [Float] {
        filtered(samples, channels: 2, [.highShelf(sampleRate: sampleRate, frequency: 3000, gainDB: -6),
                                        .lowShelf(sampleRate: sampleRate, frequency: 120, gainDB: 3)]).map { $0 * 0.63 }
    }

    static func write(_ samples: [Float], channels: Int, sampleRate: Int = 44100, name: String) throws -> String {
        let path = folder + "/" + name
        let writer = try SoundFileWriter(path: path, sampleRate: sampleRate, channelCount: channels, encoding: .float32)
        try samples.withUnsafeBufferPointer { try writer.write($0) }
        try writer.commit()
        return path
    }

    static func master(_ input: String, reference: ReferenceTarget?, amount: Double = 1,
                       emotions: OfflineMaster.EmotionChoice = .whole(.calm, intensity: 0.5), to name: String) throws -> OfflineMaster.Result {
        try OfflineMaster().run(.init(openSource: { try SoundFileReader(path: input) }, inputName: input,
                                      outputPath: folder + "/" + name, emotions: emotions,
                                      reference: reference, matchAmount: amount))
    }

    /// A file's analysis (libebur128 loudness and true peak; mid/side tone).
    static func analysis(_ path: String) throws -> AnalysisReport {
        var reader = try SoundFileReader(path: path)
        return try Analyzer.analyze(&reader)
    }

    static func distance(_ a: AnalysisReport, _ b: AnalysisReport) throws -> Double {
        SpectralDistance.meanBandDifferenceDB(try #require(a.midSideTone), loudness: a.integratedLUFS,
                                              try #require(b.midSideTone), loudness: b.integratedLUFS)
    }

    @Test func aDarkerTrackComesOutWithinOneDecibelOfItsReference() throws {
        let referencePath = try Self.write(Self.excerpt, channels: 2, name: "reference.wav")
        let inputPath = try Self.write(Self.darker(Self.excerpt), channels: 2, name: "darker.wav")
        let reference = try Self.analysis(referencePath), input = try Self.analysis(inputPath)
        let before = try Self.distance(input, reference)
        #expect(before > 2, "the darker mix starts well away from the reference (\(before) dB)")

        let target = try ReferenceLearner.learn(path: referencePath)
        let result = try Self.master(inputPath, reference: target, to: "matched.wav")
        let output = try Self.analysis(Self.folder + "/matched.wav")
        let after = try Self.distance(output, reference)
        #expect(after < 1, "mean band distance to the reference: \(after) dB (it started at \(before) dB)")
        #expect(abs(output.integratedLUFS - reference.integratedLUFS) <= 0.3,
                "\(output.integratedLUFS) LUFS against the reference's \(reference.integratedLUFS)")
        #expect(output.truePeakDBTP <= -1, "true peak \(output.truePeakDBTP) dBTP over the -1 dBTP ceiling")
        // The match brightens the top and trims the bottom, each bell a move with its reason.
        let match = try #require(result.reference)
        let response = { (hz: Double) in match.curve.magnitudeDB(atFrequency: hz, sampleRate: 44100) }
        #expect(response(8000) - response(1000) > 3, "the highs come up: \(response(8000) - response(1000)) dB re 1 kHz")
        #expect(response(60) - response(1000) < -1.5, "the lows come down: \(response(60) - response(1000)) dB re 1 kHz")
        let bells = result.moves.filter { $0.parameter.hasPrefix("match.mid.") }
        #expect(bells.count >= 5)
        #expect(bells.allSatisfy { $0.reason.contains("reference.wav") && $0.reason.contains("matching 100 %") })
        #expect(result.moves.contains { $0.parameter == "loudness.target_lufs" && $0.reason.contains("reference") })
    }

    @Test func severalReferencesAverageBandByBand() throws {
        let bright = try Self.write(Self.filtered(Self.excerpt, channels: 2, [.highShelf(sampleRate: 44100, frequency: 4000, gainDB: 4)]),
                                    channels: 2, name: "bright.wav")
        let dark = try Self.write(Self.darker(Self.excerpt), channels: 2, name: "dark-ref.wav")
        let a = try ReferenceLearner.learn(path: bright), b = try ReferenceLearner.learn(path: dark)
        let both = try ReferenceLearner.learn(paths: [bright, dark])
        #expect(both.sources.map(\.name) == ["bright.wav", "dark-ref.wav"])
        #expect(abs(both.integratedLUFS - (a.integratedLUFS + b.integratedLUFS) / 2) < 1e-9)
        #expect(abs(both.crestDB - (a.crestDB + b.crestDB) / 2) < 1e-9)
        for band in both.bands.indices {
            let mid = try #require(both.bands[band].mid), side = try #require(both.bands[band].side)
            #expect(abs(mid - (a.bands[band].mid! + b.bands[band].mid!) / 2) < 1e-9)
            #expect(abs(side - (a.bands[band].side! + b.bands[band].side!) / 2) < 1e-9)
        }
        // The two differ where the filters differ, so the average really is between them.
        let high = ThirdOctaveBands.nominalCentresHz.firstIndex(of: 10000)!
        #expect(a.bands[high].mid! - b.bands[high].mid! > 6)
        // A band only some references have (a 32 kHz one ends at 16 kHz) averages over those.
        let narrow = ReferenceTarget(name: "n", durationSeconds: 10, sampleRate: 32000, channels: 1, integratedLUFS: -12,
                                     loudnessRangeLU: 4, tone: ToneMatchMeasurement(
                                        midDB: (0..<31).map { $0 < 28 ? -20 : nil }, sideDB: Array(repeating: nil, count: 31),
                                        blockCrestDB: 10, sideToMidDB: -.infinity))
        let mixed = ReferenceTarget.average([a, narrow])
        #expect(mixed.bands[30].mid == a.bands[30].mid, "20 kHz: only the 44.1 kHz reference has it")
        #expect(abs(mixed.bands[10].mid! - (a.bands[10].mid! + (-20 + 12)) / 2) < 1e-9)
        #expect(mixed.bands[10].side == a.bands[10].side, "the mono reference has no side to average")
    }

    @Test func matchAmountZeroIsThePlainMasterBitForBit() throws {
        let referencePath = try Self.write(Self.excerpt, channels: 2, name: "reference-0.wav")
        let inputPath = try Self.write(Self.darker(Self.excerpt), channels: 2, name: "darker-0.wav")
        let target = try ReferenceLearner.learn(path: referencePath)
        let plain = try Self.master(inputPath, reference: nil, to: "plain.wav")
        let zero = try Self.master(inputPath, reference: target, amount: 0, to: "zero.wav")
        let half = try Self.master(inputPath, reference: target, amount: 0.5, to: "half.wav")
        #expect(try sameBytes(Self.folder + "/plain.wav", Self.folder + "/zero.wav"), "--match-amount 0 writes the plain master")
        #expect(zero.moves == plain.moves)
        // Half way: loudness and tone land between the two.
        let reference = try Self.analysis(referencePath)
        let plainOut = try Self.analysis(Self.folder + "/plain.wav"), halfOut = try Self.analysis(Self.folder + "/half.wav")
        let expectedTarget = plain.targetLUFS + 0.5 * (target.integratedLUFS - plain.targetLUFS)
        #expect(abs(half.targetLUFS - expectedTarget) < 1e-9)
        let plainDistance = try Self.distance(plainOut, reference), halfDistance = try Self.distance(halfOut, reference)
        #expect(halfDistance < plainDistance - 0.5, "half the match: \(halfDistance) dB; none: \(plainDistance) dB")
        #expect(halfDistance > 0.25, "…but not the whole of it")
    }

    @Test func aReferenceWithANarrowerRangeDrawsTheSectionsTogether() throws {
        // The excerpt's calm section and its powerful one sit several LU apart; a reference with
        // half its loudness range (and its very tone) asks for them half as far apart.
        let inputPath = try Self.write(Self.excerpt, channels: 2, name: "arc-input.wav")
        let input = try Self.analysis(inputPath)
        var target = try ReferenceLearner.learn(path: inputPath)
        let graph = EmotionGraph(sections: [EmotionSection(start: 0, emotion: .calm, intensity: 0.5),
                                            EmotionSection(start: 16, emotion: .powerful, intensity: 0.5)])
        let unmatched = try Self.master(inputPath, reference: nil, emotions: .map(graph), to: "arc-unmatched.wav")
        // The same range: the arc as the plain master with the reference's loudness as its target.
        target.loudnessRangeLU = input.loudnessRangeLU
        let plain = try Self.master(inputPath, reference: target, emotions: .map(graph), to: "arc-plain.wav")
        target.loudnessRangeLU = input.loudnessRangeLU / 2
        let full = try Self.master(inputPath, reference: target, emotions: .map(graph), to: "arc-full.wav")
        let half = try Self.master(inputPath, reference: target, amount: 0.5, emotions: .map(graph), to: "arc-half.wav")
        let none = try Self.master(inputPath, reference: target, amount: 0, emotions: .map(graph), to: "arc-none.wav")
        func spread(_ result: OfflineMaster.Result) -> Double { result.sections[1].targetLUFS - result.sections[0].targetLUFS }
        // Fully matched, the emotions' nudges give way: `plain` is the song's own arc, and the
        // unmatched master's is that plus the nudges (here the input's contrast is larger than the
        // table's, so they close it a little).
        let nudges = spread(unmatched) - spread(plain)
        #expect(nudges < -0.1 && nudges >= -2 * OfflineMaster.maximumNudgeDB, "\(nudges) LU of nudges")
        #expect(spread(plain) > 3, "the song's own arc: \(spread(plain)) LU")
        #expect(abs(spread(full) - 0.5 * spread(plain)) < 1e-9, "\(spread(full)) LU against \(spread(plain)) LU")
        #expect(abs(spread(half) - 0.75 * (spread(plain) + 0.5 * nudges)) < 1e-9, "half the match: \(spread(half)) LU")
        #expect(spread(none) == spread(unmatched))
        // What is written follows: the sections' measured loudness is as far apart as aimed.
        let measured = full.sections[1].outputLUFS - full.sections[0].outputLUFS
        #expect(abs(measured - spread(full)) < 0.5, "measured \(measured) LU apart, aimed \(spread(full)) LU")
        let move = try #require(full.moves.last { $0.parameter == "loudness.target_lufs" && $0.time == 16 })
        #expect(move.reason.contains("drawn in 50 % toward the loudness range of the reference 'arc-input.wav'"), "\(move.reason)")
        // A reference with a wider range spreads them, within bounds.
        target.loudnessRangeLU = input.loudnessRangeLU * 3
        let wide = try Self.master(inputPath, reference: target, emotions: .map(graph), to: "arc-wide.wav")
        #expect(abs(spread(wide) - 1.5 * spread(plain)) < 1e-9, "at most half as far again: \(spread(wide)) LU")
        let nudgeMove = try #require(half.moves.last { $0.parameter == "loudness.target_lufs" && $0.time == 16 })
        #expect(nudgeMove.reason.contains("(50 % of powerful's -0.") && nudgeMove.reason.contains("dB: the rest is the reference's)"), "\(nudgeMove.reason)")
    }

    /// A tone pass records its front half (through the exciter, on the exciter's thread): the
    /// passes after the last refit only move gains and read it back, and the file is the same to
    /// the bit as when every pass runs the whole chain.
    @Test func passesAfterTheLastRefitReadTheFrontHalfBack() throws {
        // A brighter, quieter mix toward a darker, much louder (clipped) one, its sections found
        // and their emotions estimated: tone passes, then one that only corrects the sections' gains.
        let brighter = Self.filtered(Self.excerpt, channels: 2, [.highShelf(sampleRate: 44100, frequency: 5000, gainDB: 5)]).map { $0 * 0.5 }
        let louder = Self.darker(Self.excerpt).map { max(-0.99, min(0.99, $0 * 3)) }
        let referencePath = try Self.write(louder, channels: 2, name: "reference-replay.wav")
        let inputPath = try Self.write(brighter, channels: 2, name: "brighter-replay.wav")
        let target = try ReferenceLearner.learn(path: referencePath)
        var job = OfflineMaster.Job(openSource: { try SoundFileReader(path: inputPath) }, inputName: inputPath,
                                    outputPath: Self.folder + "/replayed.wav", emotions: .auto(intensity: nil),
                                    reference: target, matchAmount: 1)
        let cached = try OfflineMaster().run(job)
        job.outputPath = Self.folder + "/unreplayed.wav"
        job.reusesFrontHalf = false
        let uncached = try OfflineMaster().run(job)
        let match = try #require(cached.reference)
        print("passes \(cached.passes), tone passes \(match.iterations), front halves run \(cached.frontHalfRuns)")
        #expect(uncached.frontHalfRuns == uncached.passes)
        #expect(cached.passes == uncached.passes)
        #expect(cached.frontHalfRuns < cached.passes, "a gain-only pass after the last refit reads the front half back")
        #expect(try sameBytes(Self.folder + "/replayed.wav", Self.folder + "/unreplayed.wav"), "reading back changes nothing in the master")
    }

    /// Bells toward a much darker reference move the mix's loudness by several dB (relative to its
    /// loudness, such a reference has far more lows and mids than the mix); the compressor
    /// behind them was set for the mix's own level (its threshold a few dB above the mix's RMS),
    /// so the match takes that change back with a flat gain: measured by libebur128, the match EQ's
    /// output is as loud as its input.
    @Test func theMatchKeepsTheMixsLevelIntoTheCompressor() throws {
        let darkest = Self.filtered(Self.excerpt, channels: 2, [.highShelf(sampleRate: 44100, frequency: 1500, gainDB: -15)])
        let target = try ReferenceLearner.learn(path: try Self.write(darkest, channels: 2, name: "darkest.wav"))
        let inputPath = try Self.write(Self.excerpt, channels: 2, name: "level-input.wav")
        let input = try Self.analysis(inputPath)
        var match = ReferenceMatch(target: target, amount: 1)
        match.start(input: try #require(input.midSideTone), inputLoudness: input.integratedLUFS,
                    sections: [(ChainSettings(), input.durationSeconds)], sampleRate: 44100)

        func loudness(through curve: MatchCurve) throws -> Double {
            var eq = MatchEQ()
            eq.setCurve(curve)
            eq.prepare(ProcessSpec(sampleRate: 44100, maximumBlockFrames: 4096))
            let frames = Self.excerpt.count / 2
            var left = (0..<frames).map { Self.excerpt[2 * $0] }, right = (0..<frames).map { Self.excerpt[2 * $0 + 1] }
            left.withUnsafeMutableBufferPointer { l in
                right.withUnsafeMutableBufferPointer { r in
                    for start in stride(from: 0, to: frames, by: 4096) {
                        eq.process(StereoBlock(left: l.baseAddress! + start, right: r.baseAddress! + start, frameCount: min(4096, frames - start)))
                    }
                }
            }
            let meter = try LoudnessMeter(channelCount: 2, sampleRate: 44100, layout: [.left, .right], measures: .loudness)
            var interleaved = [Float](repeating: 0, count: 2 * frames)
            for frame in 0..<frames {
                interleaved[2 * frame] = left[frame]
                interleaved[2 * frame + 1] = right[frame]
            }
            try interleaved.withUnsafeBufferPointer { try meter.add($0) }
            return meter.integratedLUFS
        }
        var bellsAlone = match.curve
        bellsAlone.gainDB = 0
        let withoutGain = try loudness(through: bellsAlone) - input.integratedLUFS
        let withGain = try loudness(through: match.curve) - input.integratedLUFS
        #expect(abs(withoutGain) > 3, "the bells alone move the loudness by \(withoutGain) dB")
        #expect(abs(match.curve.gainDB + withoutGain) < 0.5, "flat gain \(match.curve.gainDB) dB for the bells' \(withoutGain) dB")
        #expect(abs(withGain) < 0.3, "through the whole match EQ: \(withGain) LU from the mix's loudness")
        let move = try #require(match.moves.first { $0.parameter == "match.level" })
        #expect(move.to == match.curve.gainDB && move.reason.contains("before the compressor"))
    }

    /// When the first pass already reaches the limiting budget, the loop used to stop there and
    /// write it, while the report showed the bells refitted and the compressor moved after it:
    /// settings the file was not made with. A measurement that changes the chain is now always
    /// followed by a pass that renders it.
    @Test func aPassHeldByTheLimiterStillRendersWhatItsMeasurementChanged() throws {
        // The calm section toward a much louder, clipped and darker one: the first pass already
        // limits as much as the budget allows, and its measurement moves the compressor and the bells.
        let frames = Int(16 * 44100)
        let calm = Array(Self.excerpt[0..<(2 * frames)])
        let dense = Self.filtered(Array(Self.excerpt[(2 * frames)...]), channels: 2, [.highShelf(sampleRate: 44100, frequency: 2000, gainDB: -4)])
            .map { max(-0.7, min(0.7, $0 * 3)) }
        let target = try ReferenceLearner.learn(path: try Self.write(dense, channels: 2, name: "dense.wav"))
        let inputPath = try Self.write(calm, channels: 2, name: "calm.wav")
        let result = try Self.master(inputPath, reference: target, emotions: .whole(.dreamy, intensity: 0.9), to: "held.wav")
        let match = try #require(result.reference)
        print("passes \(result.passes), front halves \(result.frontHalfRuns), tone passes \(match.iterations), threshold \(match.thresholdChangeDB) dB, limiting \(result.meanLimitingDB) dB")
        #expect(result.shortfall != nil, "the target is out of reach: \(result.output.integratedLUFS) LUFS for \(target.integratedLUFS)")
        #expect(match.thresholdChangeDB < -1, "the reference is denser: more compression")
        // The front half ran again after the compressor moved (a pass that only re-renders the
        // first one's automation reads its front half back), and the refitted bells were measured.
        #expect(result.frontHalfRuns >= 2, "the moved compressor and refitted bells were rendered")
        #expect(match.iterations >= 2)
    }

    @Test func referencesOfAnotherRateOrChannelCountWork() throws {
        // The reference as a 48 kHz mono file (its mid), the input a darker 44.1 kHz stereo mix.
        let mono = stride(from: 0, to: Self.excerpt.count, by: 2).map { (Self.excerpt[$0] + Self.excerpt[$0 + 1]) / 2 }
        let resampler = try Resampler(from: 44100, to: 48000, channelCount: 1)
        var mono48: [Float] = []
        try mono.withUnsafeBufferPointer { try resampler.process($0) { mono48 += $0 } }
        try resampler.flush { mono48 += $0 }
        let monoPath = try Self.write(mono48, channels: 1, sampleRate: 48000, name: "reference-48k-mono.wav")
        let stereoPath = try Self.write(Self.excerpt, channels: 2, name: "reference-stereo.wav")
        let monoTarget = try ReferenceLearner.learn(path: monoPath)
        let stereoTarget = try ReferenceLearner.learn(path: stereoPath)
        #expect(monoTarget.sources[0].sampleRate == 48000 && monoTarget.sources[0].channels == 1)
        #expect(monoTarget.bands.allSatisfy { $0.side == nil }, "a mono reference has no side")
        // Same music, so the same mid tone in every band with content, whatever the rate.
        // (Levels are relative to each file's loudness, and a mid-only file is quieter than the stereo one.)
        for band in 3..<30 {
            let here = try #require(monoTarget.bands[band].mid) + monoTarget.integratedLUFS
            let there = try #require(stereoTarget.bands[band].mid) + stereoTarget.integratedLUFS
            #expect(abs(here - there) < 0.5, "band \(ThirdOctaveBands.nominalCentresHz[band]) Hz: \(here) vs \(there) dB")
        }
        let darker = Self.darker(Self.excerpt)
        let inputPath = try Self.write(darker, channels: 2, name: "darker-rate.wav")
        let result = try Self.master(inputPath, reference: monoTarget, to: "from-mono.wav")
        let match = try #require(result.reference)
        // The stereo test's aim, 1 dB: the mono reference's band levels read 3 dB over any stereo
        // file's (the two channels' mean against the loudness of their sum), and only the mid was
        // matched: 3.0 dB, the side re the mid moved by 2.5 dB a band).
        #expect(match.distanceDB < 1 && match.distanceDB < match.inputDistanceDB - 1, "\(match.inputDistanceDB) → \(match.distanceDB) dB")
        #expect(abs(result.output.integratedLUFS - monoTarget.integratedLUFS) <= 0.3)
        // A mono file and the same sound in both channels of a stereo file have the same tone.
        let dualMonoPath = try Self.write(mono.flatMap { [$0, $0] }, channels: 2, name: "dual-mono.wav")
        let monoAt44 = try Self.write(mono, channels: 1, name: "mono-44k.wav")
        let sameSound = try Self.distance(try Self.analysis(dualMonoPath), try Self.analysis(monoAt44))
        #expect(sameSound < 0.05, "\(sameSound) dB between a mono file and its dual-mono copy")
        // A mono reference has no image: the side takes the mid's bells, so the whole is matched
        // and the width is the AI's (the side was left unshaped, its own tone in what is heard).
        #expect((0..<MatchCurve.bandCount).allSatisfy { match.curve.side[$0] == match.curve.mid[$0] }, "\(match.curve)")
        #expect(result.moves.contains { $0.parameter == "match.side" && $0.reason.contains("is mono: the side takes the mid's bells") })
        let fromMono = try Self.analysis(Self.folder + "/from-mono.wav")
        let plain = try Self.master(inputPath, reference: nil, to: "plain-rate.wav").output
        // Band by band, side next to mid as in the master made without the reference.
        let matchedTone = try #require(fromMono.midSideTone), plainTone = try #require(plain.midSideTone)
        var widthChanges: [Double] = []
        for band in 3..<29 {
            guard let mid = matchedTone.midDB[band], let side = matchedTone.sideDB[band],
                  let plainMid = plainTone.midDB[band], let plainSide = plainTone.sideDB[band], plainSide - plainMid > -30 else { continue }
            widthChanges.append(abs((side - mid) - (plainSide - plainMid)))
        }
        let meanWidthChange = widthChanges.reduce(0, +) / Double(max(widthChanges.count, 1))
        print("mono reference: width change per band \(meanWidthChange) dB over \(widthChanges.count) bands; broadband \(fromMono.stereo.width) vs \(plain.stereo.width); distance \(match.inputDistanceDB) -> \(match.distanceDB)")
        #expect(widthChanges.count >= 10 && meanWidthChange < 0.5, "side re mid moved by \(meanWidthChange) dB a band")

        // And a mono input matched to a stereo reference: the tone is matched, the width cannot be.
        let monoInput = try Self.write(stride(from: 0, to: darker.count, by: 2).map { darker[$0] },
                                       channels: 1, name: "darker-mono.wav")
        let monoResult = try Self.master(monoInput, reference: stereoTarget, to: "mono-out.wav")
        #expect(monoResult.output.channelCount == 1)
        #expect(monoResult.moves.contains { $0.parameter == "match.side" && $0.reason.contains("mono") })
        let monoMatch = try #require(monoResult.reference)
        // Its mid aims at the reference's whole (mid and side), which is what is heard of it:
        // toward the reference's mid alone it came out at 0.72 dB.
        #expect(monoMatch.distanceDB < 0.5 && monoMatch.distanceDB < monoMatch.inputDistanceDB,
                "\(monoMatch.inputDistanceDB) → \(monoMatch.distanceDB) dB")
    }
}
