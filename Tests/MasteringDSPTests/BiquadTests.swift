import Glibc
import MasteringDSP
import Testing
import TestSupport

/// Filters are checked by measuring sine gains through the running filter against
/// the analytic magnitude of the cookbook transfer function.
@Suite struct BiquadTests {
    static let sampleRate = 44100.0

    /// Gain in dB of a steady sine through `filter`, measured after the transient.
    static func measuredGainDB(_ coefficients: BiquadCoefficients, frequency: Double) -> Double {
        let input = TestSignals.sine(frequency: frequency, levelDBFS: -6, seconds: 1.0, sampleRate: sampleRate, channels: 1)
        var filter = Biquad(coefficients)
        let output = input.map { filter.process($0) }
        let settled = output.count / 2
        return rmsDBFS(output[settled...]) - rmsDBFS(input[settled...])
    }

    static func analyticDB(_ c: BiquadCoefficients, _ frequency: Double) -> Double {
        Decibels.fromAmplitude(c.magnitude(atFrequency: frequency, sampleRate: sampleRate))
    }

    @Test(arguments: [30.0, 100.0, 250.0, 1000.0, 8000.0])
    func lowShelfMatchesAnalyticCurve(frequency: Double) {
        let shelf = BiquadCoefficients.lowShelf(sampleRate: Self.sampleRate, frequency: 200, gainDB: 6)
        let measured = Self.measuredGainDB(shelf, frequency: frequency)
        let expected = Self.analyticDB(shelf, frequency)
        #expect(abs(measured - expected) < 0.05, "measured \(measured) dB, analytic \(expected) dB at \(frequency) Hz")
    }

    @Test func shelvesReachTheirGainFarFromTheCorner() {
        let low = BiquadCoefficients.lowShelf(sampleRate: Self.sampleRate, frequency: 200, gainDB: 6)
        let high = BiquadCoefficients.highShelf(sampleRate: Self.sampleRate, frequency: 4000, gainDB: -4)
        #expect(abs(Self.analyticDB(low, 20) - 6) < 0.1)
        #expect(abs(Self.analyticDB(low, 200) - 3) < 0.05, "a cookbook shelf is at half its gain at the corner")
        #expect(abs(Self.analyticDB(low, 10000)) < 0.05)
        #expect(abs(Self.analyticDB(high, 18000) + 4) < 0.15)
        #expect(abs(Self.analyticDB(high, 4000) + 2) < 0.05)
        #expect(abs(Self.analyticDB(high, 50)) < 0.05)
    }

    @Test(arguments: [60.0, 1000.0, 6000.0, 15000.0])
    func highShelfMatchesAnalyticCurve(frequency: Double) {
        let shelf = BiquadCoefficients.highShelf(sampleRate: Self.sampleRate, frequency: 5000, gainDB: -3)
        let measured = Self.measuredGainDB(shelf, frequency: frequency)
        #expect(abs(measured - Self.analyticDB(shelf, frequency)) < 0.05)
    }

    @Test func butterworthLowPassIsThreeDecibelsDownAtTheCorner() {
        let lowPass = BiquadCoefficients.lowPass(sampleRate: Self.sampleRate, frequency: 1000)
        #expect(abs(Self.measuredGainDB(lowPass, frequency: 1000) + 3.01) < 0.05)
        #expect(Self.measuredGainDB(lowPass, frequency: 8000) < -35)
    }

    @Test(arguments: [50.0, 200.0, 1000.0, 5000.0])
    func linkwitzRileyBandsSumFlat(frequency: Double) {
        // LR4 (two cascaded Butterworth sections per side, as the band meter builds it):
        // low + high is an all-pass, so the sum has unity gain at every frequency.
        let input = TestSignals.sine(frequency: frequency, levelDBFS: -6, seconds: 1.0, sampleRate: Self.sampleRate, channels: 1)
        let lp = BiquadCoefficients.lowPass(sampleRate: Self.sampleRate, frequency: 200)
        let hp = BiquadCoefficients.highPass(sampleRate: Self.sampleRate, frequency: 200)
        var low1 = Biquad(lp), low2 = Biquad(lp), high1 = Biquad(hp), high2 = Biquad(hp)
        var low = [Float](), sum = [Float]()
        for sample in input {
            let lowPart = low2.process(low1.process(sample)), highPart = high2.process(high1.process(sample))
            low.append(lowPart)
            sum.append(lowPart + highPart)
        }
        let settled = input.count / 2
        let sumGain = rmsDBFS(sum[settled...]) - rmsDBFS(input[settled...])
        #expect(abs(sumGain) < 0.05, "low+high gain \(sumGain) dB at \(frequency) Hz")
        if frequency == 200 {
            let lowGain = rmsDBFS(low[settled...]) - rmsDBFS(input[settled...])
            #expect(abs(lowGain + 6.02) < 0.1, "each LR4 side is −6 dB at the crossover, got \(lowGain)")
        }
    }
}
