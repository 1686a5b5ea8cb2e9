import CFFTW
import Foundation

/// A forward FFT of `size` real samples (FFTW, single precision), with its own aligned input and
/// output arrays: fill `input`, call `transform`, read the `size / 2 + 1` bins.
///
/// FFTW, not KissFFT: the spectra of the analysis (the tone meters' 8192-point frames, the
/// feature track's) were a third of a master's instructions with KissFFT; FFTW's vectorised
/// codelets do the same transforms about five times faster. Plans are made with `FFTW_ESTIMATE`
/// (no timing runs, so making one takes microseconds and leaves the arrays alone). FFTW's planner
/// is not thread-safe, so making and destroying plans is serialised; running one is not (each
/// instance is used by one thread at a time, on its own arrays).
final class RealFFT {
    /// `size` samples to transform.
    let input: UnsafeMutablePointer<Float>
    private let output: UnsafeMutablePointer<fftwf_complex>
    private let plan: fftwf_plan

    /// Serialises FFTW's planner.
    private static let planner = NSLock()

    init(size: Int) {
        precondition(size >= 2 && size % 2 == 0, "an even FFT size")
        let input = fftwf_alloc_real(size)!, output = fftwf_alloc_complex(size / 2 + 1)!
        input.initialize(repeating: 0, count: size)
        Self.planner.lock()
        plan = fftwf_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_ESTIMATE))
        Self.planner.unlock()
        self.input = input
        self.output = output
    }

    deinit {
        Self.planner.lock()
        fftwf_destroy_plan(plan)
        Self.planner.unlock()
        fftwf_free(input)
        fftwf_free(output)
    }

    /// Transforms `input` (which FFTW may not keep: it is not preserved in general).
    @inline(__always) func transform() { fftwf_execute(plan) }

    /// |X_k|² of bin `k` (0…size/2) of the last transform, unnormalised.
    @inline(__always) func power(ofBin bin: Int) -> Float {
        let value = output[bin]
        return value.0 * value.0 + value.1 * value.1
    }

    /// |X_k|² of bins `first` to `first + 7` (all within 0…size/2), in one vector step.
    @inline(__always) func powers(ofEightBinsFrom first: Int) -> SIMD8<Float> {
        let pairs = UnsafeRawPointer(output + first).loadUnaligned(as: SIMD16<Float>.self)   // (re, im) × 8
        let real = pairs.evenHalf, imaginary = pairs.oddHalf
        return real * real + imaginary * imaginary
    }
}
