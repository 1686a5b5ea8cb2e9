import Foundation

/// One screen drawn off-screen: a grid of characters, each with the role that colours it.
/// Views paint frames; the curses driver shows them; tests read them.
public struct Frame: Equatable, Sendable {
    public struct Cell: Equatable, Sendable {
        /// One scalar per cell, so a frame is a flat array of plain values: cheap to build and
        /// compare 30 times a second. A double-width character (CJK, emoji in a file name) takes
        /// its cell and the next, which holds `Frame.rightHalf`.
        public var character: Unicode.Scalar
        public var role: Role
        public var bold: Bool
    }

    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width); self.height = max(0, height)
        cells = Array(repeating: Cell(character: " ", role: .text, bold: false), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell { cells[y * width + x] }

    /// Writes `text` from (x, y), clipped to the frame (and to `limit` columns when given).
    ///
    /// Text from outside (file names, reference names, themes) is drawn as a terminal shows it:
    /// a control character is a "?" (an escape in a file name must not reach the terminal), a
    /// double-width character takes two cells (one that does not fit whole, at the limit or in
    /// the screen's last cell, is a space), and a combining mark joins its letter or, where none
    /// composes, is left out.
    public mutating func put(_ x: Int, _ y: Int, _ text: some StringProtocol, _ role: Role = .text, bold: Bool = false, limit: Int? = nil) {
        guard y >= 0, y < height else { return }
        var column = x
        let end = min(width, limit.map { x + $0 } ?? width)
        // Printable ASCII, the console's own words: one cell each.
        if Self.isPrintableASCII(text) {
            for character in text.unicodeScalars {
                if column >= end { break }
                if column >= 0 { set(y * width + column, Cell(character: character, role: role, bold: bold)) }
                column += 1
            }
            return
        }
        for character in String(text).precomposedStringWithCanonicalMapping.unicodeScalars {
            let shown = Self.isControl(character) ? "?" : character
            let columns = Self.columns(shown)
            if columns == 0 { continue }
            // …nor into the screen's last cell, which a terminal is never sent (it would scroll).
            if column + columns > end || (columns == 2 && y == height - 1 && column + 2 >= width) {
                if column >= 0 && column < end { set(y * width + column, Cell(character: " ", role: role, bold: bold)) }
                break
            }
            if column >= 0 {
                set(y * width + column, Cell(character: shown, role: role, bold: bold))
                if columns == 2 { set(y * width + column + 1, Cell(character: Self.rightHalf, role: role, bold: bold)) }
            }
            column += columns
        }
    }

    /// Writes `count` copies of one character (clipped): the meters' bars and graphs, without building strings.
    public mutating func put(_ x: Int, _ y: Int, scalar: Unicode.Scalar, count: Int = 1, _ role: Role = .text, bold: Bool = false) {
        guard y >= 0, y < height else { return }
        for column in max(0, x)..<max(max(0, x), min(width, x + count)) {
            set(y * width + column, Cell(character: scalar, role: role, bold: bold))
        }
    }

    /// Sets one cell, never leaving half of a double-width character behind (its other half
    /// becomes a space, as on a terminal).
    @inline(__always) private mutating func set(_ index: Int, _ cell: Cell) {
        let old = cells[index].character
        if old == Self.rightHalf {
            if cell.character != Self.rightHalf { cells[index - 1].character = " " }
        } else if index + 1 < cells.count && cells[index + 1].character == Self.rightHalf {
            cells[index + 1].character = " "
        }
        cells[index] = cell
    }

    /// Colours a run of cells without changing their characters.
    public mutating func paint(_ x: Int, _ y: Int, count: Int, _ role: Role) {
        guard y >= 0, y < height else { return }
        for column in max(0, x)..<max(max(0, x), min(width, x + count)) { cells[y * width + column].role = role }
    }

    /// Fills a row with a role's background (spaces).
    public mutating func fill(row y: Int, _ role: Role) {
        put(0, y, scalar: " ", count: width, role)
    }

    /// The frame's text, one string per row (trailing spaces kept): what a terminal would show.
    public var lines: [String] {
        (0..<height).map { y in
            var line = String.UnicodeScalarView()
            line.append(contentsOf: cells[(y * width)..<((y + 1) * width)].lazy.map(\.character).filter { $0 != Self.rightHalf })
            return String(line)
        }
    }

    public var text: String { lines.joined(separator: "\n") }
}

extension Frame {
    /// The right half of a double-width character: the terminal draws it with the left half,
    /// so it is never sent (a NUL never comes from text: control characters are replaced).
    public static let rightHalf: Unicode.Scalar = "\u{0}"

    /// C0, DEL and C1 controls: they would move the cursor or start an escape sequence (the
    /// command line's error line keeps them out by the same rule).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// Text that is all printable ASCII: one cell a byte, nothing to compose or measure.
    static func isPrintableASCII(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// How many columns a scalar takes on a terminal: 0 for combining marks and format
    /// characters, 2 for East Asian wide and fullwidth characters and emoji shown as emoji,
    /// 1 otherwise (everything the console draws itself).
    public static func columns(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if scalar.properties.isEmojiPresentation { return 2 }
        return wideRanges.contains { $0.contains(value) } ? 2 : 1
    }

    /// The columns `text` takes as `put` draws it.
    public static func columns(_ text: some StringProtocol) -> Int {
        if isPrintableASCII(text) { return text.utf8.count }
        return String(text).precomposedStringWithCanonicalMapping.unicodeScalars.reduce(0) { $0 + (isControl($1) ? 1 : columns($1)) }
    }

    /// Unicode's East Asian Wide and Fullwidth blocks (emoji are told by their own property).
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
        0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
        0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1B000...0x1B2FF, 0x1F200...0x1F2FF,
        0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}
