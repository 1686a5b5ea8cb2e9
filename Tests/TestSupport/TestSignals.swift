import Glibc
import MasteringDSP

/// Test signals generated from their definitions: sines at a level and phase, level
/// sequences (EBU Tech 3341/3342 style), white and pink noise. All deterministic.
public enum TestSignals {
    /// A sine of peak level `levelDBFS` (dBFS = peak amplitude), identical in every channel
    /// unless `channelLevelsDBFS` gives one level per channel.
    public static func sine(frequency: Double, levelDBFS: Double = 0, seconds: Double, sampleRate: Double = 48000,
                            channels: Int = 2, phaseDegrees: Double = 0, channelLevelsDBFS: [Double]? = nil) -> [Float] {
        let frames = Int((seconds * sampleRate).rounded())
        let levels = channelLevelsDBFS ?? Array(repeating: levelDBFS, count: channels)
        let amplitudes = levels.map { Decibels.toAmplitude($0) }
        let phase = phaseDegrees * Double.pi / 180
        var samples = [Float](repeating: 0, count: frames * channels)
        for frame in 0..<frames {
            let value = sin(2 * Double.pi * frequency * Double(frame) / sampleRate + phase)
            for channel in 0..<channels { samples[frame * channels + channel] = Float(value * amplitudes[channel]) }
        }
        return samples
    }

    /// Consecutive 1 kHz stereo sine segments of (peak dBFS, seconds): EBU test sequences.
    public static func levelSequence(_ segments: [(levelDBFS: Double, seconds: Double)], sampleRate: Double = 48000,
                                     channels: Int = 2) -> [Float] {
        var samples: [Float] = []
        var startFrame = 0
        for segment in segments {
            let frames = Int((segment.seconds * sampleRate).rounded())
            let amplitude = Decibels.toAmplitude(segment.levelDBFS)
            for frame in startFrame..<(startFrame + frames) {
                // Phase continues across segments so level changes do not click.
                let value = Float(amplitude * sin(2 * Double.pi * 1000 * Double(frame) / sampleRate))
                for _ in 0..<channels { samples.append(value) }
            }
            startFrame += frames
        }
        return samples
    }

    /// A xorshift generator: the same noise on every machine.
    public struct Noise {
        private var state: UInt64
        public init(seed: UInt64) { state = seed | 1 }
        /// Uniform in [−1, 1).
        public mutating func next() -> Double {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Double(state >> 11) / Double(1 << 52) - 1
        }
    }

    /// White noise, independent per channel, RMS `rmsDBFS`.
    public static func whiteNoise(seconds: Double, sampleRate: Double = 44100, channels: Int = 1,
                                  rmsDBFS: Double = -20, seed: UInt64 = 1) -> [Float] {
        var noise = Noise(seed: seed)
        let scale = Decibels.toAmplitude(rmsDBFS) * 3.0.squareRoot() // uniform noise RMS is 1/√3
        return (0..<Int(seconds * sampleRate) * channels).map { _ in Float(noise.next() * scale) }
    }

    /// Pink noise (−3 dB/octave) from Paul Kellet's "refined" filter of white noise,
    /// accurate to ±0.05 dB above 9.2 Hz at 44.1 kHz. Mono.
    public static func pinkNoise(seconds: Double, sampleRate: Double = 44100, seed: UInt64 = 7) -> [Float] {
        var noise = Noise(seed: seed)
        var b = [Double](repeating: 0, count: 7)
        var samples = [Float]()
        let count = Int(seconds * sampleRate)
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let white = noise.next()
            b[0] = 0.99886 * b[0] + white * 0.0555179
            b[1] = 0.99332 * b[1] + white * 0.0750759
            b[2] = 0.96900 * b[2] + white * 0.1538520
            b[3] = 0.86650 * b[3] + white * 0.3104856
            b[4] = 0.55000 * b[4] + white * 0.5329522
            b[5] = -0.7616 * b[5] - white * 0.0168980
            let pink = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + white * 0.5362
            b[6] = white * 0.115926
            samples.append(Float(pink * 0.05))
        }
        return samples
    }

    /// Raised-cosine fade-in over the first `frames` frames.
    public static func fadeIn(_ samples: inout [Float], channels: Int, frames: Int) {
        for frame in 0..<min(frames, samples.count / channels) {
            let gain = Float(0.5 - 0.5 * cos(Double.pi * Double(frame) / Double(frames)))
            for channel in 0..<channels { samples[frame * channels + channel] *= gain }
        }
    }

    /// Runs `body` on a signal as an `AudioSource`.
    public static func source(_ samples: [Float], channels: Int, sampleRate: Double) -> SampleBufferSource {
        SampleBufferSource(samples: samples, channelCount: channels, sampleRate: sampleRate)
    }
}

/// The RMS level of a signal, dBFS.
public func rmsDBFS(_ samples: ArraySlice<Float>) -> Double {
    var sum = 0.0
    for sample in samples { sum += Double(sample) * Double(sample) }
    return Decibels.fromPower(sum / Double(max(1, samples.count)))
}
