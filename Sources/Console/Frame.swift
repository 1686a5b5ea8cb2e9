/// One screen drawn off-screen: a grid of characters, each with the role that colours it.
/// Views paint frames; the curses driver shows them; tests read them.
public struct Frame: Equatable, Sendable {
    public struct Cell: Equatable, Sendable {
        /// One scalar per cell (everything the console draws is a single-scalar character),
        /// so a frame is a flat array of plain values: cheap to build and compare 30 times a second.
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
    public mutating func put(_ x: Int, _ y: Int, _ text: some StringProtocol, _ role: Role = .text, bold: Bool = false, limit: Int? = nil) {
        guard y >= 0, y < height else { return }
        var column = x
        let end = min(width, limit.map { x + $0 } ?? width)
        for character in text.unicodeScalars {
            if column >= end { break }
            if column >= 0 { cells[y * width + column] = Cell(character: character, role: role, bold: bold) }
            column += 1
        }
    }

    /// Writes `count` copies of one character (clipped): the meters' bars and graphs, without building strings.
    public mutating func put(_ x: Int, _ y: Int, scalar: Unicode.Scalar, count: Int = 1, _ role: Role = .text, bold: Bool = false) {
        guard y >= 0, y < height else { return }
        for column in max(0, x)..<max(max(0, x), min(width, x + count)) {
            cells[y * width + column] = Cell(character: scalar, role: role, bold: bold)
        }
    }

    /// Colours a run of cells without changing their characters.
    public mutating func paint(_ x: Int, _ y: Int, count: Int, _ role: Role) {
        guard y >= 0, y < height else { return }
        for column in max(0, x)..<min(width, x + count) { cells[y * width + column].role = role }
    }

    /// Fills a row with a role's background (spaces).
    public mutating func fill(row y: Int, _ role: Role) {
        put(0, y, scalar: " ", count: width, role)
    }

    /// The frame's text, one string per row (trailing spaces kept): what a terminal would show.
    public var lines: [String] {
        (0..<height).map { y in
            var line = String.UnicodeScalarView()
            line.append(contentsOf: cells[(y * width)..<((y + 1) * width)].map(\.character))
            return String(line)
        }
    }

    public var text: String { lines.joined(separator: "\n") }
}
