/// Turns frames into the bytes a terminal needs, so a whole frame goes out in one write.
///
/// Only the cells that changed since the previous frame are sent: per row, the span from the
/// first to the last changed cell, after one cursor move; the look (colours, bold, reverse) is
/// sent only when it differs from the cell before. What the sequences are comes from outside
/// (terminfo, in the curses driver), so this knows no terminal and tests can give plain ANSI.
public struct FrameEncoder {
    /// The terminal's strings: how to move, how to clear, and how every look is switched on.
    public struct Capabilities {
        /// The bytes that put the cursor at (row, column), both from 0.
        public var moveTo: (_ row: Int, _ column: Int) -> [UInt8]
        /// Clears the screen in the current look.
        public var clear: [UInt8]
        /// Attributes back to normal.
        public var reset: [UInt8]
        /// The bytes that switch on `look(role, bold)`, starting from `reset`.
        public var look: (_ role: Role, _ bold: Bool) -> [UInt8]

        public init(moveTo: @escaping (Int, Int) -> [UInt8], clear: [UInt8], reset: [UInt8],
                    look: @escaping (Role, Bool) -> [UInt8]) {
            self.moveTo = moveTo; self.clear = clear; self.reset = reset; self.look = look
        }
    }

    private let capabilities: Capabilities
    /// Every look's bytes, computed once: index `role × 2 + bold`.
    private let looks: [[UInt8]]
    private var shown: Frame?
    /// The output buffer, kept between frames so encoding does not allocate once it has grown.
    public private(set) var bytes: [UInt8] = []

    public init(_ capabilities: Capabilities) {
        self.capabilities = capabilities
        looks = Role.allCases.flatMap { role in [capabilities.look(role, false), capabilities.look(role, true)] }
    }

    /// Forgets what is on screen: the next frame is drawn whole (after a resize, a theme change,
    /// or anything else that drew over it).
    public mutating func invalidate() { shown = nil }

    /// Encodes `frame` as the changes from what is on screen into `bytes`; empty when nothing changed.
    public mutating func encode(_ frame: Frame) {
        bytes.removeAll(keepingCapacity: true)
        let previous = shown.flatMap { $0.width == frame.width && $0.height == frame.height ? $0 : nil }
        shown = frame
        let width = frame.width, height = frame.height
        guard width > 0, height > 0 else { return }
        var current = -1   // the look the terminal is in; unknown at first
        if previous == nil {
            current = lookIndex(.text, false)
            bytes += looks[current]
            bytes += capabilities.clear
        }
        frame.cells.withUnsafeBufferPointer { cells in
            for y in 0..<height {
                let row = y * width
                // The last cell of the screen is never written: on most terminals that scrolls.
                let last = y == height - 1 ? width - 2 : width - 1
                guard last >= 0 else { continue }
                var first = 0, end = last
                if let previous {
                    let old = previous.cells
                    while first <= last && old[row + first] == cells[row + first] { first += 1 }
                    if first > last { continue }
                    while end > first && old[row + end] == cells[row + end] { end -= 1 }
                }
                // A double-width character is sent whole, from its left half.
                if first > 0 && cells[row + first].character == Frame.rightHalf { first -= 1 }
                bytes += capabilities.moveTo(y, first)
                var role = cells[row + first].role, bold = cells[row + first].bold
                var look = lookIndex(role, bold)
                for x in first...end {
                    let cell = cells[row + x]
                    // The terminal drew this half with the character before it.
                    if cell.character == Frame.rightHalf { continue }
                    if cell.role != role || cell.bold != bold {
                        role = cell.role; bold = cell.bold
                        look = lookIndex(role, bold)
                    }
                    if look != current { bytes += looks[look]; current = look }
                    appendUTF8(cell.character)
                }
            }
        }
        if current != -1 && !bytes.isEmpty { bytes += capabilities.reset }
    }

    @inline(__always) private func lookIndex(_ role: Role, _ bold: Bool) -> Int {
        Role.index(of: role) * 2 + (bold ? 1 : 0)
    }

    @inline(__always) private mutating func appendUTF8(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            bytes.append(UInt8(value))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | value >> 6)); bytes.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | value >> 12)); bytes.append(UInt8(0x80 | value >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | value & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | value >> 18)); bytes.append(UInt8(0x80 | value >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | value >> 6 & 0x3F)); bytes.append(UInt8(0x80 | value & 0x3F))
        }
    }
}

extension Role {
    /// The role's position in `allCases` (looked up once per run of cells with the same look).
    static func index(of role: Role) -> Int { indices[role]! }
    private static let indices: [Role: Int] = Dictionary(uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) })
}
