import Foundation
import MasteringAI
import MasteringDSP
import StyleStore
import Testing
import TestSupport

/// The profile on disk: round trips, refusals of hostile files, corrupt files kept aside.
@Suite struct StyleFileTests {
    /// This test's own folder, removed after it.
    let scratch: ScratchFolder
    var folder: String { scratch.path }

    init() throws {
        scratch = try ScratchFolder("style")
    }

    static func learned() -> StyleProfile {
        var profile = StyleProfile()
        profile.learn(session: [
            TweakRecord(session: "a", parameter: .highShelfGain, old: 0, new: 1.5, suggested: 0, emotion: .powerful, intensity: 0.7, time: 3),
            TweakRecord(session: "a", parameter: .compRatio, old: 3, new: 2.5, suggested: 3, emotion: .calm, intensity: 0.3, time: 9),
        ], at: Date(timeIntervalSince1970: 1_800_000_000))
        return profile
    }

    @Test func profilesLiveInXDGDataHome() throws {
        let named = try StyleStore(profile: "studio", environment: ["XDG_DATA_HOME": "/data", "HOME": "/home/u"]) { _ in }
        #expect(named.path == "/data/loopmind/profiles/studio_style.json")
        let fallback = try StyleStore(profile: nil, environment: ["XDG_DATA_HOME": "relative", "HOME": "/home/u"]) { _ in }
        #expect(fallback.path == "/home/u/.local/share/loopmind/profiles/default_style.json")
        let path = try StyleStore(profile: "./mine.json", environment: [:]) { _ in }
        #expect(path.path == "./mine.json")
        #expect(throws: StyleStore.Failure.self) { try StyleStore(profile: "my profile!", environment: [:]) { _ in } }
        #expect(throws: StyleStore.Failure.self) { try StyleStore(profile: "..", environment: [:]) { _ in } }
    }

    @Test func aSavedProfileReadsBackExactlyWithMode0600() throws {
        let store = try StyleStore(profile: folder + "/p.json") { _ in }
        let profile = Self.learned()
        try store.replace(with: profile)
        #expect(try store.load() == profile)
        #expect(try StyleProfile.decode(profile.encoded()) == profile)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: store.path, encoding: .utf8)
        #expect(text.contains("\"schema_version\" : 1") && text.contains("\n  \"emotions\""), "pretty, sorted: \(text)")
    }

    /// The moving average leaves binary noise (1.0 → 1.1 was written 0.10000000000000009, 2.0 →
    /// 2.3 as 0.2999999999999998); the file people read and share says 0.1 and 0.3, reads back
    /// within 10⁻⁹ of what was learned, and writes again byte for byte.
    @Test func offsetsAreWrittenWithoutBinaryNoise() throws {
        var profile = StyleProfile()
        profile.learn(session: [
            TweakRecord(session: "a", parameter: .stereoWidth, old: 1, new: 1.1, suggested: 1, emotion: .dark, intensity: 0.6, time: 14),
            TweakRecord(session: "a", parameter: .compRatio, old: 2, new: 2.3, suggested: 2, emotion: .calm, intensity: 0.3, time: 1),
        ], at: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(profile.overall[.stereoWidth]!.offset != 0.1, "the noise this test is about is there")
        let text = String(decoding: profile.encoded(), as: UTF8.self)
        #expect(text.contains("\"offset\" : 0.1,") && text.contains("\"offset\" : 0.3,"), "\(text)")
        #expect(!text.contains("0000000") && !text.contains("9999999"), "\(text)")
        let read = try StyleProfile.decode(profile.encoded())
        for (parameter, learned) in profile.overall {
            #expect(abs(read.overall[parameter]!.offset - learned.offset) < 1e-9)
        }
        #expect(read.encoded() == profile.encoded())
    }

    @Test(arguments: [
        ("corrupt", Data("{\"schema_version\": 1, \"sess".utf8), ".corrupt-"),
        ("garbage", Data([0xFF, 0x00, 0x12]), ".corrupt-"),
        ("future", Data(#"{"schema_version": 7, "whatever": []}"#.utf8), ".future-"),
    ])
    func aBadProfileIsKeptAsideNeverOverwritten(name: String, contents: Data, suffix: String) throws {
        let profiles = folder + "/loopmind/profiles"
        try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
        let path = profiles + "/\(name)_style.json"
        try contents.write(to: URL(fileURLWithPath: path))
        var warnings: [String] = []
        let store = try StyleStore(profile: name, environment: ["XDG_DATA_HOME": folder]) { warnings.append($0) }
        #expect(store.path == path)
        #expect(try store.load() == StyleProfile())
        #expect(warnings.count == 1 && warnings[0].contains(suffix), "\(warnings)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: profiles).filter { $0.hasPrefix("\(name)_style.json\(suffix)") }
        #expect(aside.count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: profiles + "/" + aside[0])) == contents)
        // Learning goes on in a fresh profile; the kept file stays as it was.
        try store.update { $0.learn(session: [TweakRecord(session: "x", parameter: .tilt, old: 0, new: 1, suggested: 0, emotion: .dark, intensity: 0.5, time: 0)]) }
        #expect(try store.load().sessions == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: profiles + "/" + aside[0])) == contents)
    }

    @Test func aTruncatedProfileIsKeptAside() throws {
        let data = Self.learned().encoded()
        let profiles = folder + "/loopmind/profiles"
        try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: profiles + "/cut_style.json"))
        var warned = false
        #expect(try StyleStore(profile: "cut", environment: ["XDG_DATA_HOME": folder]) { _ in warned = true }.load() == StyleProfile())
        #expect(warned)
    }

    /// A file given by its path is the user's: if it is not a profile (a mix, notes, a profile
    /// from a newer loopmind), reading, learning into and importing over it are refused in one
    /// line, and the file and its folder stay exactly as they were: no rename, no lock file.
    @Test(arguments: [
        ("notes.txt", Data("remember the bass".utf8), "not JSON (or truncated)"),
        ("mix.wav", Data([0x52, 0x49, 0x46, 0x46, 0x24, 0, 0, 0, 0x57, 0x41, 0x56, 0x45]), "not JSON (or truncated)"),
        ("newer.json", Data(#"{"schema_version": 7, "whatever": []}"#.utf8), "newer than this loopmind reads"),
        ("cut.json", Self.learned().encoded().prefix(40), "not JSON (or truncated)"),
    ])
    func aGivenFileThatIsNoProfileIsRefusedAndLeftAsItIs(name: String, contents: Data, reason: String) throws {
        let path = folder + "/" + name
        try contents.write(to: URL(fileURLWithPath: path))
        let before = try FileManager.default.contentsOfDirectory(atPath: folder)
        var warnings: [String] = []
        let store = try StyleStore(profile: path) { warnings.append($0) }
        let tweak = TweakRecord(session: "x", parameter: .tilt, old: 0, new: 1, suggested: 0, emotion: .dark, intensity: 0.5, time: 0)
        let attempts: [(String, () throws -> Void)] = [
            ("load", { _ = try store.load() }),
            ("update", { try store.update { $0.learn(session: [tweak]) } }),
            ("replace", { _ = try store.replace(with: Self.learned()) }),
        ]
        for (what, attempt) in attempts {
            do {
                try attempt()
                Issue.record("\(what) accepted \(name)")
            } catch let failure as StyleStore.Failure {
                #expect(failure.description.hasPrefix("cannot read style profile '\(path)': ")
                        && failure.description.contains(reason) && failure.description.hasSuffix("; the file was left as it is"),
                        "\(what): \(failure.description)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == before, "\(what) left something beside \(name)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == contents, "\(what) changed \(name)")
        }
        #expect(warnings.isEmpty, "\(warnings)")
        // A given file that is a profile is used as ever.
        let good = try StyleStore(profile: folder + "/good.json") { _ in }
        try good.update { $0.learn(session: [tweak]) }
        #expect(try good.load().sessions == 1)
    }

    /// A given path's folder must exist, as an output's must: a mistyped folder is said, not made.
    /// The profiles folder (of a name) is still made when missing.
    /// A file given by its path that is not there is refused for a read (a typo mastered without
    /// the style asked for, in silence); the console, whose learning makes it, may start without
    /// it, if its folder is there. A store name with no profile yet is a fresh one.
    @Test func aGivenFileThatIsNotThereIsRefusedForAReading() throws {
        let typo = folder + "/studio.jsn.json"
        let store = try StyleStore(profile: typo) { _ in }
        do {
            _ = try store.load()
            Issue.record("read a fresh profile from \(typo)")
        } catch let failure as StyleStore.Failure {
            #expect(failure.description == "cannot read style profile '\(typo)': no such file")
        }
        #expect(try store.load(givenFileMayBeNew: true) == StyleProfile())
        let lost = try StyleStore(profile: folder + "/Dcouments/p.json") { _ in }
        do {
            _ = try lost.load(givenFileMayBeNew: true)
            Issue.record("a console could start learning into a folder that is not there")
        } catch {
            #expect("\(error)" == "cannot write '\(folder)/Dcouments/p.json': no such folder")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "nothing made")
        let named = try StyleStore(profile: "fresh", environment: ["XDG_DATA_HOME": folder + "/data"]) { _ in }
        #expect(try named.load() == StyleProfile())
    }

    @Test func aGivenPathInAMissingFolderIsRefusedNotMade() throws {
        let missing = folder + "/Dcouments/deeper/p.json"
        let store = try StyleStore(profile: missing) { _ in }
        let tweak = TweakRecord(session: "x", parameter: .tilt, old: 0, new: 1, suggested: 0, emotion: .dark, intensity: 0.5, time: 0)
        #expect(throws: StyleStore.Failure.self) { try store.load() }
        for attempt in [{ try store.update { $0.learn(session: [tweak]) } }, { _ = try store.replace(with: StyleProfile()) }] as [() throws -> Void] {
            do {
                try attempt()
                Issue.record("wrote \(missing)")
            } catch let failure as StyleStore.Failure {
                #expect(failure.description == "cannot write '\(missing)': no such folder")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/Dcouments"))
        let named = try StyleStore(profile: "fresh", environment: ["XDG_DATA_HOME": folder + "/new-data"]) { _ in }
        try named.update { $0.learn(session: [tweak]) }
        #expect(try named.load().sessions == 1)
    }

    @Test(arguments: [
        (#"{"schema_version":1,"sessions":1,"overall":{"eq.bass_boost":{"offset":1,"tweaks":1,"sessions":1,"up":1,"down":0,"last_used":"x"}},"emotions":{}}"#, "overall.eq.bass_boost: unknown parameter"),
        (#"{"schema_version":1,"sessions":1,"overall":{},"emotions":{"angry":{}}}"#, "emotions.angry: unknown emotion"),
        (#"{"schema_version":1,"sessions":1,"overall":{"eq.tilt_db":{"offset":40,"tweaks":1,"sessions":1,"up":1,"down":0,"last_used":"x"}},"emotions":{}}"#, "overall.eq.tilt_db.offset 40.0 is outside ±3.0"),
        (#"{"schema_version":1,"sessions":1,"overall":{"eq.tilt_db":{"offset":1e999,"tweaks":1,"sessions":1,"up":1,"down":0,"last_used":"x"}},"emotions":{}}"#, "not JSON"),
        (#"{"schema_version":1,"sessions":1,"overall":{"eq.tilt_db":{"offset":"loud","tweaks":1,"sessions":1,"up":1,"down":0,"last_used":"x"}},"emotions":{}}"#, "overall.eq.tilt_db.offset: wrong type"),
        (#"{"schema_version":1,"sessions":1,"overall":{"eq.tilt_db":{"offset":1,"tweaks":-4,"sessions":1,"up":1,"down":0,"last_used":"x"}},"emotions":{}}"#, "overall.eq.tilt_db: counts must be within 0…1000000000"),
        // Counts so large that one more session, or a merge, would overflow: a crash, not a profile.
        (#"{"schema_version":1,"sessions":1,"overall":{},"emotions":{"dark":{"eq.tilt_db":{"offset":1,"tweaks":1,"sessions":9223372036854775807,"up":1,"down":0,"last_used":"x"}}}}"#,
         "emotions.dark.eq.tilt_db: counts must be within 0…1000000000"),
        (#"{"schema_version":1,"sessions":9223372036854775807,"overall":{},"emotions":{}}"#, "sessions 9223372036854775807 is outside 0…1000000000"),
        (#"{"schema_version":1,"sessions":1,"overall":{},"emotions":{"dark":{"eq.tilt_db":{"offset":1,"tweaks":1,"sessions":1,"up":1,"down":0}}}}"#, "missing field emotions.dark.eq.tilt_db.last_used"),
        (#"{"schema_version":1,"overall":{},"emotions":{}}"#, "missing field sessions"),
        (#"{"schema_version":1,"sessions":-1,"overall":{},"emotions":{}}"#, "sessions -1 is outside 0…1000000000"),
        (#"[]"#, "not a JSON object"),
        (#"null"#, "not a JSON object"),
        (#""profile""#, "not a JSON object"),
    ])
    func hostileProfilesAreRefusedNamingTheField(text: String, message: String) {
        do {
            _ = try StyleProfile.decode(Data(text.utf8))
            Issue.record("accepted \(text)")
        } catch let error as StyleProfile.FormatError {
            #expect(error.description.contains(message), "\(error.description)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func tweakLogsAreCheckedLineByLine() throws {
        let good = #"{"session":"s1","parameter":"eq.high_shelf_db","old":0.0,"new":2.0,"suggested":0.0,"emotion":"dark","intensity":0.6,"time":12.3}"#
        let records = try TweakRecord.parseLines(Data((good + "\n\n" + good.replacingOccurrences(of: "s1", with: "s2") + "\n").utf8))
        #expect(records.count == 2 && records[0].module == "eq" && TweakRecord.sessions(records).count == 2)
        let bad: [(String, String)] = [
            (good.replacingOccurrences(of: "eq.high_shelf_db", with: "eq.treble"), "line 2: unknown parameter 'eq.treble'"),
            (good.replacingOccurrences(of: "\"dark\"", with: "\"sad\""), "line 2: unknown emotion 'sad'"),
            (good.replacingOccurrences(of: "\"new\":2.0", with: "\"new\":40"), "line 2: \"new\" 40.0 is outside"),
            (good.replacingOccurrences(of: "0.6", with: "3"), "line 2: \"intensity\" 3.0 is outside 0…1"),
            (good.replacingOccurrences(of: "\"old\":0.0", with: "\"old\":\"zero\""), "line 2: \"old\" must be a number"),
            ("{not json", "line 2: not valid JSON"),
            ("[1, 2]", "line 2: not a JSON object"),
            (good.replacingOccurrences(of: "\"new\":2.0", with: "\"new\":1e999"), "line 2: not valid JSON (or a number out of range)"),
            // A choice by number is its index; half of one is neither.
            (good.replacingOccurrences(of: "eq.high_shelf_db", with: "exciter.mode").replacingOccurrences(of: "\"new\":2.0", with: "\"new\":0.5"),
             "line 2: \"new\" 0.5 is not one of exciter.mode's choices: 0 (tape), 1 (tube)"),
            (good.replacingOccurrences(of: "eq.high_shelf_db", with: "exciter.mode").replacingOccurrences(of: "\"new\":2.0", with: "\"new\":\"valve\""),
             "line 2: \"new\" 'valve' is not one of tape, tube"),
        ]
        // A choice reads by name or by index; a log with no tweak is refused, blank lines or not.
        let named = good.replacingOccurrences(of: "eq.high_shelf_db", with: "exciter.mode")
            .replacingOccurrences(of: "\"old\":0.0", with: "\"old\":\"tape\"").replacingOccurrences(of: "\"new\":2.0", with: "\"new\":\"tube\"")
        let mode = try TweakRecord.parseLines(Data(named.utf8))
        #expect(mode.count == 1 && mode[0].parameter == .exciterMode && mode[0].old == 0 && mode[0].new == 1 && mode[0].suggested == 0)
        for empty in ["", "\n\n", "  \n"] {
            #expect(throws: TweakRecord.FormatError.self) { try TweakRecord.parseLines(Data(empty.utf8)) }
        }
        for (line, message) in bad {
            do {
                _ = try TweakRecord.parseLines(Data((good + "\n" + line).utf8))
                Issue.record("accepted \(line)")
            } catch let error as TweakRecord.FormatError {
                #expect(error.description.contains(message), "\(error.description)")
            }
        }
    }

    /// What the console keeps when it cannot save: `style learn`'s own format, read back to the
    /// same records (a session name that needs escaping, a choice by name, every field).
    @Test func tweaksWrittenAsJSONLinesReadBackTheSame() throws {
        let records = [
            TweakRecord(session: "console-\"quoted\"\\1", parameter: .highShelfGain, old: 0, new: 1.5, suggested: 0.25,
                        emotion: .dark, intensity: 0.625, time: 12.3),
            TweakRecord(session: "console-\"quoted\"\\1", parameter: .exciterMode, old: 0, new: 1, suggested: 0,
                        emotion: .powerful, intensity: 1, time: 0),
            TweakRecord(session: "s2", parameter: .compThreshold, old: -18, new: -21.5, suggested: -17.3,
                        emotion: .calm, intensity: 0, time: 79.95),
        ]
        let text = String(decoding: TweakRecord.jsonLines(records), as: UTF8.self)
        #expect(text.split(separator: "\n").count == 3 && text.hasSuffix("\n"))
        #expect(text.contains(#""parameter":"exciter.mode","old":"tape","new":"tube","suggested":"tape""#), "\(text)")
        #expect(try TweakRecord.parseLines(Data(text.utf8)) == records)
    }
}
