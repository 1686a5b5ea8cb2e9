import Glibc

/// Harmonic saturation ("exciter") with tape and tube transfer curves, run at 4× the
/// sample rate so that the harmonics it makes do not fold back as aliases.
///
/// Usage: `prepare`, `setDrive`, `setMix`, `setMode`, `process` per block; the output is
/// delayed by `latencyFrames` (the dry path is delayed to match, so mixing never combs).
/// Parameters: drive 0…1 (curve gain 1…4: a mastering exciter colours, it does not fuzz), mix 0…1 (dry → saturated), mode tape | tube.
/// - tape: y = tanh(g·x)/g — symmetric, odd harmonics, unity gain for small signals.
/// - tube: y = (tanh(g·(x+b)) − tanh(g·b)) / (g·(1 − tanh²(g·b))), b = 0.25 — asymmetric,
///   adds even harmonics; a 5 Hz DC blocker removes the offset asymmetry creates.
/// Oversampling: two half-band stages (2×, 63 taps, Kaiser β 8; then 2×, 15 taps, β 6). At full
/// drive a −6 dBFS 15 kHz sine aliases at −68 dB (tape) and below −70 dB (tube) re the fundamental.
public struct Exciter {
    public enum Mode: Int, Sendable { case tape = 0, tube = 1 }

    private static let stage1 = HalfbandDesign(halfLength: 16, kaiserBeta: 8)
    private static let stage2 = HalfbandDesign(halfLength: 4, kaiserBeta: 6)
    private static let tubeBias: Float = 0.25

    /// Owns the half-band filters' buffers (freed in its deinit). A reference: the exciter is
    /// not copied while it runs, and the filters' memory must outlive any one method call.
    private final class Oversampler {
        var up1 = HalfbandUpsampler(stage1), up2 = HalfbandUpsampler(stage2)
        var down1 = HalfbandDownsampler(stage1), down2 = HalfbandDownsampler(stage2)
        deinit { up1.deallocate(); up2.deallocate(); down1.deallocate(); down2.deallocate() }
    }
    private var filters = Oversampler()
    /// The 2×-rate stream is delayed by one sample before the second stage, so that stage's
    /// round trip (2·K₂ − 1 samples) becomes 2·K₂: a whole number of base samples, phase kept.
    private var pendingOdd = SIMD2<Float>.zero
    private var dryDelay: [SIMD2<Float>] = []
    private var dryPosition = 0
    private var drive = SmoothedValue(0, rampFrames: 1)
    private var mix = SmoothedValue(0, rampFrames: 1)
    private var mode = Mode.tape
    private var dcBlockerIn = SIMD2<Float>.zero, dcBlockerOut = SIMD2<Float>.zero
    private var dcCoefficient: Float = 0.9993

    public init() {}

    /// Frames of delay through the exciter, wet or dry.
    public static var latencyFrames: Int { (2 * stage1.halfLength - 1) + stage2.halfLength }
    public var latencyFrames: Int { Self.latencyFrames }

    public mutating func prepare(_ spec: ProcessSpec) {
        let ramp = Int(0.02 * spec.sampleRate)
        drive = SmoothedValue(drive.target, rampFrames: ramp)
        mix = SmoothedValue(mix.target, rampFrames: ramp)
        dryDelay = Array(repeating: .zero, count: Self.latencyFrames)
        dcCoefficient = Float(exp(-2 * Double.pi * 5 / (4 * spec.sampleRate)))
        reset()
    }

    public mutating func reset() {
        filters.up1.reset(); filters.up2.reset(); filters.down1.reset(); filters.down2.reset()
        pendingOdd = .zero
        for index in dryDelay.indices { dryDelay[index] = .zero }
        dryPosition = 0
        dcBlockerIn = .zero; dcBlockerOut = .zero
        drive.snap(to: drive.target); mix.snap(to: mix.target)
    }

    public mutating func setDrive(_ value: Double) { drive.setTarget(min(max(value, 0), 1)) }
    public mutating func setMix(_ value: Double) { mix.setTarget(min(max(value, 0), 1)) }
    public mutating func setMode(_ value: Mode) { mode = value }

    /// The curve's constants for one curve gain: computed once per frame, used at all four 4× samples.
    private struct Curve {
        let gain: Float, bias: Float, offset: Float, inverseSlope: Float

        init(gain g: Float, mode: Mode) {
            gain = g
            bias = mode == .tube ? Exciter.tubeBias : 0
            offset = mode == .tube ? tanhf(g * bias) : 0
            inverseSlope = 1 / (g * (1 - offset * offset))   // unity gain for small signals
        }

        @inline(__always) func apply(_ x: SIMD2<Float>) -> SIMD2<Float> {
            apply(SIMD4(lowHalf: x, highHalf: x)).lowHalf
        }

        @inline(__always) func apply(_ x: SIMD4<Float>) -> SIMD4<Float> {
            (fastTanh(gain * (x + bias)) - offset) * inverseSlope
        }

        @inline(__always) func apply(_ x: SIMD8<Float>) -> SIMD8<Float> {
            (fastTanh(gain * (x + bias)) - offset) * inverseSlope
        }
    }

    public mutating func process(_ block: StereoBlock) {
        guard block.frameCount > 0 else { return }
        // The dry delay line through a buffer pointer for the block: storing into the array from
        // this mutating method checked its uniqueness at every frame (1 % of a master's work).
        var ring = dryDelay
        dryDelay = []
        ring.withUnsafeMutableBufferPointer { render(block, dryRing: $0) }
        dryDelay = ring
    }

    private mutating func render(_ block: StereoBlock, dryRing: UnsafeMutableBufferPointer<SIMD2<Float>>) {
        let frames = block.frameCount
        drive.advance(frames: frames)
        mix.advance(frames: frames)
        let silent = mix.current == 0 && mix.previous == 0
        // Work on local copies (pointers and counters): no class-property access checks per sample.
        var up1 = filters.up1, up2 = filters.up2, down1 = filters.down1, down2 = filters.down2
        defer { filters.up1 = up1; filters.up2 = up2; filters.down1 = down1; filters.down2 = down2 }
        // The curve's constants (a tanhf and a division) once per block unless the drive is gliding.
        let driveGlides = drive.current != drive.previous
        var curve = Curve(gain: Float(1 + 3 * drive.current), mode: mode)
        var index = 0
        // Four frames at a time (eight floats a vector) while the drive holds still, then two,
        // then the odd one out: each path is lane for lane the single one, so the output does
        // not depend on where blocks split.
        while !silent && !driveGlides && index + 3 < frames {
            let input = (SIMD2(block.left[index], block.right[index]), SIMD2(block.left[index + 1], block.right[index + 1]),
                         SIMD2(block.left[index + 2], block.right[index + 2]), SIMD2(block.left[index + 3], block.right[index + 3]))
            let dry = (delayDry(input.0, dryRing), delayDry(input.1, dryRing), delayDry(input.2, dryRing), delayDry(input.3, dryRing))
            // Up 2×: the four evens and the four odds. The 2× stream, delayed by one sample, is
            // pending e₀ o₀ e₁ o₁ e₂ o₂ e₃ (o₃ waits): the second stage takes it four at a time.
            let (evens, odds) = up1.processQuad(input.0, input.1, input.2, input.3)
            let (evensA, oddsA) = up2.processQuad(pendingOdd, Self.lane(evens, 0), Self.lane(odds, 0), Self.lane(evens, 1))
            let (evensB, oddsB) = up2.processQuad(Self.lane(odds, 1), Self.lane(evens, 2), Self.lane(odds, 2), Self.lane(evens, 3))
            pendingOdd = Self.lane(odds, 3)
            // The curve at 4×, then down to 2× (d₀…d₇ along the delayed stream) and to 1×, whose
            // evens are d₀ d₂ d₄ d₆ and odds d₁ d₃ d₅ d₇.
            let downA = down2.processQuad(even: curve.apply(evensA), odd: curve.apply(oddsA))
            let downB = down2.processQuad(even: curve.apply(evensB), odd: curve.apply(oddsB))
            let wets = down1.processQuad(
                even: SIMD8(downA[0], downA[1], downA[4], downA[5], downB[0], downB[1], downB[4], downB[5]),
                odd: SIMD8(downA[2], downA[3], downA[6], downA[7], downB[2], downB[3], downB[6], downB[7]))
            @inline(__always) func write(_ offset: Int, dry: SIMD2<Float>) {
                let out = finish(Self.lane(wets, offset), dry: dry, amount: Float(mix.value(at: index + offset, of: frames)))
                block.left[index + offset] = out[0]; block.right[index + offset] = out[1]
            }
            write(0, dry: dry.0); write(1, dry: dry.1); write(2, dry: dry.2); write(3, dry: dry.3)
            index += 4
        }
        while index + 1 < frames {
            let first = SIMD2(block.left[index], block.right[index])
            let second = SIMD2(block.left[index + 1], block.right[index + 1])
            let dryFirst = delayDry(first, dryRing), drySecond = delayDry(second, dryRing)
            if silent {
                _ = up1.processPair(first, second)
                block.left[index] = dryFirst[0]; block.right[index] = dryFirst[1]
                block.left[index + 1] = drySecond[0]; block.right[index + 1] = drySecond[1]
                index += 2
                continue
            }
            var secondCurve = curve
            if driveGlides {
                curve = Curve(gain: Float(1 + 3 * drive.value(at: index, of: frames)), mode: mode)
                secondCurve = Curve(gain: Float(1 + 3 * drive.value(at: index + 1, of: frames)), mode: mode)
            }
            // Up 2×: (even, odd) of both frames. The 2× stream is even₁ odd₁ even₂ odd₂, delayed
            // by one sample, so the second stage sees (pending, even₁) and (odd₁, even₂).
            let (evens, odds) = up1.processPair(first, second)
            let (evensA, oddsA) = up2.processPair(pendingOdd, evens.lowHalf)
            let (evensB, oddsB) = up2.processPair(odds.lowHalf, evens.highHalf)
            pendingOdd = odds.highHalf
            // The curve at 4×, then down 4× → 2× → 1×.
            let downA = down2.processPair(even: curve.apply(evensA), odd: curve.apply(oddsA))
            let downB = down2.processPair(even: secondCurve.apply(evensB), odd: secondCurve.apply(oddsB))
            let wets = down1.processPair(even: SIMD4(lowHalf: downA.lowHalf, highHalf: downB.lowHalf),
                                         odd: SIMD4(lowHalf: downA.highHalf, highHalf: downB.highHalf))
            let outFirst = finish(wets.lowHalf, dry: dryFirst, amount: Float(mix.value(at: index, of: frames)))
            let outSecond = finish(wets.highHalf, dry: drySecond, amount: Float(mix.value(at: index + 1, of: frames)))
            block.left[index] = outFirst[0]; block.right[index] = outFirst[1]
            block.left[index + 1] = outSecond[0]; block.right[index + 1] = outSecond[1]
            curve = secondCurve
            index += 2
        }
        if index < frames {
            let input = SIMD2(block.left[index], block.right[index])
            let dry = delayDry(input, dryRing)
            if silent {
                // Keep the oversamplers fed so turning the mix up later starts from a warm state.
                _ = up1.process(input)
                block.left[index] = dry[0]; block.right[index] = dry[1]
                return
            }
            if driveGlides { curve = Curve(gain: Float(1 + 3 * drive.value(at: index, of: frames)), mode: mode) }
            // Up 2× then 2× again: four samples at 4×.
            let (even, odd) = up1.process(input)
            let (a1, a2) = up2.process(pendingOdd)
            let (b1, b2) = up2.process(even)
            pendingOdd = odd
            // Down 4× → 2× → 1×.
            let d1 = down2.process(even: curve.apply(a1), odd: curve.apply(a2))
            let d2 = down2.process(even: curve.apply(b1), odd: curve.apply(b2))
            let output = finish(down1.process(even: d1, odd: d2), dry: dry, amount: Float(mix.value(at: index, of: frames)))
            block.left[index] = output[0]; block.right[index] = output[1]
        }
    }

    /// Frame `index` (0…3) of four stereo frames held as (left, right) × 4.
    @inline(__always) private static func lane(_ frames: SIMD8<Float>, _ index: Int) -> SIMD2<Float> {
        SIMD2(frames[2 * index], frames[2 * index + 1])
    }

    /// The dry path's delay line: stores `input`, returns the input `latencyFrames` ago.
    @inline(__always) private mutating func delayDry(_ input: SIMD2<Float>, _ ring: UnsafeMutableBufferPointer<SIMD2<Float>>) -> SIMD2<Float> {
        let dry = ring[dryPosition]
        ring[dryPosition] = input
        dryPosition = dryPosition + 1 == ring.count ? 0 : dryPosition + 1
        return dry
    }

    /// The DC blocker (tube only: y = x − x₋₁ + R·y₋₁), then the dry/wet mix.
    @inline(__always) private mutating func finish(_ wet: SIMD2<Float>, dry: SIMD2<Float>, amount: Float) -> SIMD2<Float> {
        var wet = wet
        if mode == .tube {
            let blocked = wet - dcBlockerIn + dcCoefficient * dcBlockerOut
            dcBlockerIn = wet; dcBlockerOut = blocked
            wet = blocked
        }
        return dry + amount * (wet - dry)
    }
}
