import Foundation
import MasteringDSP

/// One parameter tweak made in learning mode (SPEC.md's record, one JSON object a line).
///
/// `suggested` is the AI's own suggestion at that moment, before any learned style: the
/// trainer learns the user's offset from the AI, not from itself.
public struct TweakRecord: Sendable, Equatable {
    public var session: String
    public var parameter: ChainParameter
    public var old: Double
    public var new: Double
    public var suggested: Double
    public var emotion: Emotion
    public var intensity: Double
    /// Seconds into the track.
    public var time: Double

    public init(session: String, parameter: ChainParameter, old: Double, new: Double, suggested: Double,
                emotion: Emotion, intensity: Double, time: Double) {
        self.session = session; self.parameter = parameter; self.old = old; self.new = new
        self.suggested = suggested; self.emotion = emotion; self.intensity = intensity; self.time = time
    }

    /// The chain module the parameter belongs to (`eq`, `comp`, …).
    public var module: String { String(parameter.spec.name.prefix { $0 != "." }) }
}

/// What the trainer has learned for one parameter (overall, or in one emotion).
public struct LearnedOffset: Sendable, Equatable, Codable {
    /// The bounded moving average of (chosen − suggested), in the parameter's unit.
    public var offset: Double
    /// Tweaks it rests on, and the sessions they came in.
    public var tweaks: Int
    public var sessions: Int
    /// Sessions whose choice was above / below the AI's suggestion.
    public var up: Int
    public var down: Int
    /// When a session last touched it (ISO 8601, UTC).
    public var lastUsed: String

    enum CodingKeys: String, CodingKey {
        case offset, tweaks, sessions, up, down, lastUsed = "last_used"
    }

    /// The offset is written to nine decimals: the moving average leaves binary noise (a width
    /// offset of 0.1 was stored as 0.10000000000000009), and the file is one people read and
    /// share. Nine decimals are far under any parameter's step.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(offset.asPrinted(places: Self.writtenPlaces), forKey: .offset)
        try container.encode(tweaks, forKey: .tweaks)
        try container.encode(sessions, forKey: .sessions)
        try container.encode(up, forKey: .up)
        try container.encode(down, forKey: .down)
        try container.encode(lastUsed, forKey: .lastUsed)
    }

    static let writtenPlaces = 9
}

/// The user's learned taste: offsets from the AI's suggestions, overall and per emotion.
///
/// Plain data with no I/O; `StyleStore` keeps it on disk. JSON with `schema_version`.
public struct StyleProfile: Sendable, Equatable {
    public static let schemaVersion = 1

    public var sessions = 0
    /// Parameter → offset, over all emotions.
    public var overall: [ChainParameter: LearnedOffset] = [:]
    /// Emotion → parameter → offset.
    public var emotions: [Emotion: [ChainParameter: LearnedOffset]] = [:]
    /// Saved reference targets by name (`style reference add`), for `--reference-target`.
    public var references: [String: ReferenceTarget] = [:]

    public init() {}

    // MARK: - The learning rule

    /// The smallest weight a new session gets in the moving average: after a few sessions each new
    /// one moves the average by 30 % of its difference, so taste can change but one odd session
    /// cannot swing it.
    public static let minimumRate = 0.3
    /// Sessions of evidence at which a learned offset is applied at half weight.
    public static let halfWeightSessions = 2.0
    /// Emotions that must show a parameter's trend before the overall average stands in for an
    /// emotion with no evidence of its own.
    public static let emotionsForOverall = 3
    /// The most any count (sessions, tweaks, up, down) may hold. No producer runs a billion
    /// sessions; a larger count is a broken or hostile file, and the bound keeps every sum of two
    /// counts (even one weighted by a merge's 100) inside `Int`. Sums stop at it, so what is
    /// written always reads back.
    public static let countLimit = 1_000_000_000

    static func count(_ a: Int, plus b: Int) -> Int { min(a + b, countLimit) }

    /// The largest offset learned or applied for a parameter: a quarter of its usual range, so no
    /// taste swings a number far. A choice (exciter.mode) may move across its whole range: its
    /// offset is a vote that switches the choice once it reaches half a step, and a quarter
    /// could never get there.
    public static func bound(_ parameter: ChainParameter) -> Double {
        let range = parameter.spec.usualRange
        return (range.upperBound - range.lowerBound) / (parameter.spec.unit == .choice ? 1 : 4)
    }

    /// Updates the profile with one finished learning session.
    ///
    /// For each emotion and parameter the session touched, its choice is the last tweak's
    /// `new − suggested` (earlier tweaks were the way there), clamped to ±`bound`. The learned
    /// offset moves toward it by rate max(1/n, `minimumRate`), n = sessions including this one:
    /// the plain mean for the first sessions, an exponential moving average after. The overall
    /// offset does the same with the mean of the session's choices across emotions.
    public mutating func learn(session records: [TweakRecord], at date: Date = Date()) {
        guard !records.isEmpty else { return }
        let stamp = Self.timestamp(date)
        var choices: [Emotion: [ChainParameter: (choice: Double, tweaks: Int)]] = [:]
        for record in records {
            let bound = Self.bound(record.parameter)
            let choice = min(max(record.new - record.suggested, -bound), bound)
            let tweaks = (choices[record.emotion]?[record.parameter]?.tweaks ?? 0) + 1
            choices[record.emotion, default: [:]][record.parameter] = (choice, tweaks)
        }
        var acrossEmotions: [ChainParameter: (sum: Double, count: Int, tweaks: Int)] = [:]
        for (emotion, parameters) in choices {
            for (parameter, value) in parameters {
                emotions[emotion, default: [:]][parameter] = Self.update(emotions[emotion]?[parameter], with: value.choice,
                                                                          tweaks: value.tweaks, stamp: stamp)
                let sum = acrossEmotions[parameter] ?? (0, 0, 0)
                acrossEmotions[parameter] = (sum.sum + value.choice, sum.count + 1, sum.tweaks + value.tweaks)
            }
        }
        for (parameter, value) in acrossEmotions {
            overall[parameter] = Self.update(overall[parameter], with: value.sum / Double(value.count),
                                             tweaks: value.tweaks, stamp: stamp)
        }
        sessions = Self.count(sessions, plus: 1)
    }

    private static func update(_ learned: LearnedOffset?, with choice: Double, tweaks: Int, stamp: String) -> LearnedOffset {
        var result = learned ?? LearnedOffset(offset: 0, tweaks: 0, sessions: 0, up: 0, down: 0, lastUsed: stamp)
        result.sessions = count(result.sessions, plus: 1)
        result.tweaks = count(result.tweaks, plus: tweaks)
        let rate = max(1 / Double(result.sessions), minimumRate)
        result.offset += rate * (choice - result.offset)
        if choice > 1e-9 { result.up = count(result.up, plus: 1) } else if choice < -1e-9 { result.down = count(result.down, plus: 1) }
        result.lastUsed = stamp
        return result
    }

    // MARK: - Applying it

    /// The offsets the AI adds in sections of `emotion`: the emotion's own, weighted by evidence
    /// w = n / (n + `halfWeightSessions`); where the emotion has none, the overall one — only when
    /// at least `emotionsForOverall` emotions show it (a taste in one emotion is not a general
    /// taste). Clamped to ±`bound`; the model clamps the result to the parameter's range.
    public func offsets(for emotion: Emotion) -> StyleOffsets {
        var result: [ChainParameter: StyleOffsets.Offset] = [:]
        for parameter in ChainParameter.allCases {
            let learned: LearnedOffset
            if let own = emotions[emotion]?[parameter] {
                learned = own
            } else if let general = overall[parameter],
                      emotions.values.filter({ $0[parameter] != nil }).count >= Self.emotionsForOverall {
                learned = general
            } else {
                continue
            }
            let weight = Double(learned.sessions) / (Double(learned.sessions) + Self.halfWeightSessions)
            let bound = Self.bound(parameter)
            let value = min(max(learned.offset * weight, -bound), bound)
            if abs(value) > 1e-6 {
                result[parameter] = StyleOffsets.Offset(value: value, evidence: learned.tweaks)
            }
        }
        return StyleOffsets(result)
    }

    // MARK: - Merging

    /// Combines another producer's profile, their evidence counting `weight` times yours.
    ///
    /// Each learned offset becomes the mean of both weighted by sessions (theirs × `weight`), and
    /// their sessions join yours × `weight` (rounded). Sessions are the evidence the AI weighs an
    /// offset by, so a light merge stays light everywhere, also where only they have an offset,
    /// and a weight of 0 changes nothing. What they did (tweaks, up, down) adds up wherever their
    /// evidence counts at all.
    public mutating func merge(_ other: StyleProfile, weight: Double = 1) {
        func weighted(_ sessions: Int) -> Int { Int((Double(sessions) * weight).rounded()) }
        func combine(_ mine: LearnedOffset?, _ theirs: LearnedOffset) -> LearnedOffset? {
            let b = Double(theirs.sessions) * weight, sessions = weighted(theirs.sessions)
            guard var result = mine else {
                guard sessions > 0 else { return nil }
                var taken = theirs
                taken.sessions = Self.count(0, plus: sessions)
                return taken
            }
            guard b > 0 else { return result }
            let a = Double(result.sessions)
            result.offset = (a * result.offset + b * theirs.offset) / (a + b)
            result.tweaks = Self.count(result.tweaks, plus: theirs.tweaks)
            result.sessions = Self.count(result.sessions, plus: sessions)
            result.up = Self.count(result.up, plus: theirs.up)
            result.down = Self.count(result.down, plus: theirs.down)
            result.lastUsed = max(result.lastUsed, theirs.lastUsed)
            return result
        }
        for (parameter, learned) in other.overall {
            if let combined = combine(overall[parameter], learned) { overall[parameter] = combined }
        }
        for (emotion, parameters) in other.emotions {
            for (parameter, learned) in parameters {
                if let combined = combine(emotions[emotion]?[parameter], learned) { emotions[emotion, default: [:]][parameter] = combined }
            }
        }
        sessions = Self.count(sessions, plus: weighted(other.sessions))
        for (name, target) in other.references where references[name] == nil { references[name] = target }
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

// MARK: - JSON: written sorted and pretty; read as untrusted input

extension StyleProfile: Codable {
    enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", sessions, overall, emotions, references }

    /// Why a profile or import was refused, naming the field.
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
        /// True when the file is a newer format than this program knows.
        public let isFutureVersion: Bool
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.schemaVersion, forKey: .schemaVersion)
        try container.encode(sessions, forKey: .sessions)
        try container.encode(Dictionary(uniqueKeysWithValues: overall.map { ($0.key.spec.name, $0.value) }), forKey: .overall)
        try container.encode(Dictionary(uniqueKeysWithValues: emotions.map { emotion, parameters in
            (emotion.rawValue, Dictionary(uniqueKeysWithValues: parameters.map { ($0.key.spec.name, $0.value) }))
        }), forKey: .emotions)
        if !references.isEmpty { try container.encode(references, forKey: .references) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .schemaVersion)
        guard version <= Self.schemaVersion else {
            throw FormatError(description: "schema_version \(version) is newer than this loopmind reads (\(Self.schemaVersion))", isFutureVersion: true)
        }
        guard version >= 1 else { throw FormatError(description: "schema_version \(version) is not a version", isFutureVersion: false) }
        sessions = try container.decode(Int.self, forKey: .sessions)
        guard (0...Self.countLimit).contains(sessions) else {
            throw FormatError(description: "sessions \(sessions) is outside 0…\(Self.countLimit)", isFutureVersion: false)
        }
        overall = try Self.parameters(try container.decode([String: LearnedOffset].self, forKey: .overall), field: "overall")
        emotions = [:]
        for (name, parameters) in try container.decode([String: [String: LearnedOffset]].self, forKey: .emotions) {
            guard let emotion = Emotion(rawValue: name) else {
                throw FormatError(description: "emotions.\(name): unknown emotion", isFutureVersion: false)
            }
            emotions[emotion] = try Self.parameters(parameters, field: "emotions.\(name)")
        }
        references = try container.decodeIfPresent([String: ReferenceTarget].self, forKey: .references) ?? [:]
        for (name, target) in references {
            guard Self.isReferenceName(name) else {
                throw FormatError(description: "references.\(name): not a reference name (letters, digits, - and _, at most 64)", isFutureVersion: false)
            }
            do { try target.validate() } catch {
                throw FormatError(description: "references.\(name): \(error)", isFutureVersion: false)
            }
        }
    }

    /// What a saved reference may be called: 1–64 letters, digits, '-' or '_'.
    public static func isReferenceName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
    }

    private static func parameters(_ raw: [String: LearnedOffset], field: String) throws -> [ChainParameter: LearnedOffset] {
        var result: [ChainParameter: LearnedOffset] = [:]
        for (name, learned) in raw {
            guard let parameter = ChainParameter(name: name) else {
                throw FormatError(description: "\(field).\(name): unknown parameter", isFutureVersion: false)
            }
            let bound = Self.bound(parameter)
            guard learned.offset.isFinite, abs(learned.offset) <= bound + 1e-9 else {
                throw FormatError(description: "\(field).\(name).offset \(learned.offset) is outside ±\(bound)", isFutureVersion: false)
            }
            guard [learned.tweaks, learned.sessions, learned.up, learned.down].allSatisfy({ (0...Self.countLimit).contains($0) }) else {
                throw FormatError(description: "\(field).\(name): counts must be within 0…\(Self.countLimit)", isFutureVersion: false)
            }
            result[parameter] = learned
        }
        return result
    }

    /// Decodes an untrusted profile; errors name the offending field.
    public static func decode(_ data: Data) throws -> StyleProfile {
        do {
            return try JSONDecoder().decode(StyleProfile.self, from: data)
        } catch let error as FormatError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw FormatError(description: "missing field \(path(context.codingPath + [key]))", isFutureVersion: false)
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            throw FormatError(description: Self.notAnObject, isFutureVersion: false)
        } catch let DecodingError.valueNotFound(_, context) where context.codingPath.isEmpty {
            throw FormatError(description: Self.notAnObject, isFutureVersion: false)
        } catch let DecodingError.typeMismatch(_, context) {
            throw FormatError(description: "\(path(context.codingPath)): wrong type", isFutureVersion: false)
        } catch let DecodingError.valueNotFound(_, context) {
            throw FormatError(description: "\(path(context.codingPath)): missing value", isFutureVersion: false)
        } catch let DecodingError.dataCorrupted(context) {
            throw FormatError(description: context.codingPath.isEmpty ? "not JSON (or truncated)" : "\(path(context.codingPath)): not a valid value",
                              isFutureVersion: false)
        } catch {
            throw FormatError(description: "not a style profile", isFutureVersion: false)
        }
    }

    /// A top-level `[]`, `null` or `"x"` has no field to name.
    private static let notAnObject = "not a JSON object (a style profile is one, with a schema_version)"

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// Pretty-printed, sorted keys: what goes on disk and into exports.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(self)) ?? Data()) + Data("\n".utf8)
    }
}

// MARK: - Recorded tweaks as JSON lines

extension TweakRecord {
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses `style learn`'s file: one JSON object a line (blank lines skipped), each field
    /// checked: known parameter and emotion, finite numbers, values within the parameter's range,
    /// intensity 0…1; a choice is given by name or by its whole index. Errors name the line and
    /// the field; a log with no tweak at all is refused (learning nothing is never what was meant).
    public static func parseLines(_ data: Data) throws -> [TweakRecord] {
        guard let text = String(data: data, encoding: .utf8) else { throw FormatError(description: "not UTF-8 text") }
        var records: [TweakRecord] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            let where_ = "line \(index + 1)"
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8)) else {
                // Includes a number no Double holds (1e999): the line is an object, but not one we can read.
                throw FormatError(description: "\(where_): not valid JSON (or a number out of range)")
            }
            guard case .object(let fields) = value else {
                throw FormatError(description: "\(where_): not a JSON object")
            }
            func number(_ key: String) throws -> Double {
                guard case .number(let value) = fields[key] else { throw FormatError(description: "\(where_): \"\(key)\" must be a number") }
                return value
            }
            func string(_ key: String) throws -> String {
                guard case .string(let value) = fields[key] else { throw FormatError(description: "\(where_): \"\(key)\" must be a string") }
                return value
            }
            let session = try string("session")
            let parameterName = try string("parameter")
            guard let parameter = ChainParameter(name: parameterName) else {
                throw FormatError(description: "\(where_): unknown parameter '\(parameterName)'")
            }
            let emotionName = try string("emotion")
            guard let emotion = Emotion(rawValue: emotionName) else {
                throw FormatError(description: "\(where_): unknown emotion '\(emotionName)'")
            }
            let spec = parameter.spec, range = spec.range
            var values: [Double] = []
            for key in ["old", "new", "suggested"] {
                // A choice (exciter.mode) reads as its name too: "tube" is what a person writes.
                if spec.unit == .choice, case .string(let name) = fields[key] {
                    guard let index = spec.choices.firstIndex(of: name) else {
                        throw FormatError(description: "\(where_): \"\(key)\" '\(name)' is not one of \(spec.choices.joined(separator: ", "))")
                    }
                    values.append(Double(index))
                    continue
                }
                let value = try number(key)
                guard range.contains(value) else {
                    throw FormatError(description: "\(where_): \"\(key)\" \(value) is outside \(parameterName)'s range \(range.lowerBound)…\(range.upperBound)")
                }
                // A choice's number is its index: 0.5 is neither tape nor tube, and would be learned
                // as half a vote the console could never have recorded.
                if spec.unit == .choice, value != value.rounded() {
                    let indices = spec.choices.enumerated().map { "\($0.offset) (\($0.element))" }.joined(separator: ", ")
                    throw FormatError(description: "\(where_): \"\(key)\" \(value) is not one of \(parameterName)'s choices: \(indices)")
                }
                values.append(value)
            }
            let intensity = try number("intensity")
            guard (0...1).contains(intensity) else { throw FormatError(description: "\(where_): \"intensity\" \(intensity) is outside 0…1") }
            let time = try number("time")
            guard time >= 0 else { throw FormatError(description: "\(where_): \"time\" \(time) is negative") }
            records.append(TweakRecord(session: session, parameter: parameter, old: values[0], new: values[1],
                                       suggested: values[2], emotion: emotion, intensity: intensity, time: time))
        }
        guard !records.isEmpty else { throw FormatError(description: "no tweaks in it (one JSON object a line)") }
        return records
    }

    /// The records as `style learn` reads them: one JSON object a line, in SPEC.md's field order,
    /// a choice by its name. `parseLines` gives the same records back.
    public static func jsonLines(_ records: [TweakRecord]) -> Data {
        func quoted(_ text: String) -> String {
            String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        let lines = records.map { record -> String in
            let spec = record.parameter.spec
            func value(_ number: Double) -> String {
                guard spec.unit == .choice, let index = Int(exactly: number), spec.choices.indices.contains(index) else { return "\(number)" }
                return quoted(spec.choices[index])
            }
            return "{\"session\":\(quoted(record.session)),\"parameter\":\(quoted(spec.name)),\"old\":\(value(record.old)),"
                + "\"new\":\(value(record.new)),\"suggested\":\(value(record.suggested)),\"emotion\":\(quoted(record.emotion.rawValue)),"
                + "\"intensity\":\(record.intensity),\"time\":\(record.time)}\n"
        }
        return Data(lines.joined().utf8)
    }

    /// Records grouped into sessions in order of first appearance.
    public static func sessions(_ records: [TweakRecord]) -> [[TweakRecord]] {
        var order: [String] = []
        var groups: [String: [TweakRecord]] = [:]
        for record in records {
            if groups[record.session] == nil { order.append(record.session) }
            groups[record.session, default: []].append(record)
        }
        return order.map { groups[$0]! }
    }
}
