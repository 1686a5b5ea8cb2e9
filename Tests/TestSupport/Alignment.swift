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

    /// How well `signal` follows `reference` over `frames` frames from `signalStart`, window by
    /// window, each window lined up on its own: one correlation per `window` frames.
    ///
    /// A starved player leaves gaps in a recording, and each gap moves everything after it later:
    /// one alignment for the whole span then fails everywhere past the first gap. Here each window
    /// is searched from the lag of the last window that locked on (correlation ≥ 0.99; at first,
    /// `expectedLag` ± `firstSearch`): up to `searchBehind` frames later, since gaps only delay,
    /// and `searchAhead` earlier. A gap spoils the window it falls in, not the ones after it.
    public static func windowedCorrelations(reference: [Float], signal: [Float], signalStart: Int, frames: Int, window: Int,
                                            expectedLag: Int, firstSearch: Int, searchBehind: Int, searchAhead: Int) -> [Double] {
        var correlations: [Double] = []
        var locked: Int?
        var start = signalStart
        while start + window <= signalStart + frames {
            let candidates = locked.map { ($0 - searchBehind)...($0 + searchAhead) } ?? (expectedLag - firstSearch)...(expectedLag + firstSearch)
            let lag = bestLag(reference: reference, signal: signal, signalStart: start, window: window, candidates: candidates)
            var value = 0.0
            if start + lag >= 0, (start + lag + window) * 2 <= reference.count {
                value = correlation(signal[(start * 2)..<((start + window) * 2)], reference[((start + lag) * 2)..<((start + lag + window) * 2)])
            }
            if value >= 0.99 { locked = lag }
            correlations.append(value)
            start += window
        }
        return correlations
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

import Glibc
