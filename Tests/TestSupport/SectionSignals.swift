import Glibc
import MasteringDSP

/// Stereo material in sections whose character we set: for segmentation and emotion-graph tests.
public enum SectionSignals {
    /// How one section sounds.
    public struct Part: Sendable {
        public var seconds: Double
        /// Level of the bed of pink noise, dBFS RMS (mid channel).
        public var levelDBFS: Double
        /// High-shelf gain at 2 kHz: negative for a dark section.
        public var highShelfDB: Double
        /// Noise bursts per second (each a sharp attack and a 15 ms decay): the onset density.
        public var burstsPerSecond: Double
        /// Side level relative to mid (0 = mono).
        public var width: Double

        public init(seconds: Double, levelDBFS: Double, highShelfDB: Double = 0, burstsPerSecond: Double = 2,
                    width: Double = 0.3) {
            self.seconds = seconds; self.levelDBFS = levelDBFS; self.highShelfDB = highShelfDB
            self.burstsPerSecond = burstsPerSecond; self.width = width
        }
    }

    /// Interleaved stereo at 44.1 kHz, parts back to back with sudden changes between them.
    public static func render(_ parts: [Part], sampleRate: Double = 44100, seed: UInt64 = 11) -> [Float] {
        var samples: [Float] = []
        var midNoise = TestSignals.Noise(seed: seed), sideNoise = TestSignals.Noise(seed: seed &+ 99)
        var burstNoise = TestSignals.Noise(seed: seed &+ 7)
        for part in parts {
            var midShelf = Biquad(.highShelf(sampleRate: sampleRate, frequency: 2000, gainDB: part.highShelfDB))
            var sideShelf = midShelf
            var midPink = PinkFilter(), sidePink = PinkFilter()
            let frames = Int(part.seconds * sampleRate)
            let bedGain = Decibels.toAmplitude(part.levelDBFS) / 0.1   // the pink filter's output is ~−20 dBFS RMS
            let burstPeriod = part.burstsPerSecond > 0 ? Int(sampleRate / part.burstsPerSecond) : Int.max
            let decay = exp(-1 / (0.015 * sampleRate))
            var envelope = 0.0
            for frame in 0..<frames {
                if frame % burstPeriod == 0 { envelope = 1 }
                envelope *= decay
                let burst = burstNoise.next() * envelope * 2.5
                let mid = midShelf.process(Float((midPink.next(&midNoise) + burst * 0.2) * bedGain))
                let side = sideShelf.process(Float(sidePink.next(&sideNoise) * bedGain * part.width))
                samples.append(mid + side)
                samples.append(mid - side)
            }
        }
        return samples
    }

    /// Paul Kellet's economy pink filter: −3 dB/octave, output ≈ −20 dBFS RMS for uniform white input.
    struct PinkFilter {
        var b0 = 0.0, b1 = 0.0, b2 = 0.0
        mutating func next(_ noise: inout TestSignals.Noise) -> Double {
            let white = noise.next()
            b0 = 0.99765 * b0 + white * 0.0990460
            b1 = 0.96300 * b1 + white * 0.2965164
            b2 = 0.57000 * b2 + white * 1.0526913
            return (b0 + b1 + b2 + white * 0.1848) * 0.0564
        }
    }
}
