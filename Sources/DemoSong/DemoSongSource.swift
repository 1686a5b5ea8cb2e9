import Glibc
import MasteringDSP

/// The built-in demo song, synthesized block by block on demand (constant memory, same
/// samples on every run): the default input wherever a command takes an optional file.
public final class DemoSongSource: AudioSource {
    static let songSampleRate = 44100.0
    static let maxVoices = 128
    static let chunkFrames = 512

    public let sampleRate = DemoSongSource.songSampleRate
    public let channelCount = 2
    public var frameCount: Int? { totalFrames }

    private let totalFrames: Int
    private let events: [NoteEvent]
    private var nextEvent = 0
    private var position = 0
    private var voices: [Voice] = []
    private var reverb: StereoReverb
    private let left: UnsafeMutablePointer<Float>
    private let right: UnsafeMutablePointer<Float>
    private let send: UnsafeMutablePointer<Float>

    public init() {
        totalFrames = Int(DemoArrangement.durationSeconds * Self.songSampleRate)
        events = DemoArrangement.score()
        voices.reserveCapacity(Self.maxVoices)
        reverb = StereoReverb(sampleRate: Self.songSampleRate)
        left = .allocate(capacity: Self.chunkFrames)
        right = .allocate(capacity: Self.chunkFrames)
        send = .allocate(capacity: Self.chunkFrames)
    }

    deinit {
        left.deallocate(); right.deallocate(); send.deallocate()
    }

    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
        let frames = min(buffer.count / 2, totalFrames - position)
        var written = 0
        while written < frames {
            startDueVoices()
            var chunk = min(Self.chunkFrames, frames - written)
            if nextEvent < events.count { chunk = min(chunk, events[nextEvent].start - position) }
            renderChunk(chunk, into: buffer.baseAddress! + written * 2)
            written += chunk
            position += chunk
        }
        return frames
    }

    private func startDueVoices() {
        while nextEvent < events.count && events[nextEvent].start <= position {
            if voices.count == Self.maxVoices { voices.removeFirst() } // steal the oldest
            voices.append(Voice(event: events[nextEvent], seed: UInt32(truncatingIfNeeded: nextEvent &* 2_654_435_761),
                                sampleRate: sampleRate))
            nextEvent += 1
        }
    }

    private func renderChunk(_ count: Int, into output: UnsafeMutablePointer<Float>) {
        left.update(repeating: 0, count: count)
        right.update(repeating: 0, count: count)
        send.update(repeating: 0, count: count)
        for index in voices.indices {
            voices[index].render(count: count, left: left, right: right, send: send)
        }
        voices.removeAll { $0.finished }

        for index in 0..<count {
            let frame = position + index
            let (wetLeft, wetRight) = reverb.process(send[index])
            let drive = Self.busDrive(atFrame: frame, sampleRate: sampleRate)
            var l = left[index] + wetLeft
            var r = right[index] + wetRight
            if drive > 1 {
                // Bus saturation with unity gain for small signals: the denser sections get
                // rounder peaks (never above 1/drive), as a mixed track's bus would.
                l = tanh(l * drive) / drive
                r = tanh(r * drive) / drive
            }
            let fade = fadeGain(atFrame: frame)
            output[2 * index] = l * fade
            output[2 * index + 1] = r * fade
        }
    }

    /// Saturation drive of the mix bus per section (1 = clean).
    private static func busDrive(atFrame frame: Int, sampleRate: Double) -> Float {
        let seconds = Double(frame) / sampleRate
        switch DemoArrangement.sections.firstIndex(where: { seconds < $0.endSeconds }) ?? 4 {
        case 1: return 2.2  // powerful
        case 3: return 1.6  // dark
        case 4: return 1.5  // bright
        default: return 1
        }
    }

    /// 10 ms fade-in and a 2 s fade-out at the very end, so the song neither clicks nor cuts off.
    private func fadeGain(atFrame frame: Int) -> Float {
        let fadeIn = Int(0.01 * sampleRate), fadeOut = Int(2 * sampleRate)
        if frame < fadeIn { return Float(frame) / Float(fadeIn) }
        let remaining = totalFrames - frame
        if remaining < fadeOut { return Float(remaining) / Float(fadeOut) }
        return 1
    }
}
