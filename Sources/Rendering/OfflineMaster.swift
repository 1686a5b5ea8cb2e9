import Analysis
import AudioIO
import Foundation
import MasteringAI
import MasteringDSP

/// Renders a master offline: analysis → emotion graph → AI decisions per section → chain
/// passes in a closed loudness loop → the file, written atomically, and its measured analysis.
///
/// The graph: given (`--emotion-map`), one emotion for the whole track, or estimated (`auto`).
/// Each section gets its own settings from the AI master model, measured on that section;
/// `ChainAutomation` crossfades them over the transition at each boundary.
///
/// Loudness: the whole master aims at one integrated target (the request's, or the
/// duration-weighted energy mean of the sections' emotion targets). Each section keeps the
/// song's own loudness relative to the whole, nudged toward its emotion's place in the table
/// by at most `maximumNudgeDB` (so no boundary step grows by more than about 1 LU). The loop:
/// each pass renders the whole chain (limiter included), measures the output's integrated
/// loudness and each section's with libebur128, and corrects each section's gain (secant
/// steps, since the limiter bends the curve), until the whole is within `toleranceLU` of the
/// target and every section within `sectionToleranceLU` of its aim or, short of it, held by the
/// limiter (`Plan.limitedSlope`), or five passes. If getting louder would need the limiter to take more than
/// `maximumMeanLimitingDB` on average, the loop stops and says what it reached.
public struct OfflineMaster {
    /// Where the emotion graph comes from, strongest first.
    public enum EmotionChoice: Sendable {
        case map(EmotionGraph)
        /// One emotion for the whole track; intensity nil: 0.5.
        case whole(Emotion, intensity: Double?)
        /// Estimated from the audio; an intensity given here replaces every section's estimate.
        case auto(intensity: Double?)
    }

    public struct Job {
        /// Opens the input afresh for each pass.
        public var openSource: () throws -> any AudioSource
        public var inputName: String
        public var outputPath: String
        public var emotions: EmotionChoice
        /// An explicit integrated target (`--target`, `--platform`); nil: from the emotions.
        public var targetLUFS: Double?
        public var ceilingDBTP: Double
        /// Learned offsets per emotion (the style trainer's).
        public var style: (Emotion) -> StyleOffsets
        public var encoding: SampleEncoding?
        public var transitionSeconds: Double
        /// Reference mastering: what to match (nil: no reference) and how far (0…1).
        public var reference: ReferenceTarget?
        public var matchAmount: Double
        /// Why `targetLUFS` is what it is, when not the user's request (a reference's loudness, a
        /// console offset on a fixed target).
        public var targetReason: String?
        /// Whether a pass may read back the front half an earlier pass recorded (`FrontHalfCache`);
        /// false: every pass runs it (to compare, or to measure what the cache saves).
        public var reusesFrontHalf = true
        /// False: the master only lands if `outputPath` is still free when it is done (the
        /// console's export, which never replaces a file); else it fails with "exists".
        public var replacesOutput = true

        public init(openSource: @escaping () throws -> any AudioSource, inputName: String, outputPath: String,
                    emotions: EmotionChoice = .auto(intensity: nil), targetLUFS: Double? = nil, ceilingDBTP: Double = -1,
                    style: @escaping (Emotion) -> StyleOffsets = { _ in StyleOffsets() },
                    encoding: SampleEncoding? = nil, transitionSeconds: Double = 2,
                    reference: ReferenceTarget? = nil, matchAmount: Double = 1) {
            self.openSource = openSource; self.inputName = inputName; self.outputPath = outputPath
            self.emotions = emotions; self.targetLUFS = targetLUFS; self.ceilingDBTP = ceilingDBTP
            self.style = style; self.encoding = encoding; self.transitionSeconds = transitionSeconds
            self.reference = reference; self.matchAmount = matchAmount
        }
    }

    /// One section of the master: what it is, what the AI set, and its loudness.
    public struct SectionResult: Sendable {
        public var span: Range<Double>
        public var emotion: Emotion
        public var intensity: Double
        public var reason: String?
        public var decision: MasterModel.Decision
        public var inputLUFS: Double
        /// What the section aims at in the output: the whole's target plus its offset (and the
        /// small bias the loop learned so that the whole lands on its target).
        public var targetLUFS: Double
        public var outputLUFS: Double
        public var gainDB: Double
    }

    public struct Result {
        public var input: AnalysisReport
        public var graph: EmotionGraph
        public var sections: [SectionResult]
        /// Every automatic change in time order: each section's settings, and its loudness.
        public var moves: [AIMove]
        public var output: AnalysisReport
        public var targetLUFS: Double
        public var ceilingDBTP: Double
        /// Where the limiter worked: the ceiling, or under it by what a lossy encoder added to
        /// the peaks (the decoded file must still keep to the ceiling).
        public var limiterCeilingDBTP: Double
        public var transitionSeconds: Double
        public var passes: Int
        /// Passes that ran the chain's front half; the others read it back from the first.
        public var frontHalfRuns: Int
        public var meanLimitingDB: Double
        /// The fastest the loudness gain moved in the written pass, dB/s (never above the slew limit).
        public var fastestGainSlewDBPerSecond: Double
        /// Set when the target could not be reached without wrecking the material.
        public var shortfall: String?
        /// The reference match, when there was one: its target, curve and measured distances.
        public var reference: ReferenceMatch?
        /// Set when the input ended well before the length its header announced.
        public var inputEndedShort: ShortEnding?
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static let toleranceLU = 0.2
    /// "Wrecking": the most average limiting (mean over blocks of each block's deepest
    /// reduction) the loop buys loudness with.
    public static let maximumMeanLimitingDB = 3.0
    /// How far past the budget a pass may go and still be written (the loop's steps aim under it).
    public static let limitingOvershootDB = 1.0
    /// The most a section's loudness is moved toward its emotion's, relative to the song's own.
    public static let maximumNudgeDB = 0.3
    /// How close each section's relative loudness must come before the loop may stop early.
    public static let sectionToleranceLU = 0.2
    /// How much louder the first pass's probe plays every section, dB: about the first pass's
    /// usual shortfall, so the slope it measures is the one the first correction needs.
    static let probeOffsetDB = 1.5
    static let maximumPasses = 8
    /// Extra room under the ceiling for lossy formats before the first decode says how much they need.
    static let lossyHeadroomDB = 0.5
    static let blockFrames = 4096
    /// Automation is evaluated every this many input frames, on a grid from the first frame.
    static let automationGrid = 256

    public var progress: ((Double) -> Void)?

    public init() {}

    /// Why an input has no integrated loudness, in the words a person needs: BS.1770 measures
    /// 400 ms blocks and gates out those under -70 LUFS, so a short clip or a whisper has none
    /// though it is not silent.
    static func whyNoLoudness(_ input: AnalysisReport) -> String {
        if input.durationSeconds < 0.4 {
            return String(format: "it is %.3f s long; loudness (BS.1770) is measured on 0.4 s blocks, so there is none to master", input.durationSeconds)
        }
        if !input.samplePeakDBFS.isFinite { return "the audio is silent (no loudness to master)" }
        return String(format: "the audio is too quiet to measure: every 0.4 s block is under -70 LUFS, BS.1770's absolute gate (sample peak %.1f dBFS)",
                      input.samplePeakDBFS)
    }

    /// Steps 1 and 2: what the input is, the emotion graph, and the AI's decision and loudness
    /// aim for each section (the open loop: gains from the input's measured loudness).
    ///
    /// `replannable`: keep the input's 100 ms feature track, so that `replanned` can give the
    /// plan another graph (the console). Without it, one emotion for the whole song is decided
    /// from the input's report alone and the track is not measured: it was a third of the
    /// input analysis's time.
    public func plan(_ job: Job, replannable: Bool = true) throws -> MasterPlan {
        var analysisSource = try job.openSource()
        guard analysisSource.channelCount <= 2 else {
            throw Failure(description: "cannot read '\(job.inputName)': LoopMind masters mono and stereo files; this one has \(analysisSource.channelCount) channels")
        }
        let measuresTrack: Bool
        switch job.emotions {
        case .whole: measuresTrack = replannable
        case .map, .auto: measuresTrack = true
        }
        // The analysis is the bar's first tenth (a 60-minute mix takes seconds: the bar moved only
        // when it was done, and the console's start was a blank terminal until then).
        let input = try Analyzer.analyze(&analysisSource, options: .init(features: measuresTrack),
                                         progress: progress.map { report in { report($0 * Self.analysisShare) } })
        guard input.integratedLUFS.isFinite else {
            throw Failure(description: "cannot read '\(job.inputName)': " + Self.whyNoLoudness(input))
        }
        guard MasterModel.canStage(inputLUFS: input.integratedLUFS) else {
            throw Failure(description: String(
                format: "cannot read '%@': it sits at %+.1f LUFS (samples up to %+.1f dBFS), further over full scale than the input trim's %.0f dB can bring it; a file this hot is most likely mis-scaled (integer samples stored as floats, say)",
                job.inputName, input.integratedLUFS, input.samplePeakDBFS, -MasterModel.stagingFloorDB))
        }
        progress?(Self.analysisShare)
        let graph: EmotionGraph
        switch job.emotions {
        case .map(let map):
            try map.validate(duration: input.durationSeconds)
            graph = map
        case .whole(let emotion, let intensity):
            graph = EmotionGraph(whole: emotion, intensity: intensity ?? 0.5)
        case .auto(let intensity):
            let estimated = EmotionEstimator().estimate(input.features!)
            graph = intensity.map { value in
                EmotionGraph(sections: estimated.sections.map {
                    EmotionSection(start: $0.start, emotion: $0.emotion, intensity: value, reason: $0.reason)
                })
            } ?? estimated
        }
        var plan = MasterPlan(input: input, graph: graph, track: input.features, job: job)
        plan.inputEndedShort = analysisSource.endedShort
        return plan
    }

    /// Step 3 without a file: closes the loudness loop (whole passes through the chain, measured)
    /// so that the plan's gains are the ones `run` would write. Live playback uses this to play
    /// exactly what the offline master renders.
    public func settle(_ plan: inout MasterPlan, job: Job) throws {
        var frontHalfRuns = 0
        let outcome = try closeLoop(&plan, job: job, ceilingDBTP: job.ceilingDBTP, ditherBits: 0, firstPass: 1,
                                    cache: Self.frontHalfCache(for: job), frontHalfRuns: &frontHalfRuns)
        plan.passes = outcome.passes
        plan.shortfall = outcome.shortfall
        plan.sectionLoudness = outcome.sectionLoudness
        plan.reference = outcome.reference ?? plan.reference
    }

    public func run(_ job: Job) throws -> Result {
        var plan = try self.plan(job, replannable: false)
        let input = plan.input
        let format = AudioFileFormat(path: job.outputPath)
        let bitDepth = (job.encoding ?? format.map { SoundFileWriter.defaultEncoding(for: $0) } ?? .float32)
        let ditherBits = (format?.isLossy ?? false) || !bitDepth.isInteger ? 0 : bitDepth.bitDepth

        // Lossy encoders overshoot their input's peaks: start half a dB lower, then correct after decoding.
        let isLossy = format?.isLossy ?? false
        var ceiling = job.ceilingDBTP - (isLossy ? Self.lossyHeadroomDB : 0)
        var passes = 0
        let cache = Self.frontHalfCache(for: job)
        var frontHalfRuns = 0
        var committedOnce = false
        while true {
            var writer: SoundFileWriter?
            let outcome = try closeLoop(&plan, job: job, ceilingDBTP: ceiling, ditherBits: ditherBits, firstPass: passes + 1,
                                        cache: cache, frontHalfRuns: &frontHalfRuns, analyzesOutput: !isLossy) {
                let made = try SoundFileWriter(path: job.outputPath, sampleRate: Int(input.sampleRate),
                                               channelCount: input.channelCount, encoding: job.encoding)
                writer = made
                return made
            }
            passes = outcome.passes
            // A lossy retry replaces this run's own file.
            try writer!.commit(replacing: job.replacesOutput || committedOnce)
            committedOnce = true
            // 4. What was written, measured: as it was written, or else decoded (lossy codecs
            // can overshoot their input's peaks).
            let output = try outcome.output ?? {
                var check = try SoundFileReader(path: job.outputPath)
                return try Analyzer.analyze(&check)
            }()
            let overshoot = output.truePeakDBTP - job.ceilingDBTP
            if overshoot > 0 && isLossy && passes < Self.maximumPasses {
                ceiling -= overshoot * 1.25 + 0.1
                continue
            }
            progress?(1)
            return Result(input: input, graph: plan.graph,
                          sections: plan.plan.results(outputLoudness: outcome.sectionLoudness),
                          moves: plan.moves, output: output, targetLUFS: plan.targetLUFS, ceilingDBTP: job.ceilingDBTP,
                          limiterCeilingDBTP: ceiling, transitionSeconds: job.transitionSeconds, passes: passes, frontHalfRuns: frontHalfRuns,
                          meanLimitingDB: outcome.meanLimitingDB, fastestGainSlewDBPerSecond: outcome.fastestGainSlew,
                          shortfall: outcome.shortfall, reference: outcome.reference, inputEndedShort: plan.inputEndedShort)
        }
    }

    /// The front half's cache for `job`'s passes: beside the output (the disk the user chose for
    /// it), or in the temporary folder when there is no output file.
    static func frontHalfCache(for job: Job) -> FrontHalfCache? {
        guard job.reusesFrontHalf else { return nil }
        let output = job.outputPath
        guard let slash = output.lastIndex(of: "/") else {
            return FrontHalfCache(directory: output.isEmpty ? NSTemporaryDirectory() : ".")
        }
        return FrontHalfCache(directory: slash == output.startIndex ? "/" : String(output[..<slash]))
    }

    private struct LoopOutcome {
        var passes: Int
        var sectionLoudness: [Double]
        var meanLimitingDB: Double
        var fastestGainSlew: Double
        var shortfall: String?
        var reference: ReferenceMatch?
        /// The last pass's output, analyzed as it was written (nil when that pass did not).
        var output: AnalysisReport?
    }

    /// The closed loop: renders passes (each into a fresh writer, when one is made) and corrects
    /// the plan's gains until the whole and its sections are on target. The last pass's writer
    /// is left open for the caller to commit.
    ///
    /// The first pass (the probe's) writes nothing: its output is almost never the last. When it
    /// is, the same plan is rendered once more into the writer (the front half read back from the
    /// cache), which gives the very samples the first pass measured.
    ///
    /// With `analyzesOutput`, every written pass after the first (the probe's, rarely the last)
    /// analyzes its output as it writes it: the last one's analysis is then the report, and the
    /// file need not be read back. A pass that turns out not to be the last wastes its analysis,
    /// but most loops end at their second pass.
    private func closeLoop(_ master: inout MasterPlan, job: Job, ceilingDBTP ceiling: Double, ditherBits: Int, firstPass: Int,
                           cache: FrontHalfCache?, frontHalfRuns: inout Int, analyzesOutput: Bool = false,
                           makeWriter: (() throws -> SoundFileWriter)? = nil) throws -> LoopOutcome {
        let target = master.targetLUFS
        var pass = firstPass - 1
        /// A last pass that wrote nothing, and the automation it followed.
        var unwritten: (outcome: LoopOutcome, automation: ChainAutomation)?
        while true {
            pass += 1
            let writer = pass > 1 ? try makeWriter?() : nil
            // Rendering an unwritten last pass again: its own automation (the plan may have moved since).
            let automation = unwritten?.automation ?? master.automation(ceilingDBTP: ceiling, transitionSeconds: job.transitionSeconds)
            let sectionStarts = master.plan.sections.map { Int(($0.span.lowerBound * master.input.sampleRate).rounded()) }
            let rendered = try render(job, automation: automation, ditherBits: ditherBits, writer: writer, cache: cache,
                                      measureTone: unwritten == nil && master.reference.map { !$0.isSettled } ?? false,
                                      toneSegmentStarts: sectionStarts,
                                      probeOffsetDB: pass == 1 ? Self.probeOffsetDB : nil,
                                      analyzesOutput: analyzesOutput && writer != nil,
                                      passFraction: Self.progressSpan(ofPass: pass))
            if !rendered.replayed { frontHalfRuns += 1 }
            if var last = unwritten?.outcome {
                // The unwritten last pass, now written: the same automation, so the same samples.
                last.passes = pass
                last.output = rendered.output
                return last
            }
            let sectionLoudness = master.plan.sectionFrames.map { rendered.loudness.loudness(subBlocks: $0) }
            let reached = rendered.loudness.integratedLUFS
            let error = target - reached
            let sectionErrors = master.plan.sectionErrors(sectionLoudness: sectionLoudness)
            if let probe = rendered.probe {
                master.plan.seedSlopes(probeLoudness: master.plan.sectionFrames.map { probe.loudness(subBlocks: $0) },
                                       offsetDB: Self.probeOffsetDB, sectionErrors: sectionErrors)
            }
            let sectionsSettled = master.plan.sectionsSettled(sectionErrors: sectionErrors, sectionLoudness: sectionLoudness,
                                                              tolerance: Self.sectionToleranceLU) || pass >= 5
            // The reference match measures each pass and refits its bells until the tone settles.
            var toneSettled = true
            if var match = master.reference, let tone = rendered.tone {
                let settledBefore = match.isSettled
                // The correction below moves each section by its error: the refit aims at the tone that will give.
                let expected = rendered.toneSections.count == sectionErrors.count
                    ? master.plan.expectedTone(rendered.toneSections, reached: reached, sectionLoudness: sectionLoudness, sectionErrors: sectionErrors)
                    : nil
                let thresholdChange = match.measured(tone, loudness: reached, expected: expected, sampleRate: master.input.sampleRate,
                                                     compressorThresholdDB: master.plan.sections[0].decision.settings[.compThreshold])
                if thresholdChange != 0 { master.plan.shiftCompressorThreshold(by: thresholdChange) }
                // The new bells change the loudness: the gains take it off before the next pass.
                if !settledBefore {
                    if rendered.toneSections.count == sectionErrors.count {
                        let rate = master.input.sampleRate
                        master.plan.shiftGains(bySection: rendered.toneSections.map { -match.refitLoudnessChange(on: $0.measurement, sampleRate: rate) })
                    } else {
                        master.plan.shiftGains(by: -match.refitLoudnessChangeDB)
                    }
                }
                toneSettled = settledBefore || match.isSettled
                master.reference = match
            }
            let done = abs(error) <= Self.toleranceLU * 0.75 && sectionsSettled && toneSettled
            let budget = Self.maximumMeanLimitingDB
            // A pass that went well past the budget (its gains were a guess) is not written: back off.
            let crushed = rendered.meanLimitingDB > budget + Self.limitingOvershootDB
            // Held by the limiter, the loop stops, unless this pass's measurement changed the
            // chain (the match's bells or its dynamics; the match is not settled then): the next
            // pass is a different master.
            let limited = error > 0 && rendered.meanLimitingDB >= budget && !crushed && toneSettled
            if done || limited || pass >= Self.maximumPasses {
                var shortfall: String?
                if (limited || crushed) && error > Self.toleranceLU * 0.75 {
                    // Under a lossy encoder the limiter works lower than the ceiling: say so, it is the reason.
                    let encoder = ceiling < job.ceilingDBTP - 0.05
                        ? AudioFileFormat(path: job.outputPath).map {
                            String(format: " (the limiter at %.1f dBTP, leaving room for the %@ encoder's overshoot)",
                                   ceiling, $0.rawValue.uppercased())
                        } ?? "" : ""
                    shortfall = String(format: "cannot reach %.1f LUFS under a %.1f dBTP ceiling%@ without more than %.0f dB of average limiting; reached %.1f LUFS",
                                       target, job.ceilingDBTP, encoder, budget, reached)
                } else if abs(error) > Self.toleranceLU {
                    // Out of passes, off target for another reason (the gain's range, say): said all the same.
                    shortfall = String(format: "did not reach %.1f LUFS in %d passes; reached %.1f LUFS", target, pass, reached)
                }
                let outcome = LoopOutcome(passes: pass, sectionLoudness: sectionLoudness, meanLimitingDB: rendered.meanLimitingDB,
                                          fastestGainSlew: rendered.fastestGainSlew, shortfall: shortfall, reference: master.reference,
                                          output: rendered.output)
                guard writer == nil, makeWriter != nil else { return outcome }
                unwritten = (outcome, automation)
                continue
            }
            if crushed {
                // Heavily limited, the loudness hardly follows the gain and the limiting follows it
                // almost dB for dB: take the excess off every gain.
                master.plan.shiftGains(by: budget - rendered.meanLimitingDB)
            } else {
                master.plan.correct(sectionErrors: sectionErrors, sectionLoudness: sectionLoudness, wholeError: error,
                                    limitingHeadroomDB: budget - rendered.meanLimitingDB)
            }
        }
    }

    /// One pass: the automated chain over the whole input, written, with the output's loudness measured.
    ///
    /// Four threads in a pipeline (five with the probe), so a pass costs about its slowest part rather than the sum:
    /// this one reads and runs the chain's front up to the exciter (trim, EQ, match, compressor);
    /// a second runs the exciter (oversampled, it weighs about as much as all of that); a third
    /// runs the back (width, loudness gain, limiter, dither); a fourth measures and writes. Each
    /// runs a chain of its own given the same automation at the same frames, which gives exactly
    /// the samples one chain would.
    ///
    /// With a `cache` that holds this automation's front half, this thread reads it back instead
    /// of reading the input and running the front half and the exciter; otherwise the exciter's
    /// thread records its output there for the next pass.
    ///
    /// With `probeOffsetDB`, a second back half runs beside the first on a copy of the front's
    /// output with every loudness gain raised by that much, measured and not written: the loop
    /// learns from one pass how each section's loudness follows its gain (the limiter bends it).
    ///
    /// With `analyzesOutput`, the output is analyzed as it is written (`StreamAnalyzer`, on two
    /// threads of its own), and that analysis's loudness readings replace the pass's own meter.
    private func render(_ job: Job, automation: ChainAutomation, ditherBits: Int, writer: SoundFileWriter?, cache: FrontHalfCache?,
                        measureTone: Bool, toneSegmentStarts: [Int], probeOffsetDB: Double? = nil, analyzesOutput: Bool = false,
                        passFraction: (start: Double, span: Double))
        throws -> (loudness: SubBlockLoudness, meanLimitingDB: Double, fastestGainSlew: Double, tone: ToneMatchMeasurement?,
                   toneSections: [(measurement: ToneMatchMeasurement, frames: Int)], probe: SubBlockLoudness?, replayed: Bool,
                   output: AnalysisReport?) {
        var source = try job.openSource()
        let channels = source.channelCount
        let rate = source.sampleRate
        let total = source.frameCount
        let frames = Self.blockFrames
        let spec = ProcessSpec(sampleRate: rate, maximumBlockFrames: frames)
        func automated(gainOffsetDB: Double = 0, ditherBits: Int = ditherBits) -> AutomatedChain {
            AutomatedChain(automation: automation, spec: spec, ditherBits: ditherBits, gainOffsetDB: gainOffsetDB)
        }
        let layout = SpeakerPosition.defaultLayout(channelCount: channels)
        let analysis = analyzesOutput
            ? try StreamAnalyzer(sampleRate: rate, channelCount: channels, layout: layout, options: .init(subBlocks: true)) : nil
        let loudness = analyzesOutput ? nil : try LoudnessTimeline(channelCount: channels, sampleRate: rate, layout: layout)
        let toneMeter = measureTone ? ToneMatchMeter(sampleRate: rate, channelCount: channels, segmentStarts: toneSegmentStarts) : nil

        // Third thread: measures and writes the output, in order.
        let output = BlockHandoff(capacity: frames * channels) { block in
            try loudness?.add(block)
            try analysis?.add(block)
            toneMeter?.add(block)
            try writer?.write(block)
        }
        let replaying = cache.flatMap { $0.holds(automation) ? $0 : nil }
        let recording = replaying != nil ? nil : cache
        // The back half's thread: the chain's back half, then the chain's delay taken off the start.
        let back = BackHalf(automated(), channels: channels, sampleRate: rate, output: output)
        // The probe: the same back half louder by `probeOffsetDB`, measured on a thread of its own.
        let probe = try probeOffsetDB.map { offset in
            let meter = try LoudnessTimeline(channelCount: channels, sampleRate: rate,
                                             layout: SpeakerPosition.defaultLayout(channelCount: channels))
            let measuring = BlockHandoff(capacity: frames * channels) { try meter.add($0) }
            // No dither: this output is only measured, and dither's noise moves its loudness by less than 10⁻⁸ LU.
            let back = BackHalf(automated(gainOffsetDB: offset, ditherBits: 0), channels: channels, sampleRate: rate,
                                output: measuring)
            return (meter: meter, measuring: measuring, back: back)
        }
        let probeInput = UnsafeMutablePointer<Float>.allocate(capacity: 2 * frames)
        defer { probeInput.deallocate() }
        let middle = BlockHandoff(capacity: 2 * frames) { planar in
            if let probe {
                // A copy: the master's back half works in place on `planar`.
                probeInput.update(from: planar.baseAddress!, count: frames + planar.count)
                try probe.back.process(UnsafeBufferPointer(start: probeInput, count: planar.count))
            }
            try back.process(planar)
        }
        // The exciter's thread (when the front half runs): the exciter, the recording, on to the back half.
        let exciter = replaying != nil ? nil : ExciterStage(automated(), output: middle, recording: recording)
        let toExciter = exciter.map { stage in BlockHandoff(capacity: 2 * frames) { try stage.process($0) } }
        // Where this thread's blocks go: to the exciter, or, read back (the exciter's output), to the back half.
        let next = toExciter ?? middle
        var finished = false
        defer {
            if !finished {
                try? toExciter?.finish(); try? middle.finish(); try? output.finish(); try? probe?.measuring.finish()
                _ = try? analysis?.finish()
            }
        }

        // This thread: read, deinterleave, the chain's front half (or its recording, read back).
        if let replaying {
            replaying.beginReplay()
            var replayed = 0
            let recorded = replaying.recordedFrames
            while true {
                let planar = try next.nextBuffer()
                let count = try replaying.replay(left: planar, right: planar + frames)
                if count == 0 { break }
                next.publish(count: count)
                replayed += count
                progress?(passFraction.start + passFraction.span * min(1, Double(replayed) / Double(max(1, recorded))))
            }
        } else {
            recording?.beginRecording(automation, expectedFrames: total)
            var front = automated()
            let interleaved = UnsafeMutableBufferPointer<Float>.allocate(capacity: frames * channels)
            defer { interleaved.deallocate() }
            var flushLeft = front.chain.latencyFrames   // silence pushed through at the end to empty the chain
            while true {
                var count = try source.read(into: interleaved)
                let planar = try next.nextBuffer()
                let left = planar, right = planar + frames
                if count == 0 {
                    count = min(frames, flushLeft)
                    if count == 0 { break }
                    flushLeft -= count
                    left.update(repeating: 0, count: count)
                    right.update(repeating: 0, count: count)
                } else {
                    for index in 0..<count {
                        left[index] = interleaved[index * channels]
                        right[index] = channels == 2 ? interleaved[index * channels + 1] : interleaved[index * channels]
                    }
                }
                front.process(left: left, right: right, count: count) { chain, block in
                    chain.processFront(block, throughExciter: false)
                }
                next.publish(count: count)
                if let progress, let total, total > 0 {
                    progress(passFraction.start + passFraction.span * min(1, Double(front.framesIn) / Double(total)))
                }
            }
        }
        // Every thread is waited for before a failure is thrown: none is left behind.
        finished = true
        let ends: [Swift.Result<Void, any Error>] = [Swift.Result { try toExciter?.finish() }, Swift.Result { try middle.finish() },
                                                     Swift.Result { try output.finish() },
                                                     Swift.Result { if let probe { try probe.measuring.finish() } }]
        let report = Swift.Result { try analysis?.finish() }
        for end in ends { try end.get() }
        let outputReport = try report.get()
        recording?.endRecording()
        return (outputReport?.subBlockLoudness ?? loudness!.readings, back.meanLimitingDB, back.fastestGainSlew,
                toneMeter?.finish(), toneMeter?.finishSegments() ?? [], probe?.meter.readings, replaying != nil, outputReport)
    }

    /// The input's analysis's share of the progress bar (`plan` reports 0 up to it).
    public static let analysisShare = 0.1

    /// Where a pass sits on the progress bar: the loop usually takes two passes (10–50 %, 50–90 %);
    /// a rare third or later holds at 90 % rather than run past the end.
    static func progressSpan(ofPass pass: Int) -> (start: Double, span: Double) {
        pass <= 2 ? (analysisShare + 0.4 * Double(pass - 1), 0.4) : (0.9, 0)
    }
}

/// One half of a pass's chain following the automation. The front and the back half each own one,
/// so both change at the same frames to the same values: a piece at a time, cut at the grid, with
/// the automation's value at each grid point.
struct AutomatedChain {
    private(set) var chain: MasteringChain
    private let automation: ChainAutomation
    /// Added to every loudness gain the automation sets (the probe's raise; 0 for the master).
    private let gainOffsetDB: Double
    private var applied: (settings: ChainSettings, gainDB: Double)
    /// Input frames (and flush frames) processed so far.
    private(set) var framesIn = 0

    init(automation: ChainAutomation, spec: ProcessSpec, ditherBits: Int, gainOffsetDB: Double) {
        self.automation = automation
        self.gainOffsetDB = gainOffsetDB
        applied = automation.value(at: 0)
        chain = MasteringChain()
        chain.apply(applied.settings)
        chain.setMatchCurve(automation.match)
        chain.prepare(spec, bitDepth: ditherBits)
        chain.setLoudnessGain(applied.gainDB + gainOffsetDB)
        chain.snapToSettings()
    }

    /// Runs `stage` (one half of the chain) over `count` frames in pieces cut at the automation
    /// grid; `after` sees the chain after each piece, with the piece's length.
    mutating func process(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, count: Int,
                          after: (MasteringChain, Int) -> Void = { _, _ in },
                          stage: (inout MasteringChain, StereoBlock) -> Void) {
        let grid = OfflineMaster.automationGrid
        var offset = 0
        while offset < count {
            let frame = framesIn + offset
            if frame % grid == 0 {
                let value = automation.value(at: frame)
                if value.settings != applied.settings { chain.apply(value.settings) }
                if value.gainDB != applied.gainDB { chain.setLoudnessGain(value.gainDB + gainOffsetDB) }
                applied = value
            }
            let piece = min(count - offset, grid - frame % grid)
            stage(&chain, StereoBlock(left: left + offset, right: right + offset, frameCount: piece))
            after(chain, piece)
            offset += piece
        }
        framesIn += count
    }
}

/// The exciter of a pass's chain, on its own thread between the front half and the back half:
/// the same automation at the same frames as both, its output recorded for later passes and
/// handed on to the back half's thread.
private final class ExciterStage {
    private var automated: AutomatedChain
    private let output: BlockHandoff
    private let recording: FrontHalfCache?

    init(_ automated: AutomatedChain, output: BlockHandoff, recording: FrontHalfCache?) {
        self.automated = automated
        self.output = output
        self.recording = recording
    }

    /// One planar block from the front half (as `BackHalf.process` takes it), in place, then on.
    func process(_ planar: UnsafeBufferPointer<Float>) throws {
        let count = planar.count
        let left = UnsafeMutablePointer(mutating: planar.baseAddress!)
        let right = left + OfflineMaster.blockFrames
        automated.process(left: left, right: right, count: count) { chain, block in chain.processExciter(block) }
        recording?.record(left: left, right: right, count: count)
        let out = try output.nextBuffer()
        out.update(from: left, count: count)
        (out + OfflineMaster.blockFrames).update(from: right, count: count)
        output.publish(count: count)
    }
}

/// The back half of a pass's chain, on its own thread: the same automation at the same frames as
/// the front half, the limiter's and the gain's figures, the chain's delay removed, interleaved
/// blocks on to the measuring thread.
private final class BackHalf {
    private var automated: AutomatedChain
    private let channels: Int
    private let sampleRate: Double
    private let output: BlockHandoff
    private var toSkip: Int               // the chain's delay: its first frames are not ours
    private var limitingSum = 0.0, limitingFrames = 0
    private var lastGain: Double
    /// dB/s, measured on the gain the chain applied.
    private(set) var fastestGainSlew = 0.0

    init(_ automated: AutomatedChain, channels: Int, sampleRate: Double, output: BlockHandoff) {
        self.automated = automated
        self.channels = channels
        self.sampleRate = sampleRate
        self.output = output
        toSkip = automated.chain.latencyFrames
        lastGain = automated.chain.loudnessGainDB
    }

    var meanLimitingDB: Double { limitingFrames > 0 ? limitingSum / Double(limitingFrames) : 0 }

    /// One block from the front half: `planar.count` frames of left, and as many of right
    /// `OfflineMaster.blockFrames` further on.
    func process(_ planar: UnsafeBufferPointer<Float>) throws {
        let count = planar.count
        let left = UnsafeMutablePointer(mutating: planar.baseAddress!)
        let right = left + OfflineMaster.blockFrames
        automated.process(left: left, right: right, count: count, after: { chain, piece in
            limitingSum += Double(-chain.limiterReductionDB) * Double(piece)
            limitingFrames += piece
            fastestGainSlew = max(fastestGainSlew, abs(chain.loudnessGainDB - lastGain) * sampleRate / Double(piece))
            lastGain = chain.loudnessGainDB
        }) { chain, block in chain.processBack(block) }
        let skip = min(toSkip, count)
        toSkip -= skip
        let produced = count - skip
        guard produced > 0 else { return }
        let out = try output.nextBuffer()
        for index in 0..<produced {
            if channels == 2 {
                out[2 * index] = left[skip + index]
                out[2 * index + 1] = right[skip + index]
            } else {
                out[index] = left[skip + index]
            }
        }
        output.publish(count: produced * channels)
    }
}

/// What the AI decided for one input: its analysis, the emotion graph, each section's settings
/// and loudness gain, and the moves. `OfflineMaster.plan` makes it; `settle` closes its loudness
/// loop; `automation` turns it into what the chain follows, offline or live.
public struct MasterPlan {
    public let input: AnalysisReport
    public let graph: EmotionGraph
    var plan: Plan
    /// Passes `settle` ran (0: the open-loop gains).
    public internal(set) var passes = 0
    public internal(set) var shortfall: String?
    /// Set when the input ended well before the length its header announced: it is planned
    /// for the audio it held.
    public internal(set) var inputEndedShort: ShortEnding?
    /// Each section's output loudness in the last settling pass.
    var sectionLoudness: [Double] = []
    /// The reference match (nil without a reference, or at amount 0: then the plain master).
    public internal(set) var reference: ReferenceMatch?
    /// With several sections, the whole's target a reference decided (each section's own move
    /// then says where it sits relative to the whole; one section's move carries the reason itself).
    private var referenceLoudnessMove: AIMove?

    /// The AI's plan for `graph`; with a reference, its loudness target moves toward the
    /// reference's by the match amount (unless the job names a target) and a match follows.
    init(input: AnalysisReport, graph: EmotionGraph, track: FeatureTrack?, job: OfflineMaster.Job) {
        self.input = input; self.graph = graph
        var plan = Plan(graph: graph, input: input, track: track, job: job)
        if let target = job.reference, job.matchAmount > 0 {
            let amount = min(job.matchAmount, 1)
            if job.targetLUFS == nil {
                let own = plan.targetLUFS
                let aim = own + amount * (target.integratedLUFS - own)
                var matched = job
                matched.targetLUFS = aim
                matched.targetReason = String(format: "%@ %@ at %.1f LUFS; the master aims at %.1f LUFS (%d %% of the way from the AI's %.1f)",
                                              target.label, target.verb("sits", "sit"), target.integratedLUFS, aim,
                                              Int((amount * 100).rounded()), own)
                plan = Plan(graph: graph, input: input, track: track, job: matched)
                if plan.sections.count > 1 {
                    referenceLoudnessMove = AIMove(time: 0, parameter: .loudnessTarget, from: own, to: aim, reason: matched.targetReason!)
                }
            }
            var match = ReferenceMatch(target: target, amount: amount)
            if let tone = input.midSideTone {
                match.start(input: tone, inputLoudness: input.integratedLUFS,
                            sections: Array(zip(plan.sections.map(\.decision.settings), plan.durations)),
                            sampleRate: input.sampleRate)
                plan.shiftGains(by: -match.refitLoudnessChangeDB)
            }
            reference = match
        }
        self.plan = plan
    }

    public var targetLUFS: Double { plan.targetLUFS }

    /// The plan's moves, then the reference's (loudness, dynamics, tone, width), in time order.
    public var moves: [AIMove] {
        let extra = (referenceLoudnessMove.map { [$0] } ?? []) + (reference?.moves ?? [])
        guard !extra.isEmpty else { return plan.moves }
        return (plan.moves + extra).enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }
    /// Each section: span, emotion, decision, aims; output loudness once settled.
    public var sections: [OfflineMaster.SectionResult] {
        plan.results(outputLoudness: sectionLoudness.isEmpty ? Array(repeating: .nan, count: plan.sections.count) : sectionLoudness)
    }

    /// The chain's automation for this plan, with the limiter at `ceilingDBTP`.
    public func automation(ceilingDBTP: Double, transitionSeconds: Double) -> ChainAutomation {
        var automation = plan.automation(ceilingDBTP: ceilingDBTP, sampleRate: input.sampleRate, transitionSeconds: transitionSeconds)
        if let reference { automation.match = reference.curve }
        return automation
    }
}

/// The sections of one master: their decisions, loudness targets and gains.
struct Plan {
    struct Section {
        var span: Range<Double>
        var frames: Range<Int>          // 100 ms feature frames
        var graphSection: EmotionSection
        var decision: MasterModel.Decision
        var inputLUFS: Double
        /// Output loudness relative to the whole's target, LU.
        var relativeTargetLU: Double
        var gainDB: Double
    }

    var sections: [Section]
    let targetLUFS: Double
    let moves: [AIMove]
    /// Each section's gain and loudness in the last pass, for its slope.
    private var lastMeasurement: [(gain: Double, loudness: Double)?]
    /// Each section's slope from the last step long enough to measure one (`shortestSecantDB`).
    private var lastSlope: [Double?]
    /// Learned: how far sections must aim from their offsets for the whole to land on target.
    private var bias = 0.0

    var sectionFrames: [Range<Int>] { sections.map(\.frames) }
    /// Each section's length, seconds.
    var durations: [Double] { sections.map { max($0.span.upperBound - $0.span.lowerBound, 0) } }

    /// `track` may be nil for a graph of one section, whose decision is the input report's.
    init(graph: EmotionGraph, input: AnalysisReport, track: FeatureTrack?, job: OfflineMaster.Job) {
        let spans = graph.spans(duration: input.durationSeconds)
        let model = MasterModel()
        // A mix far from its target is trimmed first, by the same amount all through (gain
        // staging is the whole track's). Roughly aimed: the emotions' targets are within a few LU.
        let first = graph.sections[0]
        let staging = MasterModel.stagingTrim(inputLUFS: input.integratedLUFS,
                                              targetLUFS: job.targetLUFS ?? MasterModel.tableTargetLUFS(for: first.emotion, intensity: first.intensity))
        let trim = staging?.trimDB ?? 0
        var sections: [Section] = []
        precondition(track != nil || graph.sections.count == 1, "several sections are measured from the feature track")
        // Without a track (one section), every 100 ms of the song; loudness reads clamp to what was measured.
        let frameCount = track?.frameCount ?? Int((input.durationSeconds / FeatureTrack.frameSeconds).rounded(.up))
        for (index, graphSection) in graph.sections.enumerated() {
            let span = spans[index]
            let first = index == 0 ? 0 : min(track!.frame(at: span.lowerBound), frameCount)
            let last = index + 1 == spans.count ? frameCount : min(track!.frame(at: span.upperBound), frameCount)
            let frames = first..<max(first, last)
            let measured = graph.sections.count > 1 ? SectionMeasurement(track!, frames: frames.isEmpty ? 0..<frameCount : frames) : nil
            let request = MasterModel.Request(emotion: graphSection.emotion, intensity: graphSection.intensity,
                                              targetLUFS: job.targetLUFS, targetReason: job.targetReason,
                                              ceilingDBTP: job.ceilingDBTP, style: job.style(graphSection.emotion), staging: staging)
            let name = graph.sections.count > 1 ? "section \(index + 1)" : nil
            let decision = model.decide(for: measured.map { MasterModel.MixProfile($0) } ?? MasterModel.MixProfile(input),
                                        request, section: name.map { (span.lowerBound, $0) })
            sections.append(Section(span: span, frames: frames, graphSection: graphSection, decision: decision,
                                    inputLUFS: measured?.loudnessLUFS ?? input.integratedLUFS,
                                    relativeTargetLU: 0, gainDB: 0))
        }

        // The whole's target: the request's, or the energy mean of the sections' own.
        let durations = sections.map { max($0.span.upperBound - $0.span.lowerBound, 0) }
        let totalDuration = max(durations.reduce(0, +), 1e-9)
        // Each emotion's place in the table: the model's targets (learned style included), or,
        // when the request names the whole's target and every decision carries that one, the
        // table's, so the sections are still nudged toward their emotions' places, not together.
        let emotionTargets = sections.map { section in
            job.targetLUFS == nil ? section.decision.targetLUFS
                : MasterModel.tableTargetLUFS(for: section.graphSection.emotion, intensity: section.graphSection.intensity)
        }
        // (One section: its own target, since the mean of one is itself.)
        let target = job.targetLUFS ?? 10 * log10(zip(durations, emotionTargets).map { $0 * pow(10, $1 / 10) }.reduce(0, +) / totalDuration)
        targetLUFS = target

        // Each section: the song's own level relative to the whole, nudged toward its emotion's.
        let audible = sections.indices.filter { sections[$0].inputLUFS.isFinite }
        let weight = audible.map { durations[$0] }.reduce(0, +)
        let meanInput = weight > 0 ? audible.map { sections[$0].inputLUFS * durations[$0] }.reduce(0, +) / weight : 0
        let meanEmotion = weight > 0 ? audible.map { emotionTargets[$0] * durations[$0] }.reduce(0, +) / weight : 0
        // Matching a reference (amount > 0): its loudness range scales the arc, and the emotions'
        // nudges (the AI's own taste) give way by the amount.
        let arc = job.reference.flatMap { reference in
            job.matchAmount > 0 ? (scale: Self.arcScale(inputRangeLU: input.loudnessRangeLU, referenceRangeLU: reference.loudnessRangeLU,
                                                        amount: job.matchAmount),
                                   reference: reference, amount: min(job.matchAmount, 1)) : nil
        }
        var moves: [AIMove] = []
        for index in sections.indices {
            var section = sections[index]
            let label = sections.count > 1 ? Self.label(index, section.graphSection) : nil
            if section.inputLUFS.isFinite && sections.count > 1 {
                let own = section.inputLUFS - input.integratedLUFS
                let wanted = (emotionTargets[index] - meanEmotion) - (section.inputLUFS - meanInput)
                let emotionNudge = min(max(0.5 * wanted, -OfflineMaster.maximumNudgeDB), OfflineMaster.maximumNudgeDB)
                let nudge = emotionNudge * (1 - (arc?.amount ?? 0))
                section.relativeTargetLU = (own + nudge) * (arc?.scale ?? 1)
                section.gainDB = targetLUFS + section.relativeTargetLU - section.inputLUFS - trim
                var settings = section.decision.settings
                settings[.loudnessTarget] = targetLUFS + section.relativeTargetLU
                section.decision.settings = settings
                if let label {
                    section.decision.moves.removeAll { $0.parameter == ChainParameter.loudnessTarget.spec.name }
                    var reason = String(format: "%@: target %.1f LUFS, the song's own level here (%+.1f LU re the whole) %@",
                                        label, settings[.loudnessTarget], own,
                                        abs(nudge) < 0.05 ? "kept as it is" : String(format: "nudged %+.1f dB toward %@'s loudness", nudge, section.graphSection.emotion.rawValue))
                    if let arc, abs(emotionNudge) >= 0.05 {
                        reason += arc.amount >= 1 ? String(format: " (%@'s %+.1f dB left out: the reference's range decides)", section.graphSection.emotion.rawValue, emotionNudge)
                            : String(format: " (%.0f %% of %@'s %+.1f dB: the rest is the reference's)", (1 - arc.amount) * 100,
                                     section.graphSection.emotion.rawValue, emotionNudge)
                    }
                    if let arc, abs(arc.scale - 1) >= 0.005 {
                        reason += String(format: ", then %@ %.0f %% toward the loudness range of %@ (%.1f LU against %.1f LU here)",
                                         arc.scale < 1 ? "drawn in" : "spread out", abs(arc.scale - 1) * 100, arc.reference.label,
                                         arc.reference.loudnessRangeLU, input.loudnessRangeLU)
                    }
                    section.decision.reasons[.loudnessTarget] = reason
                    section.decision.moves.append(AIMove(time: section.span.lowerBound, parameter: .loudnessTarget,
                                                         from: index == 0 ? ChainParameter.loudnessTarget.spec.defaultValue : sections[index - 1].decision.settings[.loudnessTarget],
                                                         to: settings[.loudnessTarget], reason: reason))
                }
            } else {
                section.gainDB = targetLUFS - input.integratedLUFS - trim
            }
            sections[index] = section
            moves += Self.changes(into: index, of: sections)
        }
        self.sections = sections
        self.moves = moves      // already in time order: the sections are
        lastMeasurement = Array(repeating: nil, count: sections.count)
        lastSlope = Array(repeating: nil, count: sections.count)
    }

    /// Macro-dynamics toward a reference: how much the sections' loudness relative to the whole
    /// is scaled so the master's loudness range moves toward the reference's (their ratio, blended
    /// by `amount`, within `arcScaleRange`); 1 when a range is unknown (too short or silent). A
    /// reference with a narrow range asks for sections closer together: kept apart, the loud ones
    /// would need the limiter to crush them to reach the reference's loudness.
    static func arcScale(inputRangeLU: Double, referenceRangeLU: Double, amount: Double) -> Double {
        guard inputRangeLU.isFinite, referenceRangeLU.isFinite, inputRangeLU > 0.5, referenceRangeLU > 0 else { return 1 }
        let ratio = min(max(referenceRangeLU / inputRangeLU, arcScaleRange.lowerBound), arcScaleRange.upperBound)
        return 1 + min(max(amount, 0), 1) * (ratio - 1)
    }

    /// How far a reference may draw the sections together or spread them apart.
    static let arcScaleRange = 0.5...1.5

    /// How moves name a section, as the model does: "section 3 dreamy (0.7)".
    private static func label(_ index: Int, _ section: EmotionSection) -> String {
        "section \(index + 1) \(section.emotion.rawValue) (\(String(format: "%.1f", section.intensity)))"
    }

    /// The moves that start section `index`: the first section's from the defaults; later ones
    /// only what differs from the section before, with the model's reasons.
    private static func changes(into index: Int, of sections: [Section]) -> [AIMove] {
        let decision = sections[index].decision
        guard index > 0 else { return decision.moves }
        let before = sections[index - 1].decision.settings
        return ChainParameter.allCases.compactMap { parameter in
            let from = before[parameter], to = decision.settings[parameter]
            guard abs(to - from) > 1e-9 else { return nil }
            let section = sections[index].graphSection
            let reason = decision.moves.last { $0.parameter == parameter.spec.name }?.reason
                ?? decision.reasons[parameter]
                ?? MasterModel.describe(parameter, to, "\(label(index, section)): \(section.emotion.rawValue) leaves it at the default")
            return AIMove(time: sections[index].span.lowerBound, parameter: parameter, from: from, to: to, reason: reason)
        }
    }

    /// Each section's aim in the output: the whole's target, the section's offset, and the
    /// learned bias between sections hitting their aims and the whole hitting its target.
    func aim(_ index: Int) -> Double { targetLUFS + sections[index].relativeTargetLU + bias }

    /// Each section's error (aim − measured), 0 where it cannot be measured (silence).
    func sectionErrors(sectionLoudness: [Double]) -> [Double] {
        sections.indices.map { index in
            sectionLoudness[index].isFinite && sections[index].inputLUFS.isFinite ? aim(index) - sectionLoudness[index] : 0
        }
    }

    /// One step of the loop. Each section's gain moves by its error over how much its loudness
    /// followed its gain last time (a secant slope, 0.2…1: the limiter only takes away). The
    /// bias moves by the part of the whole's error that the sections' own errors do not explain
    /// (gating and the crossfades make the whole differ slightly from its sections' energy mean).
    ///
    /// A section short of its aim with its slope at the floor is held by the limiter and does
    /// not move up; the others carry its share of the whole's error (`spread`). It was pushed by
    /// five times its error, and its steps spent the limiting budget for a few tenths of a LU.
    ///
    /// The steps up are held to `limitingHeadroomDB`: a section `slope` follows its gain loses
    /// (1 − slope) dB to the limiter per dB of gain, and the whole's average limiting grows by
    /// those losses weighted by the sections' durations. A steep guess (a slope at its floor
    /// would multiply the gain by five) could otherwise crush a pass far past the budget.
    mutating func correct(sectionErrors: [Double], sectionLoudness: [Double], wholeError: Double,
                          limitingHeadroomDB: Double = .infinity) {
        let slopes = sections.indices.map { slope($0, sectionLoudness: sectionLoudness) }
        // A section the limiter holds (its slope at the floor) is not pushed up: its gain would go
        // to the limiter, not to its loudness. The others carry its share of the whole's error.
        // When every section is held, none can carry the others: all move, and the limiting
        // budget below decides how far.
        var held = sections.indices.map { index in
            sections[index].inputLUFS.isFinite && sectionErrors[index] > 0 && slopes[index] <= Self.limitedSlope
        }
        if !sections.indices.contains(where: { !held[$0] && sectionLoudness[$0].isFinite }) {
            held = held.map { _ in false }
        }
        let spread = spread(wholeError: wholeError, sectionErrors: sectionErrors, held: held, sectionLoudness: sectionLoudness)
        bias += spread
        var steps = sections.indices.map { index in
            held[index] ? 0 : ((sections[index].inputLUFS.isFinite ? sectionErrors[index] : wholeError) + spread) / slopes[index]
        }
        let durations = self.durations
        let total = durations.reduce(0, +)
        let addedLimiting = total > 0
            ? sections.indices.map { durations[$0] * max(steps[$0], 0) * (1 - slopes[$0]) }.reduce(0, +) / total : 0
        // Aimed a little past the budget, so that the next pass stops there rather than creep toward it.
        let headroom = max(limitingHeadroomDB, 0) + Self.limitingStepPastBudgetDB
        if addedLimiting > headroom {
            let share = headroom / addedLimiting
            steps = steps.map { $0 > 0 ? $0 * share : $0 }
        }
        for index in sections.indices {
            if let last = lastMeasurement[index], abs(sections[index].gainDB - last.gain) >= Self.shortestSecantDB {
                lastSlope[index] = slopes[index]
            }
            lastMeasurement[index] = (sections[index].gainDB, sectionLoudness[index])
            sections[index].gainDB += steps[index]
        }
    }

    /// How far every section that moves must aim past its own error for the whole to land on its
    /// target, dB: the part of the whole's error the sections' errors do not explain (gating and
    /// the crossfades make the whole differ slightly from its sections' energy mean), and the
    /// share of `held` sections, which stay where they are. The same for every moving section,
    /// so it is also how far the aims move (the bias).
    func spread(wholeError: Double, sectionErrors: [Double], held: [Bool], sectionLoudness: [Double]) -> Double {
        let fallback = wholeError - (wholeChange(sectionLoudness: sectionLoudness, sectionChanges: sectionErrors) ?? wholeError)
        guard held.contains(true) else { return fallback }
        // Energy weights as `wholeChange`: the whole's energy must grow by 10^(error/10), the held
        // sections' stays, the others' grows by 10^((their error + spread)/10).
        let energies = zip(durations, sectionLoudness).map { duration, loudness in
            loudness.isFinite ? duration * pow(10, loudness / 10) : 0
        }
        let total = energies.reduce(0, +)
        let heldEnergy = sections.indices.filter { held[$0] }.map { energies[$0] }.reduce(0, +)
        let moving = sections.indices.filter { !held[$0] }.map { energies[$0] * pow(10, sectionErrors[$0] / 10) }.reduce(0, +)
        let wanted = total * pow(10, wholeError / 10) - heldEnergy
        guard total > 0, moving > 0, wanted > 0 else { return fallback }
        return 10 * log10(wanted / moving)
    }

    /// How far section `index`'s loudness followed its gain from the last pass to this one: a
    /// secant slope, 0.2…1 (1 when unknown). Over a step shorter than `shortestSecantDB`, the
    /// last longer step's slope.
    func slope(_ index: Int, sectionLoudness: [Double]) -> Double {
        let gain = sections[index].gainDB
        guard let last = lastMeasurement[index], sectionLoudness[index].isFinite, last.loudness.isFinite else { return 1 }
        guard abs(gain - last.gain) >= Self.shortestSecantDB else { return lastSlope[index] ?? 1 }
        return min(max((sectionLoudness[index] - last.loudness) / (gain - last.gain), Self.limitedSlope), 1)
    }

    /// The shortest gain step that measures a slope. A section's loudness also moves with its
    /// neighbours' gains (the crossfades reach a second into it), by a few hundredths of a dB:
    /// over a step of 0.05 dB that read as a slope of 0.2, and the loop multiplied the next
    /// error by five (a track with a silent gap overshot twice and took five passes).
    static let shortestSecantDB = 0.1

    /// How far past the limiting budget a step held to it aims (under `OfflineMaster.limitingOvershootDB`).
    static let limitingStepPastBudgetDB = 0.3

    /// A section whose loudness follows its gain this little (or less) is held by the limiter:
    /// getting it louder would only crush it, so the loop leaves the rest of its shortfall.
    static let limitedSlope = 0.2

    /// Whether every section is within `tolerance` of its aim or, short of it, held by the limiter.
    func sectionsSettled(sectionErrors: [Double], sectionLoudness: [Double], tolerance: Double) -> Bool {
        sections.indices.allSatisfy { index in
            abs(sectionErrors[index]) <= tolerance
                || (sectionErrors[index] > 0 && slope(index, sectionLoudness: sectionLoudness) <= Self.limitedSlope)
        }
    }

    /// How much the whole's loudness moves when each section's moves by `sectionChanges` (dB): the
    /// sections' energy mean; nil when no section was measured.
    func wholeChange(sectionLoudness: [Double], sectionChanges: [Double]) -> Double? {
        let energies = zip(durations, sectionLoudness).map { duration, loudness in
            loudness.isFinite ? duration * pow(10, loudness / 10) : 0
        }
        let total = energies.reduce(0, +)
        return total > 0 ? 10 * log10(zip(energies, sectionChanges).map { $0 * pow(10, $1 / 10) }.reduce(0, +) / total) : nil
    }

    /// The long-term tone and loudness the next pass will have once `correct` has moved each
    /// section by its error, from this pass's sections measured apart.
    func expectedTone(_ measuredSections: [(measurement: ToneMatchMeasurement, frames: Int)], reached: Double,
                      sectionLoudness: [Double], sectionErrors: [Double]) -> (tone: ToneMatchMeasurement, loudness: Double) {
        let parts = zip(measuredSections, sectionErrors).map { section, error in (section.measurement, section.frames, error) }
        return (ToneMatchMeasurement.combining(parts),
                reached + (wholeChange(sectionLoudness: sectionLoudness, sectionChanges: sectionErrors) ?? 0))
    }

    /// Moves every section's loudness gain (a refit of the match EQ changed the loudness).
    /// The last measurement moves with them, as if made with the new bells: the secant slopes
    /// then see only the loop's own corrections.
    /// The first pass's probe (every gain `offsetDB` higher): for each section that must get
    /// louder, a second point of its loudness against its gain, so the first correction divides
    /// by the slope the limiter allows instead of assuming 1. Sections that must get quieter keep
    /// 1 (going down, the limiter lets go and the slope is close to 1, not to the slope going up).
    mutating func seedSlopes(probeLoudness: [Double], offsetDB: Double, sectionErrors: [Double]) {
        for index in sections.indices where probeLoudness[index].isFinite && sectionErrors[index] > 0 && lastMeasurement[index] == nil {
            lastMeasurement[index] = (sections[index].gainDB + offsetDB, probeLoudness[index])
        }
    }

    mutating func shiftGains(by decibels: Double) {
        shiftGains(bySection: Array(repeating: decibels, count: sections.count))
    }

    /// Moves each section's loudness gain by its own amount (a refit moves each section's
    /// loudness by an amount that depends on its tone).
    mutating func shiftGains(bySection decibels: [Double]) {
        for index in sections.indices {
            sections[index].gainDB += decibels[index]
            lastMeasurement[index]?.gain += decibels[index]
        }
    }

    /// Moves every section's compressor threshold (the reference's dynamics decision).
    mutating func shiftCompressorThreshold(by decibels: Double) {
        for index in sections.indices {
            sections[index].decision.settings[.compThreshold] += decibels
        }
    }

    func automation(ceilingDBTP: Double, sampleRate: Double, transitionSeconds: Double) -> ChainAutomation {
        ChainAutomation(sections: sections.map { section in
            var settings = section.decision.settings
            settings[.limiterCeiling] = ceilingDBTP
            return ChainAutomation.Section(startFrame: Int((section.span.lowerBound * sampleRate).rounded()),
                                           settings: settings, gainDB: section.gainDB)
        }, transitionFrames: Int((transitionSeconds * sampleRate).rounded()))
    }

    func results(outputLoudness: [Double]) -> [OfflineMaster.SectionResult] {
        sections.enumerated().map { index, section in
            OfflineMaster.SectionResult(span: section.span, emotion: section.graphSection.emotion,
                                        intensity: section.graphSection.intensity, reason: section.graphSection.reason,
                                        decision: section.decision, inputLUFS: section.inputLUFS,
                                        targetLUFS: aim(index),
                                        outputLUFS: outputLoudness[index], gainDB: section.gainDB)
        }
    }
}

extension MasterPlan {
    /// The same input with another emotion graph (the console's "this section is dreamy"):
    /// decisions and open-loop gains remade from the analysis already done, no audio read.
    /// The plan must have been made `replannable` when `graph` has several sections.
    public func replanned(graph: EmotionGraph, job: OfflineMaster.Job) -> MasterPlan {
        MasterPlan(input: input, graph: graph, track: input.features, job: job)
    }
}
