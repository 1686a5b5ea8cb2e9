import AudioIO
import Foundation

/// What a colour is for. Views name roles; only the theme knows colours.
public enum Role: String, CaseIterable, Sendable {
    case text, dim, header, accent, selected, keybar
    case meterOK = "meter_ok", meterWarn = "meter_warn", meterOver = "meter_over", marker
    case curveOutput = "curve_output", curveInput = "curve_input", curveTarget = "curve_target"
    case heat0 = "heat_0", heat1 = "heat_1", heat2 = "heat_2", heat3 = "heat_3", heat4 = "heat_4"
    case record, warning, styleUp = "style_up", styleDown = "style_down"

    /// The emotion heat roles, calm blue to powerful red.
    public static let heat: [Role] = [.heat0, .heat1, .heat2, .heat3, .heat4]
}

/// A 24-bit colour.
public struct RGB: Equatable, Sendable {
    public var red: Int, green: Int, blue: Int
    public init(_ red: Int, _ green: Int, _ blue: Int) { self.red = red; self.green = green; self.blue = blue }

    /// "#RRGGBB".
    public init?(hex: String) {
        var text = hex.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("#") { text.removeFirst() }
        guard text.count == 6, let value = Int(text, radix: 16) else { return nil }
        self.init(value >> 16, (value >> 8) & 0xFF, value & 0xFF)
    }

    /// The nearest colour of xterm's 256-colour palette (6×6×6 cube or grey ramp).
    public var xterm256: Int {
        func level(_ component: Int) -> Int { component < 48 ? 0 : component < 115 ? 1 : (component - 35) / 40 }
        let cube = 16 + 36 * level(red) + 6 * level(green) + level(blue)
        let steps = [0, 95, 135, 175, 215, 255]
        let cubeColour = RGB(steps[level(red)], steps[level(green)], steps[level(blue)])
        let grey = min(23, max(0, ((red + green + blue) / 3 - 3) / 10))
        let greyValue = 8 + 10 * grey
        return distance(to: RGB(greyValue, greyValue, greyValue)) < distance(to: cubeColour) ? 232 + grey : cube
    }

    /// The nearest of the 16 ANSI colours (their usual xterm values).
    public var ansi16: Int {
        let palette = [RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0), RGB(0, 0, 238), RGB(205, 0, 205),
                       RGB(0, 205, 205), RGB(229, 229, 229), RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0),
                       RGB(255, 255, 0), RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255)]
        return palette.indices.min { distance(to: palette[$0]) < distance(to: palette[$1]) }!
    }

    func distance(to other: RGB) -> Int {
        let dr = red - other.red, dg = green - other.green, db = blue - other.blue
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }
}

/// A colour theme: a foreground (and optionally background) colour for every role.
///
/// Files are small text files, one `key = "#RRGGBB"` (or `key = "#RRGGBB on #RRGGBB"`) a line,
/// `#` comments; missing keys come from the default theme. A line it cannot use (an unknown key,
/// a bad colour) keeps the default there and is named in `problems`, which the console shows:
/// a typo in a theme should not fail silently.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var background: RGB
    public var colours: [Role: (foreground: RGB, background: RGB?)]
    /// What in the file could not be used, "line 3: …" each (not part of equality).
    public var problems: [String] = []

    public static func == (lhs: Theme, rhs: Theme) -> Bool {
        lhs.name == rhs.name && lhs.background == rhs.background && Role.allCases.allSatisfy {
            lhs.colours[$0]?.foreground == rhs.colours[$0]?.foreground && lhs.colours[$0]?.background == rhs.colours[$0]?.background
        }
    }

    public func colour(_ role: Role) -> (foreground: RGB, background: RGB?) { colours[role] ?? (RGB(200, 200, 200), nil) }

    /// The built-in default (the same as the shipped `themes/midnight.theme`).
    public static let builtIn: Theme = {
        var theme = Theme(name: "midnight", background: RGB(0x10, 0x14, 0x1C), colours: [:])
        let values: [Role: String] = [
            .text: "#D8DEE9", .dim: "#5C6773", .header: "#ECEFF4 on #2E3440", .accent: "#88C0D0",
            .selected: "#10141C on #88C0D0", .keybar: "#ECEFF4 on #3B4252",
            .meterOK: "#A3BE8C", .meterWarn: "#EBCB8B", .meterOver: "#BF616A", .marker: "#ECEFF4",
            .curveOutput: "#88C0D0", .curveInput: "#4C566A", .curveTarget: "#EBCB8B",
            .heat0: "#10141C on #3B6EA8", .heat1: "#10141C on #5E81AC", .heat2: "#10141C on #B48EAD",
            .heat3: "#10141C on #D08770", .heat4: "#10141C on #BF616A",
            .record: "#BF616A", .warning: "#EBCB8B", .styleUp: "#D08770", .styleDown: "#5E81AC",
        ]
        for (role, value) in values { theme.colours[role] = parse(value) }
        return theme
    }()

    static func parse(_ value: String) -> (foreground: RGB, background: RGB?)? {
        let parts = value.replacingOccurrences(of: "\"", with: "").components(separatedBy: " on ")
        guard let foreground = RGB(hex: parts[0]) else { return nil }
        if parts.count == 2 {
            guard let background = RGB(hex: parts[1]) else { return nil }
            return (foreground, background)
        }
        return (foreground, nil)
    }

    /// Reads a theme file over the default; what it cannot use is kept at the default and named.
    public static func parse(_ text: String, name: String) -> Theme {
        var theme = builtIn(named: name)
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces.union(.controlCharacters))
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let place = "line \(index + 1)"
            guard let equals = line.firstIndex(of: "=") else {
                theme.problems.append("\(place): not key = \"#RRGGBB\""); continue
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard key == "background" || Role(rawValue: key) != nil else {
                theme.problems.append("\(place): unknown key '\(clipped(key))'"); continue
            }
            guard let colour = parse(value) else {
                theme.problems.append("\(place): \(key) = \(clipped(value)) is not a colour")
                continue
            }
            if key == "background" { theme.background = colour.foreground } else { theme.colours[Role(rawValue: key)!] = colour }
        }
        return theme
    }

    /// A word from the file, short enough for a message (the screen shows control characters as "?").
    private static func clipped(_ text: some StringProtocol) -> String {
        text.count > 24 ? String(text.prefix(23)) + "…" : String(text)
    }

    /// One line for the screen about `problems`, or nil when there are none.
    public var problemSummary: String? {
        guard let first = problems.first else { return nil }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more)" : ""
        return "theme '\(name)': \(first)\(more); default kept"
    }

    /// Themes by name: the user's (`$XDG_CONFIG_HOME/loopmind/themes/`, or `~/.config/…` when it
    /// is unset, empty or relative, as the XDG spec says) over the shipped ones.
    public static func available(shippedFolder: String?, environment: [String: String]) -> [String: String] {
        var found: [String: String] = [:]
        var folders: [String] = []
        if let shippedFolder { folders.append(shippedFolder) }
        folders.append(UserFolders.config(environment: environment) + "/loopmind/themes")
        for folder in folders {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for name in names where name.hasSuffix(".theme") {
                found[String(name.dropLast(6))] = folder + "/" + name
            }
        }
        return found
    }

    /// Loads a theme file (at most 64 KiB, a regular file); one that cannot be read is the
    /// default with the reason in `problems`.
    public static func load(path: String, name: String) -> Theme {
        // A theme kept elsewhere and linked in (dotfiles) is read through its link.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target),
              attributes[.type] as? FileAttributeType == .typeRegular else {
            return builtIn(named: name, problems: ["cannot read \(path)"])
        }
        guard (attributes[.size] as? Int ?? 0) <= 65536 else {
            return builtIn(named: name, problems: ["\(path) is larger than 64 KiB, too big for a theme"])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return builtIn(named: name, problems: ["cannot read \(path)"])
        }
        return parse(String(decoding: data, as: UTF8.self), name: name)
    }

    /// The default colours under `name`: a theme file's starting point, or what a theme that
    /// cannot be read falls back to (with why in `problems`).
    public static func builtIn(named name: String, problems: [String] = []) -> Theme {
        var theme = builtIn
        theme.name = name
        theme.problems = problems
        return theme
    }
}
