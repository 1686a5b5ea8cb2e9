import Foundation
import Testing
import TestSupport

/// `--reference`, `--reference-target`, `--match-amount` and `style reference` as a user runs
/// them: every bad reference file and impossible option gets one line and touches nothing;
/// saved targets survive the process and master without the files.
@Suite(.serialized) struct ReferenceCommandTests {
    /// This test's own folder, removed after it.
    let scratch: ScratchFolder
    var folder: String { scratch.path }
    let environment: [String: String]

    init() throws {
        scratch = try ScratchFolder("reference-cli")
        environment = ["XDG_DATA_HOME": scratch.file("data")]
    }

    func run(_ arguments: [String]) throws -> LoopMindExecutable.Result {
        try LoopMindExecutable.run(arguments, environment: environment)
    }

    /// `seconds` of stereo noise shaped by a one-pole low-pass (`coefficient` 0: white).
    func noise(_ name: String, seconds: Double, coefficient: Float = 0, level: Float = 0.2) throws -> String {
        var state: UInt64 = 0x9E3779B97F4A7C15
        var lowLeft: Float = 0, lowRight: Float = 0
        var samples: [Float] = []
        for _ in 0..<Int(seconds * 44100) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let a = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let b = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
            lowLeft = coefficient * lowLeft + (1 - coefficient) * (0.8 * a + 0.2 * b)
            lowRight = coefficient * lowRight + (1 - coefficient) * (0.8 * b + 0.2 * a)
            samples += [lowLeft * level, lowRight * level]
        }
        let path = folder + "/" + name
        try CommandLineTests.wavBytes(channels: 2, floatSamples: samples).write(to: URL(fileURLWithPath: path))
        return path
    }

    func precious(_ name: String) throws -> String {
        let path = folder + "/" + name
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: CommandLineTests.badInputs + ["silent", "too short"])
    func everyBadReferenceGetsOneLineAndTouchesNothing(kind: String) throws {
        let helper = try CommandLineTests()
        let (reference, reason): (String, String)
        switch kind {
        case "silent":
            reference = folder + "/silent.wav"
            try CommandLineTests.wavBytes(channels: 2, floatSamples: [Float](repeating: 0, count: 2 * 44100 * 5))
                .write(to: URL(fileURLWithPath: reference))
            reason = "silent"
        case "too short": (reference, reason) = (try noise("short.wav", seconds: 1), "1.0 s long")
        default: (reference, reason) = try helper.badFile(kind)
        }
        let output = try precious("kept-\(kind.replacingOccurrences(of: " ", with: "-")).wav")
        for arguments in [["master", "demo", "-o", output, "--reference", reference],
                          ["style", "reference", "add", "mine", reference]] {
            let result = try run(arguments)
            #expect(result.status == 1, "\(kind): exit \(result.status)")
            let lines = result.standardError.split(separator: "\n")
            #expect(lines.count == 1, "\(kind): \(result.standardError)")
            let named = result.standardError.hasPrefix("loopmind: cannot read '\(reference)': ")
                || result.standardError.hasPrefix("loopmind: cannot use reference '\(reference)': ")
            #expect(named && result.standardError.contains(reason), "\(kind): \(result.standardError)")
        }
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious")
        #expect(!FileManager.default.fileExists(atPath: folder + "/data/loopmind/profiles/default_style.json"),
                "a failed 'style reference add' writes no profile")
    }

    @Test func impossibleReferenceOptionsGetOneLine() throws {
        let reference = try noise("ref.wav", seconds: 4)
        let output = try precious("keep.wav")
        let attempts: [[String]] = [
            ["master", "demo", "-o", output, "--reference", reference, "--match-amount", "1.5"],
            ["master", "demo", "-o", output, "--reference", reference, "--match-amount", "-0.1"],
            ["master", "demo", "-o", output, "--match-amount", "0.5"],
            ["master", "demo", "-o", output, "--reference", reference, "--reference-target", "mine"],
            ["master", "demo", "-o", output, "--reference-target", "nothing-saved"],
            ["master", "demo", "-o", output, "--reference-target", "../../etc/passwd"],
            ["style", "reference", "add", "bad name!", reference],
            ["style", "reference", "add", "mine"],
            ["style", "reference", "remove", "never-added"],
        ]
        for arguments in attempts {
            let result = try run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(arguments): \(result.standardError)")
            #expect(result.standardError.hasPrefix("loopmind: "), "\(arguments): \(result.standardError)")
        }
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious")
    }

    /// Removing a name that is not saved fails and writes nothing: it made a profile where there
    /// was none, and rewrote one that was there.
    @Test func removingATargetThatIsNotSavedWritesNothing() throws {
        let profiles = folder + "/data/loopmind/profiles"
        let none = try run(["style", "reference", "remove", "airy"])
        #expect(none.status == 1 && none.standardError == "loopmind: no saved reference target 'airy'; add one with 'loopmind style reference add NAME FILE…'\n",
                "\(none.standardError)")
        #expect(!FileManager.default.fileExists(atPath: profiles + "/default_style.json"), "no profile made")
        #expect(try run(["style", "reference", "add", "airy", try noise("bright.wav", seconds: 5)]).status == 0)
        let before = try FileManager.default.attributesOfItem(atPath: profiles + "/default_style.json")[.modificationDate] as? Date
        usleep(20_000)
        let typo = try run(["style", "reference", "remove", "airx"])
        #expect(typo.status == 1 && typo.standardError == "loopmind: no saved reference target 'airx'; saved: airy\n", "\(typo.standardError)")
        let after = try FileManager.default.attributesOfItem(atPath: profiles + "/default_style.json")[.modificationDate] as? Date
        #expect(before != nil && before == after, "the profile was not rewritten")
        #expect(try run(["style", "reference", "remove", "airy"]).status == 0)
    }

    @Test func aSavedTargetMastersWithoutTheFiles() throws {
        let bright = try noise("bright.wav", seconds: 5)
        let dark = try noise("dark.wav", seconds: 6, coefficient: 0.3)
        let add = try run(["style", "reference", "add", "airy", bright])
        #expect(add.status == 0, "\(add.standardError)")
        #expect(add.standardOutput.hasPrefix("saved reference target 'airy' from 1 file"))
        // The file can go: the target lives in the profile.
        try FileManager.default.removeItem(atPath: bright)
        let list = try run(["style", "reference", "list"])
        #expect(list.standardOutput.contains("airy") && list.standardOutput.contains("bright.wav"))

        let out = folder + "/matched.wav"
        let master = try run(["master", dark, "-o", out, "--emotion", "calm", "--reference-target", "airy", "--json"])
        #expect(master.status == 0, "\(master.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(master.standardOutput.utf8)) as? [String: Any])
        let reference = try #require(object["reference"] as? [String: Any])
        #expect(reference["sources"] as? [String] == ["bright.wav"])
        let before = try #require((reference["input_distance_db"] as? NSNumber)?.doubleValue)
        let after = try #require((reference["output_distance_db"] as? NSNumber)?.doubleValue)
        #expect(after < before / 2, "the dark noise moves toward the white: \(before) → \(after) dB")
        let moves = try #require(object["moves"] as? [[String: Any]])
        #expect(moves.contains { ($0["parameter"] as? String)?.hasPrefix("match.mid.") == true })

        let remove = try run(["style", "reference", "remove", "airy"])
        #expect(remove.status == 0)
        let again = try run(["master", dark, "-o", folder + "/again.wav", "--reference-target", "airy"])
        #expect(again.status == 1 && again.standardError.contains("no saved reference target 'airy'"))
    }

    /// A cut MP3 (its Xing header still announces the whole song) is learned from the audio it
    /// holds, with the warning an input gets: `master --reference` and `style reference add`
    /// said nothing.
    @Test func aCutReferenceIsLearnedWithAWarning() throws {
        let cut = try CommandLineTests.cutDemo(in: folder, extension: "mp3")
        let mix = try noise("mix.wav", seconds: 6, coefficient: 0.3)
        // libmpg123 writes its own line about the Xing header too; ours is the one that says what it means.
        let warning = /loopmind: warning: '.*\/cut\.mp3' ends after \d+\.\d s, short of the 80\.0 s its header announces; it may have been cut short\n/
        let master = try run(["master", mix, "-o", folder + "/matched.wav", "--emotion", "calm", "--reference", cut])
        #expect(master.status == 0 && master.standardError.firstMatch(of: warning) != nil, "\(master.standardError)")
        let add = try run(["style", "reference", "add", "cut", cut])
        #expect(add.status == 0 && add.standardError.firstMatch(of: warning) != nil, "\(add.standardError)")
        let whole = try run(["style", "reference", "add", "whole", folder + "/whole.mp3"])
        #expect(whole.status == 0 && !whole.standardError.contains("loopmind:"), "\(whole.standardError)")
    }
}
