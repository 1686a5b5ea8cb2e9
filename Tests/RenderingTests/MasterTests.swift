import Analysis
import AudioIO
import DemoSong
import Foundation
import MasteringAI
import MasteringDSP
import Rendering
import Testing
import TestSupport

/// The demo song mastered for every emotion and every platform: loudness within ±0.2 LU of the
/// target (or an honest shortfall), true peak never above the ceiling, measured by libebur128.
@Suite struct MasterTests {
    /// The suite's folder, removed when the test process exits.
    static let scratch = try! ScratchFolder("master", untilExit: true)
    static var folder: String { scratch.path }

    static func master(_ emotions: OfflineMaster.EmotionChoice, target: Double? = nil, ceiling: Double = -1,
                       to name: String) throws -> OfflineMaster.Result {
        try OfflineMaster().run(.init(openSource: { DemoSongSource() }, inputName: "demo", outputPath: folder + "/" + name,
                                      emotions: emotions, targetLUFS: target, ceilingDBTP: ceiling))
    }

    /// The written file's true peak measured by libebur128 itself (the master's own analysis
    /// uses the limiter's interpolator; this keeps the ceiling check independent of it).
    static func libebur128TruePeakDBTP(_ name: String) throws -> Double {
        let reader = try SoundFileReader(path: folder + "/" + name)
        let channels = reader.channelCount
        let meter = try TruePeakMeter(channelCount: channels, sampleRate: reader.sampleRate,
                                      layout: SpeakerPosition.defaultLayout(channelCount: channels), method: .libebur128)
        var buffer = [Float](repeating: 0, count: 4096 * channels)
        while true {
            let frames = try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0) }
            if frames == 0 { break }
            try buffer.withUnsafeBufferPointer {
                try meter.add(preRoll: UnsafeBufferPointer(start: nil, count: 0), block: UnsafeBufferPointer(rebasing: $0[..<(frames * channels)]))
            }
        }
        return 20 * log10(meter.peaks.max() ?? 0)
    }

    /// Every interleaved sample of a file in the suite's folder.
    static func samples(inFile name: String) throws -> [Float] {
        let reader = try SoundFileReader(path: folder + "/" + name)
        var all: [Float] = [], buffer = [Float](repeating: 0, count: 8192 * reader.channelCount)
        while true {
            let frames = try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0) }
            if frames == 0 { return all }
            all += buffer[0..<(frames * reader.channelCount)]
        }
    }

    static func check(_ result: OfflineMaster.Result, _ label: String, file: String) throws {
        let measured = try libebur128TruePeakDBTP(file)
        #expect(measured <= result.ceilingDBTP, "\(label): libebur128 reads \(measured) dBTP over \(result.ceilingDBTP)")
        #expect(abs(measured - result.output.truePeakDBTP) < 0.001, "\(label): \(measured) vs \(result.output.truePeakDBTP) dBTP")
        check(result, label)
    }

    static func check(_ result: OfflineMaster.Result, _ label: String) {
        let target = result.targetLUFS, ceiling = result.ceilingDBTP
        if result.shortfall == nil {
            #expect(abs(result.output.integratedLUFS - target) <= OfflineMaster.toleranceLU,
                    "\(label): \(result.output.integratedLUFS) LUFS for a \(target) LUFS target")
        } else {
            #expect(result.output.integratedLUFS < target, "\(label): a shortfall is only reported when short")
        }
        #expect(result.output.truePeakDBTP <= ceiling, "\(label): \(result.output.truePeakDBTP) dBTP over \(ceiling)")
    }

    @Test(arguments: Emotion.allCases)
    func everyEmotionLandsOnItsTarget(emotion: Emotion) throws {
        let result = try Self.master(.whole(emotion, intensity: 0.7), to: "\(emotion).wav")
        #expect(abs(result.targetLUFS - (emotion.targetLUFS + 0.4)) < 1e-9, "more intensity, louder")
        try Self.check(result, emotion.rawValue, file: "\(emotion).wav")
    }

    @Test(arguments: Platform.allCases)
    func everyPlatformLandsOnItsTarget(platform: Platform) throws {
        let result = try Self.master(.whole(.bright, intensity: nil), target: platform.targetLUFS,
                                     ceiling: platform.ceilingDBTP, to: "\(platform).flac")
        #expect(result.targetLUFS == platform.targetLUFS)
        try Self.check(result, platform.rawValue, file: "\(platform).flac")
    }

    /// A powerful master (-8 LUFS) in each lossy format, with the bit rate each is encoded at
    /// (kbit/s, at least): delivery quality, not libsndfile's default (about 150, 111, 121 on the demo).
    @Test(arguments: [(AudioFileFormat.mp3, 315.0), (.ogg, 180), (.opus, 220)])
    func lossyOutputIsCheckedAfterDecoding(format: AudioFileFormat, leastKbps: Double) throws {
        let name = "powerful.\(format.rawValue)"
        let result = try Self.master(.whole(.powerful, intensity: nil), to: name)
        try Self.check(result, format.rawValue, file: name)
        // The analysis was made on the decoded file: it must agree with a fresh read.
        var reader = try SoundFileReader(path: Self.folder + "/" + name)
        let decoded = try Analyzer.analyze(&reader)
        #expect(decoded.truePeakDBTP <= -1)
        #expect(abs(decoded.integratedLUFS - result.output.integratedLUFS) < 1e-9)
        let bytes = try #require(try FileManager.default.attributesOfItem(atPath: Self.folder + "/" + name)[.size] as? Int)
        let kbps = Double(bytes) * 8 / decoded.durationSeconds / 1000
        #expect(kbps >= leastKbps, "\(format): \(kbps) kbit/s")
        // The encoder's overshoot costs some loudness (the limiter works under the ceiling to make
        // room for it), but at delivery quality not much: at the default it cost 1.8 to 3.4 LU.
        #expect(result.limiterCeilingDBTP < result.ceilingDBTP)
        #expect(result.output.integratedLUFS >= result.targetLUFS - 1.5, "\(format): \(result.output.integratedLUFS) LUFS")
        if let shortfall = result.shortfall {
            #expect(shortfall.contains(String(format: "(the limiter at %.1f dBTP, leaving room for the %@ encoder's overshoot)",
                                              result.limiterCeilingDBTP, format.rawValue.uppercased())), "\(shortfall)")
        }
    }

    @Test func anImpossibleTargetIsReportedNotForced() throws {
        // −3 LUFS under −1 dBTP would need brutal limiting: the loop stops and says so.
        let result = try Self.master(.whole(.calm, intensity: nil), target: -3, to: "impossible.wav")
        let shortfall = try #require(result.shortfall)
        #expect(shortfall.contains("cannot reach -3.0 LUFS"), "\(shortfall)")
        #expect(result.output.truePeakDBTP <= -1)
        #expect(result.meanLimitingDB >= OfflineMaster.maximumMeanLimitingDB)
        // …and stops there: what is written is not crushed far past the budget.
        #expect(result.meanLimitingDB <= OfflineMaster.maximumMeanLimitingDB + OfflineMaster.limitingOvershootDB,
                "\(result.meanLimitingDB) dB of average limiting")
    }
}

extension MasterTests {
    /// One emotion for the whole song is decided from the input's report alone, so `master`
    /// does not measure the feature track for it (a third of the input analysis); a plan that
    /// may be given another graph later (the console's), an emotion map or auto still do.
    @Test func oneEmotionForTheWholeSongIsPlannedWithoutTheFeatureTrack() throws {
        var job = OfflineMaster.Job(openSource: { DemoSongSource() }, inputName: "demo", outputPath: Self.folder + "/lean.wav",
                                    emotions: .whole(.powerful, intensity: 0.7))
        let master = OfflineMaster()
        let lean = try master.plan(job, replannable: false), full = try master.plan(job)
        #expect(lean.input.features == nil && full.input.features != nil)
        #expect(lean.moves == full.moves && lean.targetLUFS == full.targetLUFS)
        let leanStart = lean.automation(ceilingDBTP: -1, transitionSeconds: 2).value(at: 0)
        let fullStart = full.automation(ceilingDBTP: -1, transitionSeconds: 2).value(at: 0)
        #expect(leanStart.settings == fullStart.settings && leanStart.gainDB == fullStart.gainDB)
        job.emotions = .auto(intensity: nil)
        #expect(try master.plan(job, replannable: false).input.features != nil)
    }

    /// The progress bar moves while the input is analysed, its first tenth: it sat at nothing until
    /// the analysis was done (seconds on a 60-minute mix, and the console's start was a blank
    /// terminal until then).
    @Test func theProgressMovesWhileTheInputIsAnalysed() throws {
        final class Fractions { var seen: [Double] = [] }
        let fractions = Fractions()
        var master = OfflineMaster()
        master.progress = { fractions.seen.append($0) }
        _ = try master.plan(.init(openSource: { DemoSongSource() }, inputName: "demo", outputPath: Self.folder + "/progress.wav",
                                  emotions: .auto(intensity: nil)))
        let during = fractions.seen.filter { $0 > 0 && $0 < OfflineMaster.analysisShare }
        #expect(during.count >= 5, "\(fractions.seen)")
        #expect(fractions.seen.last == OfflineMaster.analysisShare && fractions.seen == fractions.seen.sorted(), "\(fractions.seen)")
    }

    /// `master` renders each pass on three threads (the chain's front and back halves on two
    /// chains, then measuring and writing). Its file must hold exactly what one chain on one
    /// thread makes from the same automation: the settled plan's, with the same 256-frame grid.
    @Test func thePipelinedMasterIsExactlyOneChainOnOneThread() throws {
        let name = "pipelined.wav"
        let job = OfflineMaster.Job(openSource: { DemoSongSource() }, inputName: "demo", outputPath: Self.folder + "/" + name,
                                    encoding: .float32)
        _ = try OfflineMaster().run(job)
        let master = OfflineMaster()
        var plan = try master.plan(job)
        try master.settle(&plan, job: job)
        let automation = plan.automation(ceilingDBTP: job.ceilingDBTP, transitionSeconds: job.transitionSeconds)

        // One chain, one thread, the whole song in memory.
        var song = ChainTestsSupport.read(DemoSongSource())
        var chain = MasteringChain()
        let start = automation.value(at: 0)
        chain.apply(start.settings)
        chain.setMatchCurve(automation.match)
        chain.prepare(ProcessSpec(sampleRate: 44100, maximumBlockFrames: 256), bitDepth: 0)
        chain.setLoudnessGain(start.gainDB)
        chain.snapToSettings()
        let latency = chain.latencyFrames
        song.left += [Float](repeating: 0, count: latency)
        song.right += [Float](repeating: 0, count: latency)
        var applied = start
        song.left.withUnsafeMutableBufferPointer { left in
            song.right.withUnsafeMutableBufferPointer { right in
                var frame = 0
                while frame < left.count {
                    let value = automation.value(at: frame)
                    if value.settings != applied.settings { chain.apply(value.settings) }
                    if value.gainDB != applied.gainDB { chain.setLoudnessGain(value.gainDB) }
                    applied = value
                    let piece = min(256, left.count - frame)
                    chain.process(StereoBlock(left: left.baseAddress! + frame, right: right.baseAddress! + frame, frameCount: piece))
                    frame += piece
                }
            }
        }
        let reader = try SoundFileReader(path: Self.folder + "/" + name)
        var written = [Float](repeating: 0, count: Int(reader.frameCount!) * 2)
        _ = try written.withUnsafeMutableBufferPointer { try reader.read(into: $0) }
        let expectedFrames = song.left.count - latency
        #expect(written.count == expectedFrames * 2)
        var differing = 0
        for index in 0..<min(expectedFrames, written.count / 2)
        where written[2 * index] != song.left[latency + index] || written[2 * index + 1] != song.right[latency + index] {
            differing += 1
        }
        #expect(differing == 0, "\(differing) frames differ")
    }
}

/// The demo song as two channel arrays.
enum ChainTestsSupport {
    static func read(_ source: DemoSongSource) -> (left: [Float], right: [Float]) {
        var left: [Float] = [], right: [Float] = []
        var buffer = [Float](repeating: 0, count: 8192)
        while let frames = try? buffer.withUnsafeMutableBufferPointer({ try source.read(into: $0) }), frames > 0 {
            for index in 0..<frames { left.append(buffer[2 * index]); right.append(buffer[2 * index + 1]) }
        }
        return (left, right)
    }
}

extension MasterTests {
    /// The first pass's probe (every gain 1.5 dB higher, measured beside the master) gives the
    /// first correction the slope the limiter allows: the demo, powerful (about 1.2 LU short after
    /// the first pass, where a slope of 1 left 0.3 LU and needed a third pass), closes in two.
    ///
    /// The second pass only moves gains, which act after the front half: it reads the first pass's
    /// front half back instead of running it, and the file is the same to the bit as when every
    /// pass runs the whole chain. The cache leaves nothing in the output's folder.
    @Test func theProbeClosesTheLoopInTwoPassesAndTheSecondReusesTheFrontHalf() throws {
        let result = try Self.master(.whole(.powerful, intensity: nil), to: "probe.wav")
        #expect(result.passes == 2, "\(result.passes) passes")
        #expect(abs(result.output.integratedLUFS - result.targetLUFS) <= OfflineMaster.toleranceLU)
        #expect(result.frontHalfRuns == 1)

        var job = OfflineMaster.Job(openSource: { DemoSongSource() }, inputName: "demo", outputPath: Self.folder + "/probe-uncached.wav",
                                    emotions: .whole(.powerful, intensity: nil))
        job.reusesFrontHalf = false
        let uncached = try OfflineMaster().run(job)
        #expect(uncached.frontHalfRuns == uncached.passes)
        #expect(try sameBytes(Self.folder + "/probe.wav", Self.folder + "/probe-uncached.wav"), "the cache changes nothing in the master")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasPrefix(".loopmind-front") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// The written file is analysed as it is written, in the last pass, not read back afterwards:
    /// the report must be the read-back file's, also for 16-bit output (dither, then the file's
    /// quantiser) and for a master whose first pass (never written) was already on target.
    @Test(arguments: [(Emotion.powerful, "written-16.wav", SampleEncoding.pcm16), (.dreamy, "written-24.wav", .pcm24)])
    func theReportIsTheWrittenFilesAnalysis(emotion: Emotion, name: String, encoding: SampleEncoding) throws {
        let job = OfflineMaster.Job(openSource: { DemoSongSource() }, inputName: "demo", outputPath: Self.folder + "/" + name,
                                    emotions: .whole(emotion, intensity: nil), encoding: encoding)
        let result = try OfflineMaster().run(job)
        #expect(result.passes >= 2, "the first pass writes nothing")
        var reader = try SoundFileReader(path: Self.folder + "/" + name)
        let file = try Analyzer.analyze(&reader)
        let reported = result.output
        let levels: [(String, Double, Double)] = [
            ("integrated", reported.integratedLUFS, file.integratedLUFS), ("range", reported.loudnessRangeLU, file.loudnessRangeLU),
            ("momentary max", reported.momentaryMaxLUFS, file.momentaryMaxLUFS), ("short-term max", reported.shortTermMaxLUFS, file.shortTermMaxLUFS),
            ("true peak", reported.truePeakDBTP, file.truePeakDBTP), ("sample peak", reported.samplePeakDBFS, file.samplePeakDBFS),
            ("rms", reported.rmsDBFS, file.rmsDBFS), ("crest", reported.crestFactorDB, file.crestFactorDB),
            ("correlation", reported.stereo.correlation, file.stereo.correlation), ("width", reported.stereo.width, file.stereo.width),
        ] + zip(reported.toneCurve, file.toneCurve).map { ("\($0.hz) Hz", $0.db, $1.db) }
        for (label, ours, theirs) in levels {
            #expect(ours == theirs || abs(ours - theirs) < 0.001, "\(name) \(label): reported \(ours), the file \(theirs)")
        }
        #expect(abs(reported.spectralCentroidHz - file.spectralCentroidHz) < 0.01)
        #expect(reported.durationSeconds == file.durationSeconds)
        // What the loop measured is what the file holds.
        #expect(abs(result.sections[0].outputLUFS - file.integratedLUFS) < 0.01)
    }
}

/// Mixes far from usual: a quiet recording, a floating-point bounce over full scale, an offset.
extension MasterTests {
    /// The demo song `decibels` louder or quieter, as a floating-point file would hold it, and
    /// with `offset` added to both channels, as a faulty converter or a bad edit leaves it.
    final class ScaledDemo: AudioSource {
        let song = DemoSongSource()
        let gain: Float, offset: Float
        init(decibels: Double, offset: Float = 0) { gain = Float(pow(10, decibels / 20)); self.offset = offset }
        var sampleRate: Double { song.sampleRate }
        var channelCount: Int { song.channelCount }
        var frameCount: Int? { song.frameCount }
        var channelLayout: [SpeakerPosition]? { nil }
        func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
            let frames = try song.read(into: buffer)
            for index in 0..<(frames * 2) { buffer[index] = buffer[index] * gain + offset }
            return frames
        }
    }

    /// A song with a second of digital silence before it and two after is mastered to 16- and
    /// 24-bit files whose silence is zeros (its first second, and its last, once the chain's
    /// tails have died away), and whose sound is neither higher nor lower than the float master
    /// by more than dither: the 16-bit file minus the 32-bit float one averages 0 LSB with an RMS
    /// of ½ LSB (TPDF dither's LSB²/6 plus rounding's LSB²/12). Before, the silence was dither
    /// (and runs of −1 LSB), and libsndfile's conversion floored every sample: −0.5 LSB on average.
    @Test func silenceStaysDigitalSilenceAndSamplesRoundToTheNearestCode() throws {
        let rate = 44100
        let tone = TestSignals.sine(frequency: 997, levelDBFS: -12, seconds: 8, sampleRate: Double(rate), channels: 2)
        let samples = [Float](repeating: 0, count: 2 * rate) + tone + [Float](repeating: 0, count: 4 * rate)
        func master(_ name: String, _ encoding: SampleEncoding) throws -> [Float] {
            let job = OfflineMaster.Job(openSource: { TestSignals.source(samples, channels: 2, sampleRate: Double(rate)) }, inputName: "tone",
                                        outputPath: Self.folder + "/" + name, emotions: .whole(.calm, intensity: nil), encoding: encoding)
            _ = try OfflineMaster().run(job)
            return try Self.samples(inFile: name)
        }
        let float = try master("silent-ends-32f.wav", .float32)
        for (name, encoding) in [("silent-ends-16.wav", SampleEncoding.pcm16), ("silent-ends-24.flac", .pcm24)] {
            let written = try master(name, encoding)
            try #require(written.count == samples.count)
            let head = written[0..<(2 * rate)], tail = written[(written.count - 2 * rate)...]
            #expect(head.allSatisfy { $0 == 0 }, "\(name): \(head.filter { $0 != 0 }.count) samples of the silent first second are not 0")
            #expect(tail.allSatisfy { $0 == 0 }, "\(name): \(tail.filter { $0 != 0 }.count) samples of the silent last second are not 0")
            guard encoding == .pcm16 else { continue }
            let lsb = 1.0 / 32768
            let sound = (2 * rate)..<(10 * rate)
            let differences = zip(written[sound], float[sound]).map { Double($0) - Double($1) }
            let mean = differences.reduce(0, +) / Double(differences.count) / lsb
            let rms = (differences.reduce(0) { $0 + $1 * $1 } / Double(differences.count)).squareRoot() / lsb
            #expect(abs(mean) < 0.05, "\(name) minus the float master averages \(mean) LSB")
            #expect(abs(rms - 0.5) < 0.05, "\(name) minus the float master: RMS \(rms) LSB, dither and rounding give 0.5")
        }
    }

    static func master(demoAt decibels: Double, target: Double? = nil, to name: String) throws -> OfflineMaster.Result {
        try OfflineMaster().run(.init(openSource: { ScaledDemo(decibels: decibels) }, inputName: "demo", outputPath: folder + "/" + name,
                                      emotions: .whole(.calm, intensity: nil), targetLUFS: target, ceilingDBTP: -1))
    }

    /// A mix offset by 0.1 (−20 dBFS) is mastered as the same mix without it: the offset is not
    /// in the output, and it costs no limiting. Before the chain's DC blocker, the loudness gain
    /// scaled it to 0.22 in the written file, and the limiter, counting it in every peak, needed
    /// 3.4 dB of average limiting (0.1 dB without) and fell short of the target. The compressor's
    /// threshold is set as for the clean mix.
    /// One emotion (the whole mix's RMS decides) and auto (each section's RMS decides).
    @Test(arguments: [false, true])
    func anOffsetIsTakenOutBeforeTheChainActsOnIt(auto: Bool) throws {
        func master(offset: Float, to name: String) throws -> OfflineMaster.Result {
            try OfflineMaster().run(.init(openSource: { ScaledDemo(decibels: 0, offset: offset) }, inputName: "demo", outputPath: Self.folder + "/" + name,
                                          emotions: auto ? .auto(intensity: nil) : .whole(.powerful, intensity: nil), targetLUFS: nil, ceilingDBTP: -1))
        }
        let suffix = auto ? "-auto" : ""
        let clean = try master(offset: 0, to: "clean\(suffix).wav")
        let offset = try master(offset: 0.1, to: "offset\(suffix).wav")
        try Self.check(offset, "offset by 0.1", file: "offset\(suffix).wav")
        #expect(offset.shortfall == nil, "\(offset.shortfall ?? "")")
        #expect(abs(offset.meanLimitingDB - clean.meanLimitingDB) < 0.3,
                "\(offset.meanLimitingDB) dB of limiting against \(clean.meanLimitingDB) dB without the offset")
        // The compressor meets the mix without its offset, and its threshold is set from that
        // mix's (or section's) RMS. With the offset in it, the whole's threshold was 1.1 dB high,
        // and auto's sections' 0.7 to 2.6 dB (the quiet intro).
        #expect(offset.sections.map(\.emotion) == clean.sections.map(\.emotion))
        #expect(offset.sections.count == (auto ? 5 : 1), "\(offset.sections.count) sections")
        for (section, (withOffset, without)) in zip(offset.sections, clean.sections).enumerated() {
            let threshold = (withOffset.decision.settings[.compThreshold], without.decision.settings[.compThreshold])
            #expect(abs(threshold.0 - threshold.1) < 0.05, "section \(section + 1): threshold \(threshold.0) dB, \(threshold.1) dB without the offset")
        }
        // The written file's mean, each channel: what is left of the offset.
        let written = try Self.samples(inFile: "offset\(suffix).wav")
        let frames = written.count / 2
        let sums = [stride(from: 0, to: written.count, by: 2), stride(from: 1, to: written.count, by: 2)]
            .map { $0.reduce(0.0) { $0 + Double(written[$1]) } }
        for mean in sums.map({ $0 / Double(frames) }) {
            #expect(abs(mean) < 0.001, "the output's offset is \(mean)")
        }
    }

    /// The demo at −48 dB (about −62 LUFS) needs ~48 dB to reach −14: more than the loudness
    /// gain is asked for. The trim stages it, and the compressor's threshold follows the trim.
    @Test func aMixFarUnderItsTargetIsStagedByTheTrim() throws {
        let usual = try Self.master(demoAt: 0, to: "usual.wav")
        let quiet = try Self.master(demoAt: -48, to: "quiet.wav")
        try Self.check(quiet, "48 dB down", file: "quiet.wav")
        #expect(quiet.shortfall == nil, "\(quiet.shortfall ?? "")")
        let trim = try #require(quiet.moves.first { $0.parameter == ChainParameter.inputTrim.spec.name })
        let distance = quiet.targetLUFS - quiet.input.integratedLUFS
        #expect(abs(trim.to - (distance - MasterModel.loudnessGainReachDB)) < 1e-9, "\(trim.to) dB for \(distance) dB")
        #expect(trim.reason.contains("under the -14.0 LUFS aimed at"), "\(trim.reason)")
        // The threshold sits where it would for the mix 30 dB under the target: the usual one, moved by the difference.
        let threshold = { (result: OfflineMaster.Result) in result.sections[0].decision.settings[.compThreshold] }
        let expected = threshold(usual) + (quiet.input.integratedLUFS + trim.to) - usual.input.integratedLUFS
        #expect(abs(threshold(quiet) - expected) < 0.05, "\(threshold(quiet)) dB against \(expected)")
        #expect(!usual.moves.contains { $0.parameter == ChainParameter.inputTrim.spec.name }, "a usual mix is not trimmed")
    }

    /// The demo 30 dB over (a float bounce at about +16 LUFS, its RMS over 0 dBFS where no
    /// threshold reaches) and 70 dB over (about +56 LUFS, as an integer file's samples stored as
    /// floats would sit) are trimmed down to their target, land on it and stay under the ceiling,
    /// their compressor threshold where it would be for the same mix delivered at that level.
    /// The trim stopped at −24 dB: at 70 dB over, the threshold was pinned at 0 dBFS.
    @Test(arguments: [30.0, 70.0])
    func aFloatMixOverFullScaleIsStagedDown(decibels: Double) throws {
        let usual = try Self.master(demoAt: 0, to: "usual-\(Int(decibels)).wav")
        let hot = try Self.master(demoAt: decibels, to: "hot-\(Int(decibels)).wav")
        try Self.check(hot, "\(decibels) dB over", file: "hot-\(Int(decibels)).wav")
        #expect(hot.shortfall == nil, "\(hot.shortfall ?? "")")
        let trim = hot.sections[0].decision.settings[.inputTrim]
        #expect(abs(trim - (hot.targetLUFS - hot.input.integratedLUFS)) < 1e-9, "\(trim) dB for a mix at \(hot.input.integratedLUFS) LUFS")
        let threshold = { (result: OfflineMaster.Result) in result.sections[0].decision.settings[.compThreshold] }
        let expected = threshold(usual) + (hot.input.integratedLUFS + trim) - usual.input.integratedLUFS
        #expect(threshold(hot) < 0 && abs(threshold(hot) - expected) < 0.05, "\(threshold(hot)) dB against \(expected)")
    }

    /// A mix the trim cannot bring down to a usual level is refused with the reason, before any
    /// pass; it was mastered through a compressor pinned at 0 dBFS and reported as "cannot
    /// reach" a target it was over.
    @Test func aMixPastTheTrimsReachIsRefused() throws {
        #expect(MasterModel.canStage(inputLUFS: -MasterModel.stagingFloorDB))
        #expect(!MasterModel.canStage(inputLUFS: -MasterModel.stagingFloorDB + 0.1))
        #expect {
            try Self.master(demoAt: 110, to: "past-reach.wav")
        } throws: { error in
            "\(error)".contains("further over full scale than the input trim's 96 dB can bring it")
        }
        #expect(!FileManager.default.fileExists(atPath: Self.folder + "/past-reach.wav"))
    }
}

/// A section the limiter holds: its gain goes to the limiter, not to its loudness.
extension MasterTests {
    /// Noise, then clicks over a whisper of noise (peaks far over their loudness), then noise:
    /// 10 s each, stereo, in memory.
    final class ClicksBetweenNoise: AudioSource {
        let samples: [Float]
        var position = 0
        init() {
            let rate = 44100, seconds = 10
            var noise = TestSignals.Noise(seed: 3)
            func noisy(_ level: Float) -> [Float] { (0..<(rate * seconds * 2)).map { _ in level * Float(noise.next()) } }
            var clicks = noisy(0.005)
            for frame in stride(from: 0, to: rate * seconds, by: rate / 10) {
                for offset in 0..<3 { clicks[(frame + offset) * 2] += 0.6; clicks[(frame + offset) * 2 + 1] += 0.6 }
            }
            samples = noisy(0.12) + clicks + noisy(0.12)
        }
        var sampleRate: Double { 44100 }
        var channelCount: Int { 2 }
        var frameCount: Int? { samples.count / 2 }
        var channelLayout: [SpeakerPosition]? { nil }
        func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
            let count = min(buffer.count, samples.count - position)
            for index in 0..<count { buffer[index] = samples[position + index] }
            position += count
            return count / 2
        }
    }

    /// The clicks cannot get louder without the limiter taking it all (their loudness followed
    /// their gain by under 0.2 dB per dB). The loop pushed them by five times their error all
    /// the same: their gain went 11 dB past the noise's, the limiting budget was spent there, and
    /// after five passes the whole stopped 0.25 LU short of -8 LUFS with 3.3 dB of limiting. Now
    /// a held section stays where it is and the others carry the whole: on target in two
    /// passes, with 1.5 dB of limiting.
    @Test func aSectionTheLimiterHoldsIsNotPushedAndTheOthersCarryTheWhole() throws {
        let graph = EmotionGraph(sections: [EmotionSection(start: 0, emotion: .powerful, intensity: 0.5),
                                            EmotionSection(start: 10, emotion: .calm, intensity: 0.5),
                                            EmotionSection(start: 20, emotion: .powerful, intensity: 0.5)])
        let result = try OfflineMaster().run(.init(openSource: { ClicksBetweenNoise() }, inputName: "clicks", outputPath: Self.folder + "/held.wav",
                                                   emotions: .map(graph), targetLUFS: -8, ceilingDBTP: -1))
        try Self.check(result, "clicks between noise", file: "held.wav")
        #expect(result.shortfall == nil, "\(result.shortfall ?? "")")
        #expect(result.meanLimitingDB < OfflineMaster.maximumMeanLimitingDB, "\(result.meanLimitingDB) dB of limiting")
        let gains = result.sections.map(\.gainDB)
        #expect(gains[1] < min(gains[0], gains[2]) + 1, "the clicks' gain \(gains[1]) dB against the noise's \(gains[0]), \(gains[2])")
        #expect(result.sections[1].outputLUFS < result.sections[1].targetLUFS - 3, "the clicks are held far under their aim")
    }
}
