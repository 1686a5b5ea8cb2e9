import Glibc
import MasteringDSP

/// One sounding note: oscillators, envelope and filters for its instrument.
///
/// Rendering adds into the dry stereo bus and the reverb send; the switch over the
/// instrument happens once per chunk, not per sample.
struct Voice {
    private(set) var event: NoteEvent
    private(set) var age = 0
    private(set) var finished = false
    private var phases: (Float, Float, Float) = (0, 0, 0)
    private var noise: UInt32
    private var filterLeft = Biquad()
    private var filterRight = Biquad()
    private var envelope: Float = 1
    private let sampleRate: Float
    private let panLeft: Float, panRight: Float

    init(event: NoteEvent, seed: UInt32, sampleRate: Double) {
        self.event = event
        self.sampleRate = Float(sampleRate)
        noise = seed | 1
        // Equal-power pan law.
        let angle = (event.pan + 1) * Float.pi / 4
        panLeft = cos(angle)
        panRight = sin(angle)
        let rate = sampleRate
        switch event.instrument {
        case .closedHat: filterLeft = Biquad(.highPass(sampleRate: rate, frequency: 7000))
        case .openHat: filterLeft = Biquad(.highPass(sampleRate: rate, frequency: 6000))
        case .crash: filterLeft = Biquad(.highPass(sampleRate: rate, frequency: 4000))
        case .clap: filterLeft = Biquad(.peaking(sampleRate: rate, frequency: 1200, q: 0.8, gainDB: 12))
        case .snare:
            filterLeft = event.cutoff > 0
                ? Biquad(.lowPass(sampleRate: rate, frequency: Double(event.cutoff)))
                : Biquad(.highPass(sampleRate: rate, frequency: 1500))
        case .bass, .pad, .chordSaw, .lead, .pluck:
            let corner = Double(min(event.cutoff > 0 ? event.cutoff : 8000, Float(sampleRate) * 0.45))
            filterLeft = Biquad(.lowPass(sampleRate: rate, frequency: corner, q: 0.8))
            filterRight = filterLeft
        case .kick, .tom, .subBass:
            break
        }
    }

    // MARK: - Sources

    /// Uniform white noise in [−1, 1) from a 32-bit xorshift: deterministic on every machine.
    @inline(__always) private mutating func nextNoise() -> Float {
        noise ^= noise << 13
        noise ^= noise >> 17
        noise ^= noise << 5
        return Float(Int32(bitPattern: noise)) * (1 / 2_147_483_648)
    }

    /// Band-limited sawtooth (PolyBLEP) at phase `t` ∈ [0, 1) advancing by `dt` per sample.
    @inline(__always) private static func saw(_ t: Float, _ dt: Float) -> Float {
        var value = 2 * t - 1
        if t < dt {
            let x = t / dt
            value -= x + x - x * x - 1
        } else if t > 1 - dt {
            let x = (t - 1) / dt
            value -= x * x + x + x + 1
        }
        return value
    }

    @inline(__always) private static func advance(_ phase: inout Float, by step: Float) {
        phase += step
        if phase >= 1 { phase -= 1 }
    }

    /// Attack–hold–release envelope of held instruments (linear segments).
    @inline(__always) private func gateEnvelope() -> Float {
        let attack = max(1, event.attackSeconds * sampleRate)
        let release = max(1, event.releaseSeconds * sampleRate)
        let age = Float(self.age)
        if age < attack { return age / attack }
        let length = Float(event.length)
        if age < length { return 1 }
        return max(0, 1 - (age - length) / release)
    }

    private var tailFrames: Int {
        let seconds: Float
        switch event.instrument {
        case .kick: seconds = 1.0
        case .snare, .clap: seconds = 0.8
        case .closedHat: seconds = 0.3
        case .openHat: seconds = 1.2
        case .crash: seconds = 3.5
        case .tom: seconds = 1.5
        default: return event.length + Int(event.releaseSeconds * sampleRate) + 1
        }
        return Int(seconds * sampleRate)
    }

    // MARK: - Rendering

    /// Adds `count` frames to the buses (dry left and right, mono reverb send).
    mutating func render(count: Int, left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>,
                         send: UnsafeMutablePointer<Float>) {
        let frames = min(count, tailFrames - age)
        guard frames > 0 else { finished = true; return }
        let velocity = event.velocity
        let reverb = event.reverbSend
        let inverseRate = 1 / sampleRate
        let dt = event.frequency * inverseRate

        for index in 0..<frames {
            let t = Float(age) * inverseRate
            var l: Float, r: Float
            switch event.instrument {
            case .kick:
                // A sine falling from ~160 Hz to 48 Hz, plus a short click of noise.
                let frequency = 48 + 110 * exp(-t / 0.035)
                Self.advance(&phases.0, by: frequency * inverseRate)
                let body = sin(2 * Float.pi * phases.0) * exp(-t / 0.32)
                let click = nextNoise() * exp(-t / 0.002) * 0.25
                l = (body + click) * velocity; r = l
            case .snare:
                Self.advance(&phases.0, by: 185 * inverseRate)
                let tone = sin(2 * Float.pi * phases.0) * exp(-t / 0.07) * 0.5
                let rattle = filterLeft.process(nextNoise()) * exp(-t / 0.14)
                l = (tone + rattle) * velocity; r = l
            case .closedHat:
                l = filterLeft.process(nextNoise()) * exp(-t / 0.03) * velocity; r = l
            case .openHat:
                l = filterLeft.process(nextNoise()) * exp(-t / 0.22) * velocity; r = l
            case .crash:
                l = filterLeft.process(nextNoise()) * exp(-t / 0.8) * velocity; r = l
            case .clap:
                // Three quick bursts then a short tail, like hands that never quite agree.
                let burst = t < 0.03 ? exp(-(t.truncatingRemainder(dividingBy: 0.01)) / 0.003) : exp(-(t - 0.03) / 0.1)
                l = filterLeft.process(nextNoise()) * burst * velocity * 0.6; r = l
            case .tom:
                let frequency = event.frequency * (1 + 0.5 * exp(-t / 0.06))
                Self.advance(&phases.0, by: frequency * inverseRate)
                l = sin(2 * Float.pi * phases.0) * exp(-t / 0.28) * velocity; r = l
            case .subBass:
                Self.advance(&phases.0, by: dt)
                l = sin(2 * Float.pi * phases.0) * gateEnvelope() * velocity; r = l
            case .bass:
                Self.advance(&phases.0, by: dt)
                let raw = tanh(Self.saw(phases.0, dt) * event.drive) / max(1, tanh(event.drive) * 1.2)
                l = filterLeft.process(raw) * gateEnvelope() * velocity; r = l
            case .pad, .chordSaw:
                // Three saws: the centre one in both channels, the detuned ones one per side.
                let spread = event.detune
                Self.advance(&phases.0, by: dt)
                Self.advance(&phases.1, by: dt * (1 - spread))
                Self.advance(&phases.2, by: dt * (1 + spread))
                let centre = Self.saw(phases.0, dt) * 0.7
                let envelope = gateEnvelope() * velocity
                if spread == 0 {
                    l = filterLeft.process(centre + Self.saw(phases.1, dt)) * envelope; r = l
                } else {
                    l = filterLeft.process(centre + Self.saw(phases.1, dt * (1 - spread))) * envelope
                    r = filterRight.process(centre + Self.saw(phases.2, dt * (1 + spread))) * envelope
                }
            case .lead:
                // A square wave (difference of two saws half a cycle apart) with a late, gentle vibrato.
                let vibrato = t > 0.12 ? 1 + 0.004 * sin(2 * Float.pi * 5.5 * t) : 1
                let step = dt * vibrato
                Self.advance(&phases.0, by: step)
                var shifted = phases.0 + 0.5
                if shifted >= 1 { shifted -= 1 }
                let square = Self.saw(phases.0, step) - Self.saw(shifted, step)
                l = filterLeft.process(square * 0.5) * gateEnvelope() * velocity; r = l
            case .pluck:
                // Sine with two overtones and a piano-like exponential decay.
                Self.advance(&phases.0, by: dt)
                let phase = 2 * Float.pi * phases.0
                let tone = sin(phase) + 0.45 * sin(2 * phase) + 0.2 * sin(3 * phase)
                let decay = exp(-t / max(0.05, event.releaseSeconds * 0.5))
                let attack = min(1, t / 0.002)
                l = filterLeft.process(tone) * decay * attack * min(1, gateEnvelope() + 0.6) * velocity * 0.6; r = l
            }
            left[index] += l * panLeft
            right[index] += r * panRight
            send[index] += (l + r) * 0.5 * reverb
            age += 1
        }
        if age >= tailFrames { finished = true }
    }
}
