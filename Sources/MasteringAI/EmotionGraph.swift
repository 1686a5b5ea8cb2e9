import Analysis
import Foundation

/// One section of the emotion graph: from `start` (seconds) until the next section.
public struct EmotionSection: Sendable, Equatable {
    public var start: Double
    public var emotion: Emotion
    public var intensity: Double
    /// Why auto estimation chose this (nil for sections given by the user).
    public var reason: String?

    /// A negative zero intensity (`--intensity -0`) is kept as zero: it is the same setting, and
    /// it would print as "-0.0" in every section's line and reason.
    public init(start: Double, emotion: Emotion, intensity: Double, reason: String? = nil) {
        self.start = start; self.emotion = emotion; self.intensity = intensity == 0 ? 0 : intensity; self.reason = reason
    }
}

/// The song's emotions over time: sections in order of start, the first covering the song's
/// beginning whatever its start says. Read from `--emotion-map`, made from `--emotion`, or
/// estimated (`EmotionEstimator`). Its JSON is SPEC.md's emotion-map format.
public struct EmotionGraph: Sendable, Equatable {
    public private(set) var sections: [EmotionSection]

    /// A graph of valid sections (non-empty, starts ≥ 0 and increasing, intensity 0…1).
    public init(sections: [EmotionSection]) {
        precondition(!sections.isEmpty, "a graph has at least one section")
        self.sections = sections
    }

    /// One emotion for the whole track.
    public init(whole emotion: Emotion, intensity: Double, reason: String? = nil) {
        self.init(sections: [EmotionSection(start: 0, emotion: emotion, intensity: intensity, reason: reason)])
    }

    /// Where each section begins and ends in a track of `duration` seconds (the first begins at 0).
    public func spans(duration: Double) -> [Range<Double>] {
        sections.indices.map { index in
            let start = index == 0 ? 0 : sections[index].start
            let end = index + 1 < sections.count ? sections[index + 1].start : max(duration, start)
            return start..<end
        }
    }

    /// The index of the section playing at `seconds`.
    public func sectionIndex(at seconds: Double) -> Int {
        var index = 0
        while index + 1 < sections.count && sections[index + 1].start <= seconds { index += 1 }
        return index
    }

    // MARK: - The emotion-map file

    /// Why a map was refused, naming the offending section (1-based, as people count).
    public struct MapError: Error, CustomStringConvertible {
        public let description: String
    }

    public static let maximumSections = 10_000

    /// Parses and validates an emotion map. Unknown keys are ignored (so `analyze --emotions
    /// --json` output, with its reasons, reads back as a map); `intensity` defaults to 0.5.
    public static func parseMap(_ data: Data) throws -> EmotionGraph {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw MapError(description: "not JSON")
        }
        guard case .object(let object) = root, let list = object["sections"] else {
            throw MapError(description: "expected an object with a \"sections\" list")
        }
        guard case .array(let entries) = list else { throw MapError(description: "\"sections\" is not a list") }
        guard !entries.isEmpty else { throw MapError(description: "\"sections\" is empty") }
        guard entries.count <= maximumSections else {
            throw MapError(description: "\(entries.count) sections; at most \(maximumSections)")
        }
        var sections: [EmotionSection] = []
        for (index, entry) in entries.enumerated() {
            let name = "section \(index + 1)"
            guard case .object(let fields) = entry else { throw MapError(description: "\(name) is not an object") }
            guard case .number(let start) = fields["start"] else {
                throw MapError(description: "\(name) has no numeric \"start\"")
            }
            guard start.isFinite, start >= 0 else {
                throw MapError(description: "\(name): start \(format(start)) is negative")
            }
            if let previous = sections.last, start <= previous.start {
                throw MapError(description: "\(name): start \(format(start)) s is not after section \(index)'s \(format(previous.start)) s (starts must increase)")
            }
            guard case .string(let emotionName) = fields["emotion"] else {
                throw MapError(description: "\(name) has no \"emotion\" name")
            }
            guard let emotion = Emotion(rawValue: emotionName) else {
                throw MapError(description: "\(name): unknown emotion '\(emotionName)'; use \(Emotion.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var intensity = 0.5
            if let value = fields["intensity"] {
                guard case .number(let given) = value else { throw MapError(description: "\(name): \"intensity\" is not a number") }
                guard given >= 0 && given <= 1 else {
                    throw MapError(description: "\(name): intensity \(format(given)) is outside 0…1")
                }
                intensity = given
            }
            sections.append(EmotionSection(start: start, emotion: emotion, intensity: intensity))
        }
        return EmotionGraph(sections: sections)
    }

    /// Checks the graph against the track it is applied to.
    public func validate(duration: Double) throws {
        for (index, section) in sections.enumerated() where index > 0 && section.start >= duration {
            throw MapError(description: "section \(index + 1) starts at \(Self.format(section.start)) s, after the end of the track (\(Self.format(duration)) s)")
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(format: "%.1f", value) : String(format: "%g", value)
    }
}

/// Any JSON value, for reading untrusted maps field by field (JSONDecoder bounds the nesting).
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }
}

/// A graph with the track's length, encoded as SPEC.md's emotion map
/// `{"sections":[{"start","end","emotion","intensity","reason"?}]}`; `end` is informative.
public struct EmotionGraphDocument: Encodable, Sendable {
    public let graph: EmotionGraph
    public let duration: Double
    public init(graph: EmotionGraph, duration: Double) { self.graph = graph; self.duration = duration }

    private struct Entry: Encodable {
        let start: Double, end: Double, emotion: String, intensity: Double, reason: String?
    }
    private enum Keys: String, CodingKey { case sections }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        let spans = graph.spans(duration: duration)
        let entries = graph.sections.enumerated().map { index, section in
            Entry(start: round3(section.start), end: round3(spans[index].upperBound), emotion: section.emotion.rawValue,
                  intensity: round3(section.intensity), reason: section.reason)
        }
        try container.encode(entries, forKey: .sections)
    }
}

func round3(_ value: Double) -> Double { value.isFinite ? value.asPrinted(places: 3) : 0 }
