import Analysis
import AudioIO
import Foundation
import MasteringAI
import MasteringDSP

/// Renders a master offline: analysis → AI decision → chain passes in a closed loudness loop →
/// the file, written atomically, and its measured analysis.
///
/// The loop: the loudness gain starts at target − input loudness; each pass renders the whole
/// chain (limiter included), measures the output's integrated loudness with libebur128 and
/// corrects the gain by the error (secant steps, since the limiter bends the curve), until the
/// output is within `toleranceLU` of the target. If getting louder would need the limiter to
/// take more than `maximumMeanLimitingDB` on average, the loop stops and says what it reached.
public struct OfflineMaster {
    public struct Job {
        /// Opens the input afresh for each pass.
        public var openSource: () throws -> any AudioSource
        public var inputName: String
        public var outputPath: String
        public var request: MasterModel.Request
        public var encoding: SampleEncoding?

        public init(openSource: @escaping () throws -> any AudioSource, inputName: String, outputPath: String,
                    request: MasterModel.Request, encoding: SampleEncoding? = nil) {
            self.openSource = openSource; self.inputName = inputName; self.outputPath = outputPath
            self.request = request; self.encoding = encoding
        }
    }

    public struct Result {
        public var request: MasterModel.Request
        public var input: AnalysisReport
        public var decision: MasterModel.Decision
        public var output: AnalysisReport
        public var loudnessGainDB: Double
        public var passes: Int
        public var meanLimitingDB: Double
        /// Set when the target could not be reached without wrecking the material.
        public var shortfall: String?
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static let toleranceLU = 0.2
    public static let maximumMeanLimitingDB = 3.0
    static let maximumPasses = 8
    /// Extra room under the ceiling for lossy formats before the first decode says how much they need.
    static let lossyHeadroomDB = 0.5
    static let blockFrames = 4096

    public var progress: ((Double) -> Void)?

    public init() {}

    public func run(_ job: Job) throws -> Result {
        // 1. What the input is.
        var analysisSource = try job.openSource()
        guard analysisSource.channelCount <= 2 else {
            throw Failure(description: "cannot read '\(job.inputName)': master works on mono and stereo files; this one has \(analysisSource.channelCount) channels")
        }
        let input = try Analyzer.analyze(&analysisSource)
        guard input.integratedLUFS.isFinite else {
            throw Failure(description: "cannot read '\(job.inputName)': the audio is silent (no loudness to master)")
        }
        progress?(0.1)

        // 2. What the AI would do.
        let decision = MasterModel().decide(for: input, job.request)
        let target = decision.targetLUFS
        let format = AudioFileFormat(path: job.outputPath)
        let bitDepth = (job.encoding ?? format.map { SoundFileWriter.defaultEncoding(for: $0) } ?? .float32)
        let ditherBits = (format?.isLossy ?? false) || !bitDepth.isInteger ? 0 : bitDepth.bitDepth

        // 3. The closed loop.
        var gain = target - input.integratedLUFS
        var previous: (gain: Double, loudness: Double)?
        // Lossy encoders overshoot their input's peaks: start half a dB lower, then correct after decoding.
        let isLossy = format?.isLossy ?? false
        var ceiling = decision.settings[.limiterCeiling] - (isLossy ? Self.lossyHeadroomDB : 0)
        var pass = 0
        var shortfall: String?
        while true {
            pass += 1
            var settings = decision.settings
            settings[.limiterCeiling] = ceiling
            let writer = try SoundFileWriter(path: job.outputPath, sampleRate: Int(input.sampleRate),
                                             channelCount: input.channelCount, encoding: job.encoding)
            let rendered = try render(job, settings: settings, gainDB: gain, ditherBits: ditherBits, writer: writer,
                                      passFraction: (0.1 + 0.8 * Double(pass - 1) / 3, 0.8 / 3))
            let error = target - rendered.integratedLUFS
            let done = abs(error) <= Self.toleranceLU * 0.75
            let limited = error > 0 && rendered.meanLimitingDB >= Self.maximumMeanLimitingDB
            if done || limited || pass == Self.maximumPasses {
                if limited && !done {
                    shortfall = String(format: "cannot reach %.1f LUFS under a %.1f dBTP ceiling without more than %.0f dB of average limiting; reached %.1f LUFS",
                                       target, decision.settings[.limiterCeiling], Self.maximumMeanLimitingDB, rendered.integratedLUFS)
                }
                try writer.commit()
                // 4. Measure what was written, decoded (lossy codecs can overshoot their input's peaks).
                var check = try SoundFileReader(path: job.outputPath)
                let output = try Analyzer.analyze(&check)
                let overshoot = output.truePeakDBTP - decision.settings[.limiterCeiling]
                if overshoot > 0 && isLossy && pass < Self.maximumPasses {
                    ceiling -= overshoot * 1.25 + 0.1
                    continue
                }
                progress?(1)
                return Result(request: job.request, input: input, decision: decision, output: output, loudnessGainDB: gain,
                              passes: pass, meanLimitingDB: rendered.meanLimitingDB, shortfall: shortfall)
            }
            // Secant step on gain → loudness; the slope is at most 1 (the limiter only takes away).
            var slope = 1.0
            if let previous, abs(gain - previous.gain) > 0.01 {
                slope = min(max((rendered.integratedLUFS - previous.loudness) / (gain - previous.gain), 0.2), 1)
            }
            previous = (gain, rendered.integratedLUFS)
            gain += error / slope
        }
    }

    /// One pass: the chain over the whole input, written, with the output's loudness measured.
    private func render(_ job: Job, settings: ChainSettings, gainDB: Double, ditherBits: Int,
                        writer: SoundFileWriter, passFraction: (start: Double, span: Double))
        throws -> (integratedLUFS: Double, meanLimitingDB: Double) {
        var source = try job.openSource()
        let channels = source.channelCount
        let rate = source.sampleRate
        let total = source.frameCount
        let frames = Self.blockFrames
        var chain = MasteringChain()
        chain.apply(settings)
        chain.prepare(ProcessSpec(sampleRate: rate, maximumBlockFrames: frames), bitDepth: ditherBits)
        chain.setLoudnessGain(gainDB)
        chain.snapToSettings()
        let latency = chain.latencyFrames
        let meter = try LoudnessMeter(channelCount: channels, sampleRate: rate,
                                      layout: SpeakerPosition.defaultLayout(channelCount: channels), measures: .loudness)

        let interleaved = UnsafeMutableBufferPointer<Float>.allocate(capacity: frames * channels)
        let left = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        let out = UnsafeMutableBufferPointer<Float>.allocate(capacity: frames * channels)
        defer { interleaved.deallocate(); left.deallocate(); right.deallocate(); out.deallocate() }

        var toSkip = latency             // the chain's delay: its first frames are not ours
        var flushLeft = latency           // silence pushed through at the end to empty it
        var limitingSum = 0.0, limitingBlocks = 0
        var framesIn = 0
        var finished = false
        while !finished {
            var count = try source.read(into: interleaved)
            if count == 0 {
                // Push the chain's delay out with silence.
                count = min(frames, flushLeft)
                if count == 0 { break }
                flushLeft -= count
                left.update(repeating: 0, count: count)
                right.update(repeating: 0, count: count)
                finished = flushLeft == 0
            } else {
                framesIn += count
                for index in 0..<count {
                    left[index] = interleaved[index * channels]
                    right[index] = channels == 2 ? interleaved[index * channels + 1] : interleaved[index * channels]
                }
            }
            chain.process(StereoBlock(left: left, right: right, frameCount: count))
            limitingSum += Double(-chain.limiterReductionDB)
            limitingBlocks += 1
            let skip = min(toSkip, count)
            toSkip -= skip
            let produced = count - skip
            guard produced > 0 else { continue }
            for index in 0..<produced {
                if channels == 2 {
                    out[2 * index] = left[skip + index]
                    out[2 * index + 1] = right[skip + index]
                } else {
                    out[index] = left[skip + index]
                }
            }
            let block = UnsafeBufferPointer(rebasing: out[0..<produced * channels])
            try meter.add(block)
            try writer.write(block)
            if let progress, let total, total > 0 {
                progress(passFraction.start + passFraction.span * min(1, Double(framesIn) / Double(total)))
            }
        }
        return (meter.integratedLUFS, limitingBlocks > 0 ? limitingSum / Double(limitingBlocks) : 0)
    }
}
