import Foundation
import Testing
import TestSupport

/// The emotion graph from the command line: `analyze --emotions`, `master --emotion-map`,
/// `--transition`, `--moves`, and clean refusals of bad maps.
@Suite(.serialized) struct EmotionGraphCommandTests {
    /// This test's own folder, removed after it.
    let scratch: ScratchFolder
    var folder: String { scratch.path }

    init() throws {
        scratch = try ScratchFolder("graph-cli")
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func analyzeEmotionsPrintsTheGraphAndItReadsBackAsAMap() throws {
        let table = try LoopMindExecutable.run(["analyze", "--emotions"])
        #expect(table.status == 0)
        for emotion in ["calm", "powerful", "dreamy", "dark", "bright"] { #expect(table.standardOutput.contains(emotion)) }
        let result = try LoopMindExecutable.run(["analyze", "--emotions", "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let emotions = try #require(try Self.object(result.standardOutput)["emotions"] as? [String: Any])
        let sections = try #require(emotions["sections"] as? [[String: Any]])
        #expect(sections.count == 5)
        #expect(sections.compactMap { $0["emotion"] as? String } == ["calm", "powerful", "dreamy", "dark", "bright"])
        #expect(sections.allSatisfy { $0["start"] is Double && $0["intensity"] is Double && $0["reason"] is String })
        // Without --emotions there is no graph.
        let plain = try Self.object(try LoopMindExecutable.run(["analyze", "--json"]).standardOutput)
        #expect(plain["emotions"] == nil)

        // The graph is an emotion map: master follows it, with its moves at the section starts.
        let map = folder + "/map.json"
        try JSONSerialization.data(withJSONObject: emotions).write(to: URL(fileURLWithPath: map))
        let master = try LoopMindExecutable.run(["master", "demo", "-o", folder + "/out.flac", "--emotion-map", map,
                                                 "--transition", "1.5", "--json"])
        #expect(master.status == 0, "\(master.standardError)")
        let document = try Self.object(master.standardOutput)
        let masterSections = try #require(document["sections"] as? [[String: Any]])
        #expect(masterSections.count == 5)
        #expect(masterSections.allSatisfy { ($0["settings"] as? [String: Any])?["comp.ratio"] is Double })
        #expect(document["settings"] == nil, "with several sections the settings are per section")
        #expect(document["transition_s"] as? Double == 1.5)
        let starts = Set(sections.compactMap { $0["start"] as? Double })
        let moves = try #require(document["moves"] as? [[String: Any]])
        #expect(moves.allSatisfy { starts.contains($0["time"] as? Double ?? -1) })
        let loop = try #require(document["loudness_loop"] as? [String: Any])
        #expect(abs(loop["error_lu"] as? Double ?? 9) <= 0.2)
        #expect((loop["fastest_gain_slew_db_per_s"] as? Double ?? 9) <= 3.0 + 1e-3)
    }

    @Test func movesAreWrittenAsCSV() throws {
        let csv = folder + "/moves.csv"
        let result = try LoopMindExecutable.run(["master", "demo", "-o", folder + "/auto.wav", "--moves", csv, "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let moves = try #require(try Self.object(result.standardOutput)["moves"] as? [[String: Any]])
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\r\n")
        #expect(lines.first == "time_s,parameter,from,to,reason")
        #expect(lines.count == moves.count + 1)
        #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",").count >= 5 })
        #expect(lines.contains { $0.contains("section 3 dreamy") && $0.contains("eq.tilt_db") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).allSatisfy { !$0.contains(".loopmind-") })
    }

    @Test func badMapsAndOptionsAreRefusedInOneLineAndTouchNothing() throws {
        let output = folder + "/keep.wav", csv = folder + "/keep.csv"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: output))
        let maps: [(String, Data, String)] = [
            ("unsorted", Data(#"{"sections":[{"start":0,"emotion":"calm"},{"start":30,"emotion":"dark"},{"start":20,"emotion":"bright"}]}"#.utf8), "section 3: start 20.0 s is not after"),
            ("negative", Data(#"{"sections":[{"start":-2,"emotion":"calm"}]}"#.utf8), "section 1: start -2.0 is negative"),
            ("unknown", Data(#"{"sections":[{"start":0,"emotion":"calm"},{"start":9,"emotion":"angry"}]}"#.utf8), "section 2: unknown emotion 'angry'"),
            ("intensity", Data(#"{"sections":[{"start":0,"emotion":"calm","intensity":1.5}]}"#.utf8), "section 1: intensity 1.5 is outside 0…1"),
            ("notjson", Data("sections: calm".utf8), "not JSON"),
            ("huge", Data(repeating: 0x20, count: 2 << 20), "too big for an emotion map"),
            ("late", Data(#"{"sections":[{"start":0,"emotion":"calm"},{"start":95,"emotion":"dark"}]}"#.utf8), "section 2 starts at 95.0 s, after the end"),
        ]
        for (name, contents, message) in maps {
            let path = folder + "/\(name).json"
            try contents.write(to: URL(fileURLWithPath: path))
            let result = try LoopMindExecutable.run(["master", "demo", "-o", output, "--emotion-map", path, "--moves", csv])
            #expect(result.status == 1, "\(name)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(name): \(result.standardError)")
            #expect(result.standardError.contains(message), "\(name): \(result.standardError)")
            #expect(result.standardError.contains(path), "\(name) names the file: \(result.standardError)")
        }
        let others: [[String]] = [
            ["master", "demo", "-o", output, "--emotion-map", folder + "/missing.json"],
            ["master", "demo", "-o", output, "--transition", "-1"],
            ["master", "demo", "-o", output, "--moves", folder + "/no/such/folder/m.csv"],
        ]
        for arguments in others {
            let result = try LoopMindExecutable.run(arguments)
            #expect(result.status != 0 && result.standardError.split(separator: "\n").count == 1, "\(arguments): \(result.standardError)")
        }
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious")
        #expect(!FileManager.default.fileExists(atPath: csv))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).allSatisfy { !$0.contains(".loopmind-") })
    }
}
