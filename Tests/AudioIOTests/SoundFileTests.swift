import Analysis
import AudioIO
import Foundation
import MasteringDSP
import Testing
import TestSupport

/// Writing and reading through libsndfile: every format, channel counts, sample rates,
/// atomic replacement and clean errors.
@Suite struct SoundFileTests {
    /// This test's own folder, removed after it.
    let scratch: ScratchFolder
    var folder: String { scratch.path }

    init() throws {
        scratch = try ScratchFolder("io")
    }

    func write(_ samples: [Float], to name: String, channels: Int, sampleRate: Int,
               encoding: SampleEncoding? = nil) throws -> String {
        let path = folder + "/" + name
        let writer = try SoundFileWriter(path: path, sampleRate: sampleRate, channelCount: channels, encoding: encoding)
        try samples.withUnsafeBufferPointer { try writer.write($0) }
        try writer.commit()
        return path
    }

    func readAll(_ path: String) throws -> (samples: [Float], reader: SoundFileReader) {
        let reader = try SoundFileReader(path: path)
        var samples: [Float] = []
        var buffer = [Float](repeating: 0, count: 1000 * reader.channelCount)
        while true {
            let frames = try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0) }
            if frames == 0 { break }
            samples += buffer[0..<frames * reader.channelCount]
        }
        return (samples, reader)
    }

    @Test func floatWavRoundTripsExactly() throws {
        let signal = TestSignals.whiteNoise(seconds: 0.5, channels: 2, rmsDBFS: -10)
        let path = try write(signal, to: "exact.wav", channels: 2, sampleRate: 44100, encoding: .float32)
        let (samples, reader) = try readAll(path)
        #expect(samples == signal)
        #expect(reader.formatDescription.contains("WAV"))
    }

    /// 16- and 24-bit files get each sample's nearest code: a tiny negative is 0, not −1; 0.6 of
    /// an LSB is 1 and −0.6 is −1; a half goes to the even code; full scale and beyond clamp to
    /// the rails; NaN, which the chain never makes, is 0. Every code reads back as itself.
    /// libsndfile's own conversion in clipping mode floored instead (−10⁻¹⁰ became −1, 0.6 LSB
    /// became 0): files half an LSB low, and a master's digital silence written as runs of −1.
    @Test(arguments: [(AudioFileFormat.wav, SampleEncoding.pcm16), (.wav, .pcm24), (.flac, .pcm16), (.flac, .pcm24), (.aiff, .pcm16)])
    func pcmSamplesRoundToTheNearestCode(format: AudioFileFormat, encoding: SampleEncoding) throws {
        let lsb = 1 / Float(1 << (encoding.bitDepth - 1))
        let cases: [(Float, Float)] = [
            (-1e-10, 0), (1e-10, 0), (-0.4 * lsb, 0), (0.4 * lsb, 0), (0.6 * lsb, lsb), (-0.6 * lsb, -lsb),
            (0.5 * lsb, 0), (1.5 * lsb, 2 * lsb), (-2.5 * lsb, -2 * lsb), (100.4 * lsb, 100 * lsb),
            (1, 1 - lsb), (1.5, 1 - lsb), (-1, -1), (-1.5, -1), (0.5, 0.5), (.infinity, 1 - lsb), (.nan, 0),
        ]
        // Every code of the file, or for 24 bits every 255th, near the rails, and each side.
        let step = encoding == .pcm16 ? 1 : 255
        let codes = stride(from: -(1 << (encoding.bitDepth - 1)), to: 1 << (encoding.bitDepth - 1), by: step).map { Float($0) * lsb }
        let samples = cases.map(\.0) + codes
        let path = try write(samples, to: "codes-\(encoding.rawValue).\(format.rawValue)", channels: 1, sampleRate: 44100, encoding: encoding)
        let (read, _) = try readAll(path)
        try #require(read.count == samples.count)
        for (index, (sample, expected)) in cases.enumerated() {
            #expect(read[index] == expected, "\(format) \(encoding.rawValue)-bit: \(sample / lsb) LSB read back as \(read[index] / lsb) LSB, not \(expected / lsb)")
        }
        let changed = zip(read[cases.count...], codes).filter { $0 != $1 }.count
        #expect(changed == 0, "\(changed) codes of \(codes.count) did not read back as themselves")
    }

    @Test(arguments: AudioFileFormat.allCases)
    func everyFormatWritesAndReadsBack(format: AudioFileFormat) throws {
        let signal = TestSignals.sine(frequency: 440, levelDBFS: -12, seconds: 2, sampleRate: 44100, channels: 2)
        let path = try write(signal, to: "tone.\(format.rawValue)", channels: 2, sampleRate: 44100)
        let (samples, reader) = try readAll(path)
        let expectedRate = format == .opus ? 48000.0 : 44100.0 // Opus takes 48 kHz: resampled on the way
        #expect(reader.sampleRate == expectedRate)
        #expect(reader.channelCount == 2)
        let seconds = Double(samples.count / 2) / reader.sampleRate
        #expect(abs(seconds - 2) < 0.1, "\(format): \(seconds) s")
        // Level survives encoding (lossy codecs within 0.5 dB).
        let level = rmsDBFS(samples[...])
        #expect(abs(level - (-12 - 3.01)) < (format.isLossy ? 0.5 : 0.01), "\(format): \(level) dBFS")
        // What LoopMind writes, the console's reference picker offers (it once left out .opus).
        #expect(AudioFileFormat.openableExtensions.contains(format.rawValue), "\(format)")
    }

    /// An Ogg stream cut short before its last page (an interrupted download or copy) has no
    /// length libsndfile can find: it announced `SF_COUNT_MAX` frames, and `master`, `play` and
    /// the console trapped on the first sum made from it. The reader counts what the stream
    /// decodes to instead, and the file reads like a shorter one.
    @Test(arguments: [AudioFileFormat.ogg, .opus])
    func aCutOggStreamReadsAsTheAudioItHolds(format: AudioFileFormat) throws {
        let signal = TestSignals.whiteNoise(seconds: 6, channels: 2, rmsDBFS: -20)
        let path = try write(signal, to: "whole.\(format.rawValue)", channels: 2, sampleRate: 48000)
        let whole = try #require(FileManager.default.contents(atPath: path))
        let cutPath = folder + "/cut.\(format.rawValue)"
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cutPath))
        let (samples, reader) = try readAll(cutPath)
        let frames = samples.count / 2
        #expect(reader.frameCount == frames, "announced \(String(describing: reader.frameCount)), decoded \(frames)")
        #expect(frames > 48000 && frames < 6 * 48000, "\(format): \(frames) frames of a 6 s stream cut in half")
        var again = try SoundFileReader(path: cutPath)
        let report = try Analyzer.analyze(&again)
        #expect(abs(report.durationSeconds - Double(frames) / 48000) < 0.001)
    }

    /// A cut MP3 keeps the length its Xing header announces: it is read as the audio it holds
    /// (a decoder's length may be an estimate), and the reader says it ended short, for a warning.
    @Test func aCutMP3SaysItEndedShort() throws {
        let signal = TestSignals.whiteNoise(seconds: 6, channels: 2, rmsDBFS: -20)
        let path = try write(signal, to: "whole.mp3", channels: 2, sampleRate: 44100)
        let (_, whole) = try readAll(path)
        #expect(whole.endedShort == nil, "the whole file holds what it announces")
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let cutPath = folder + "/cut.mp3"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cutPath))
        let (samples, cut) = try readAll(cutPath)
        let ending = try #require(cut.endedShort)
        #expect(ending.heldFrames == samples.count / 2 && ending.announcedFrames == cut.frameCount, "\(ending)")
        #expect(abs(Double(ending.announcedFrames) / 44100 - 6) < 0.1 && abs(Double(ending.heldFrames) / 44100 - 3) < 0.5, "\(ending)")
    }

    /// A decoder's estimate may miss by a little: short by over a second and over 2 % is "short".
    @Test func endingShortMeansOverASecondAndOverTwoPercent() {
        let rate = 44100.0
        func short(_ announcedSeconds: Double, _ heldSeconds: Double) -> Bool {
            ShortEnding(announcedFrames: Int(announcedSeconds * rate), heldFrames: Int(heldSeconds * rate), sampleRate: rate).isShort
        }
        #expect(!short(10, 9.5) && short(10, 8.9), "a second")
        #expect(!short(100, 98.5) && short(100, 97.9), "2 %")
        #expect(!short(80, 80) && short(80, 2.4))
    }

    /// Every spelling of an extension the formats answer to is offered too.
    @Test func everyKnownSpellingIsOpenable() {
        for spelling in ["wav", "wave", "aif", "aiff", "aifc", "flac", "ogg", "oga", "opus", "mp3", "WAV", "Opus"]
        where AudioFileFormat(path: "song." + spelling) != nil {
            #expect(AudioFileFormat.openableExtensions.contains(spelling.lowercased()), "\(spelling)")
        }
        #expect(AudioFileFormat(path: "song.aifc") == .aiff && AudioFileFormat(path: "song.Opus") == .opus)
    }

    @Test(arguments: [1, 2, 3, 6, 8])
    func channelCountsOneToEight(channels: Int) throws {
        let signal = TestSignals.sine(frequency: 1000, levelDBFS: -20, seconds: 0.2, sampleRate: 48000, channels: channels)
        let path = try write(signal, to: "ch\(channels).flac", channels: channels, sampleRate: 48000)
        let (samples, reader) = try readAll(path)
        #expect(reader.channelCount == channels && samples.count == signal.count)
    }

    @Test(arguments: [8000, 22050, 44100, 96000, 192_000])
    func sampleRatesFrom8To192kHz(rate: Int) throws {
        let signal = TestSignals.sine(frequency: 1000, levelDBFS: -20, seconds: 0.2, sampleRate: Double(rate), channels: 2)
        let path = try write(signal, to: "rate\(rate).wav", channels: 2, sampleRate: rate, encoding: .pcm24)
        let (samples, reader) = try readAll(path)
        #expect(reader.sampleRate == Double(rate) && samples.count == signal.count)
        #expect(zip(samples, signal).allSatisfy { abs($0 - $1) < 1e-6 }, "24-bit keeps every sample within 2^-23")
    }

    /// The picker offers every audio file in a folder, sorted, and no hidden one (macOS's `._x.wav`
    /// resource forks are no sound files); sixty were offered and the rest could not be reached.
    @Test func aFolderOffersEveryAudioFileButHiddenOnes() throws {
        let folder = NSTemporaryDirectory() + "loopmind-offer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let mixes = (1...120).map { String(format: "mix-v%03d.wav", $0) }
        for name in mixes + ["._mix-v001.wav", ".hidden.flac", "notes.txt", "Take.MP3", "cover.jpg"] {
            #expect(FileManager.default.createFile(atPath: folder + "/" + name, contents: Data([0])))
        }
        #expect(AudioFileFormat.openableFiles(inFolder: folder) == ["Take.MP3"] + mixes)
        #expect(AudioFileFormat.openableFiles(inFolder: folder, limit: 3) == ["Take.MP3", "mix-v001.wav", "mix-v002.wav"])
        #expect(AudioFileFormat.openableFiles(inFolder: folder + "/missing").isEmpty)
    }

    /// A full disk read "cannot write 'o.wav': System error : No space left on device." (libsndfile's
    /// words); it reads as the other writers say it.
    @Test func libsndfilesWordsLoseTheirDecoration() {
        #expect(AudioFileError.libsndfileReason("System error : No space left on device.") == "No space left on device")
        #expect(AudioFileError.libsndfileReason("Error : bad format.") == "bad format")
        #expect(AudioFileError.libsndfileReason("Unspecified internal error.") == "Unspecified internal error")
        #expect(AudioFileError.libsndfileReason("...") == "...")
    }

    @Test func anAbandonedWriteLeavesNothingAndKeepsTheOldFile() throws {
        let path = try write([0.25, 0.25], to: "keep.wav", channels: 2, sampleRate: 44100, encoding: .float32)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            let writer = try SoundFileWriter(path: path, sampleRate: 44100, channelCount: 2)
            let samples = [Float](repeating: 0.5, count: 44100 * 2)
            try samples.withUnsafeBufferPointer { try writer.write($0) }
            // No commit: the writer goes away as if the run had failed.
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("loopmind-") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    /// A file being written has no name until it is complete (`O_TMPFILE`), so a writer killed at
    /// any moment (SIGKILL, out of memory, a power cut) leaves nothing in the folder. A named
    /// temporary file was removed on a failure or a SIGINT, but a kill left it: a killed
    /// 60-minute master left a hidden 100 MB partial beside its output.
    @Test func aFileBeingWrittenHasNoNameUntilItIsCommitted() throws {
        let path = folder + "/unnamed.wav"
        let writer = try SoundFileWriter(path: path, sampleRate: 44100, channelCount: 2)
        let samples = [Float](repeating: 0.5, count: 44100 * 2)
        try samples.withUnsafeBufferPointer { try writer.write($0) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("unnamed") }.isEmpty)
        try writer.commit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("unnamed") } == ["unnamed.wav"])
        #expect(try readAll(path).samples.count == samples.count)
    }

    @Test func committingReplacesTheOldFile() throws {
        let path = try write([0.25, 0.25], to: "replace.wav", channels: 2, sampleRate: 44100, encoding: .float32)
        _ = try write([0.5, 0.5, 0.5, 0.5], to: "replace.wav", channels: 2, sampleRate: 44100, encoding: .float32)
        #expect(try readAll(path).samples == [0.5, 0.5, 0.5, 0.5])
    }

    @Test func unknownExtensionsAndImpossibleEncodingsAreRefused() throws {
        #expect(throws: AudioFileError.self) { try SoundFileWriter(path: folder + "/x.xyz", sampleRate: 44100, channelCount: 2) }
        #expect(throws: AudioFileError.self) { try SoundFileWriter(path: folder + "/x.flac", sampleRate: 44100, channelCount: 2, encoding: .float32) }
        #expect(throws: AudioFileError.self) { try SoundFileWriter(path: folder + "/x.mp3", sampleRate: 44100, channelCount: 6) }
        #expect(throws: AudioFileError.self) { try SoundFileWriter(path: folder + "/missing/x.wav", sampleRate: 44100, channelCount: 2) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }
}
