/// Lining up a recording with a reference, for tests that compare what was heard with what
/// was rendered offline. Built optimised (TestSupport is), since the searches are long.
public enum Alignment {
    /// The offset `lag` (in frames, within `candidates`) at which `signal[frame]` best matches
    /// `reference[frame + lag]`, over `window` frames from `signalStart`; interleaved stereo.
    public static func bestLag(reference: [Float], signal: [Float], signalStart: Int, window: Int,
                               candidates: ClosedRange<Int>) -> Int {
        var best = candidates.lowerBound, bestScore = -Double.infinity
        reference.withUnsafeBufferPointer { ref in
            signal.withUnsafeBufferPointer { sig in
                for lag in candidates {
                    let first = signalStart + lag
                    guard first >= 0, (first + window) * 2 <= ref.count, (signalStart + window) * 2 <= sig.count else { continue }
                    var sum: Float = 0
                    for index in stride(from: 0, to: window * 2, by: 1) {
                        sum += ref[first * 2 + index] * sig[signalStart * 2 + index]
                    }
                    if Double(sum) > bestScore { bestScore = Double(sum); best = lag }
                }
            }
        }
        return best
    }

    /// One stretch of a recording between two of the server's silences, lined up on its own.
    public struct Stretch {
        /// Its frames in the spliced recording.
        public let frames: Range<Int>
        /// Where it lines up: `reference[frame + lag]` for its `frame`.
        public let lag: Int
        public let correlation: Double
    }

    /// Each stretch of `spliced` between the server's silences, within its frames `frames`, lined
    /// up with `reference` on its own. The first is searched at `expectedLag` ± `firstSearch`;
    /// each later one from the previous lag to `maximumSkip` frames on, since a starved
    /// PulseAudio (15.x, null sink) drops a few milliseconds of the stream at an underrun and
    /// then plays the rest as it came: measured on white noise through `pacat`, 16 underruns in
    /// 20 s, every stretch identical to the source sample for sample, 0–5 ms further on than the
    /// one before. Stretches shorter than `minimumFrames` are too short to line up and are left
    /// out (the caller sees how much is covered).
    public static func stretchCorrelations(reference: [Float], spliced: Spliced, frames: Range<Int>, expectedLag: Int,
                                           firstSearch: Int, maximumSkip: Int, minimumFrames: Int = 2048) -> [Stretch] {
        let joins = spliced.gaps.map { spliced.splicedFrame($0.lowerBound) }.filter { frames.contains($0) && $0 != frames.lowerBound }
        let bounds = [frames.lowerBound] + joins + [frames.upperBound]
        var stretches: [Stretch] = []
        var previousLag: Int?
        for (from, to) in zip(bounds, bounds.dropFirst()) where to - from >= minimumFrames {
            let candidates = previousLag.map { ($0 - 64)...($0 + maximumSkip) } ?? (expectedLag - firstSearch)...(expectedLag + firstSearch)
            let lag = bestLag(reference: reference, signal: spliced.samples, signalStart: from, window: min(to - from, 22050),
                              candidates: candidates)
            var value = 0.0
            if from + lag >= 0, (to + lag) * 2 <= reference.count, to * 2 <= spliced.samples.count {
                value = correlation(spliced.samples[(from * 2)..<(to * 2)], reference[((from + lag) * 2)..<((to + lag) * 2)])
            }
            stretches.append(Stretch(frames: from..<to, lag: lag, correlation: value))
            previousLag = lag
        }
        return stretches
    }

    /// A line for a test's output: each stretch's length, skip and correlation.
    public static func describe(_ stretches: [Stretch]) -> String {
        var previous: Int?
        return stretches.map { stretch in
            defer { previous = stretch.lag }
            let skip = previous.map { String(format: ", %+.1f ms", Double(stretch.lag - $0) / 44.1) } ?? ""
            return String(format: "%.2f s", Double(stretch.frames.count) / 44100) + skip + String(format: ": %.7f", stretch.correlation)
        }.joined(separator: "; ")
    }

    /// The recording with every run of digital silence (both channels exactly 0) of at least
    /// `minimumFrames` cut out. When a starved sound server underruns, it plays silence until the
    /// client's data is back, and then that data, less a few milliseconds (`stretchCorrelations`):
    /// cutting the silences out leaves what the client delivered, in order, in stretches. (Music
    /// does not hold both channels at exactly zero for 16 frames; the tests check that of their
    /// reference where they rely on it.)
    public static func splicingOutSilences(_ interleaved: [Float], minimumFrames: Int = 16) -> Spliced {
        let frames = interleaved.count / 2
        var gaps: [Range<Int>] = []
        var runStart: Int?
        for frame in 0...frames {
            let silent = frame < frames && interleaved[frame * 2] == 0 && interleaved[frame * 2 + 1] == 0
            if silent {
                if runStart == nil { runStart = frame }
            } else if let start = runStart {
                if frame - start >= minimumFrames { gaps.append(start..<frame) }
                runStart = nil
            }
        }
        var kept: [Float] = []
        kept.reserveCapacity(interleaved.count)
        var next = 0
        for gap in gaps + [frames..<frames] {
            kept.append(contentsOf: interleaved[(next * 2)..<(gap.lowerBound * 2)])
            next = gap.upperBound
        }
        return Spliced(samples: kept, gaps: gaps)
    }

    /// A recording with its silences cut out, and the way between its frames and the recording's.
    public struct Spliced {
        /// Interleaved stereo, the silences removed.
        public let samples: [Float]
        /// The silences cut, in the recording's frames, in order.
        public let gaps: [Range<Int>]

        /// Where recording frame `frame` is in `samples` (a frame inside a gap: where the gap was).
        public func splicedFrame(_ frame: Int) -> Int {
            frame - gaps.reduce(0) { $0 + max(0, min($1.upperBound, frame) - $1.lowerBound) }
        }

        /// Where frame `frame` of `samples` was in the recording.
        public func recordingFrame(_ frame: Int) -> Int {
            var recording = frame
            for gap in gaps {
                guard gap.lowerBound <= recording else { break }
                recording += gap.count
            }
            return recording
        }

        /// The silences that lie (at least partly) within `frames` of the recording.
        public func gaps(within frames: Range<Int>) -> [Range<Int>] { gaps.filter { $0.overlaps(frames) } }
    }

    /// Pearson correlation of two equally long sample runs.
    public static func correlation(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        precondition(a.count == b.count, "correlation needs equal lengths")
        let n = Double(a.count)
        var sumA = 0.0, sumB = 0.0, sumAB = 0.0, sumAA = 0.0, sumBB = 0.0
        for (x, y) in zip(a, b) {
            let dx = Double(x), dy = Double(y)
            sumA += dx; sumB += dy; sumAB += dx * dy; sumAA += dx * dx; sumBB += dy * dy
        }
        let covariance = sumAB - sumA * sumB / n
        let varianceA = sumAA - sumA * sumA / n, varianceB = sumBB - sumB * sumB / n
        return covariance / (varianceA * varianceB).squareRoot()
    }

    /// The first frame whose stereo sample magnitude exceeds `threshold`.
    public static func firstSound(_ interleaved: [Float], threshold: Float = 1e-4) -> Int? {
        var index = 0
        while index + 1 < interleaved.count {
            if abs(interleaved[index]) > threshold || abs(interleaved[index + 1]) > threshold { return index / 2 }
            index += 2
        }
        return nil
    }

    /// RMS of each `window`-frame block of interleaved stereo, dB.
    public static func blockLevelsDB(_ interleaved: [Float], window: Int) -> [Double] {
        let frames = interleaved.count / 2
        return stride(from: 0, to: frames - window + 1, by: window).map { start in
            var sum = 0.0
            for index in start * 2..<(start + window) * 2 { sum += Double(interleaved[index] * interleaved[index]) }
            let rms = (sum / Double(window * 2)).squareRoot()
            return rms > 0 ? 20 * log10(rms) : -200
        }
    }
}

import Foundation
