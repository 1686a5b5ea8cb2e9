import CSoxr

/// Streaming sample-rate conversion of interleaved float frames with libsoxr (high quality).
/// Owns the `soxr_t`. Wraps `soxr_create`, `soxr_process`, `soxr_delete`.
public final class Resampler {
    public struct Failure: Error, CustomStringConvertible { public let description: String }

    private let soxr: soxr_t
    private let channelCount: Int
    private let ratio: Double
    private var output: [Float]

    public init(from inputRate: Double, to outputRate: Double, channelCount: Int) throws {
        var error: soxr_error_t?
        guard let soxr = soxr_create(inputRate, outputRate, UInt32(channelCount), &error, nil, nil, nil),
              error == nil else {
            throw Failure(description: error.map { String(cString: $0) } ?? "soxr_create failed")
        }
        self.soxr = soxr
        self.channelCount = channelCount
        self.ratio = outputRate / inputRate
        output = [Float](repeating: 0, count: 8192 * channelCount)
    }

    deinit { soxr_delete(soxr) }

    /// Converts `input` and hands every produced block to `sink`.
    public func process(_ input: UnsafeBufferPointer<Float>, sink: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        var consumedFrames = 0
        let totalFrames = input.count / channelCount
        while consumedFrames < totalFrames {
            var done = 0, produced = 0
            let error = output.withUnsafeMutableBufferPointer { out in
                soxr_process(soxr, input.baseAddress! + consumedFrames * channelCount, totalFrames - consumedFrames, &done,
                             out.baseAddress, out.count / channelCount, &produced)
            }
            if let error { throw Failure(description: String(cString: error)) }
            consumedFrames += done
            try emit(frames: produced, sink: sink)
        }
    }

    /// Drains what soxr still holds at the end of the stream.
    public func flush(sink: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        while true {
            var produced = 0
            let error = output.withUnsafeMutableBufferPointer { out in
                soxr_process(soxr, nil, 0, nil, out.baseAddress, out.count / channelCount, &produced)
            }
            if let error { throw Failure(description: String(cString: error)) }
            if produced == 0 { return }
            try emit(frames: produced, sink: sink)
        }
    }

    private func emit(frames: Int, sink: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        guard frames > 0 else { return }
        try output.withUnsafeBufferPointer { try sink(UnsafeBufferPointer(rebasing: $0[0..<frames * channelCount])) }
    }
}
