@testable import Console
import Testing

/// The encoder's bytes, played into a small ANSI screen: whatever frames come, the screen must
/// end up showing each one exactly (characters and looks), while sending only what changed.
struct FrameEncoderTests {
    /// Plain ANSI sequences; a look is `ESC[0;<100 + role>;<1 bold | 22>m`, so the screen can tell them apart.
    static var ansi: FrameEncoder.Capabilities {
        FrameEncoder.Capabilities(
            moveTo: { row, column in Array("\u{1B}[\(row + 1);\(column + 1)H".utf8) },
            clear: Array("\u{1B}[2J".utf8),
            reset: Array("\u{1B}[0m".utf8),
            look: { role, bold in Array("\u{1B}[0;\(100 + Role.index(of: role));\(bold ? 1 : 22)m".utf8) })
    }

    /// A terminal that understands exactly the sequences above (and UTF-8 text).
    struct Screen {
        struct Cell: Equatable { var character: Unicode.Scalar = " "; var look: [Int] = [] }
        let width: Int, height: Int
        var cells: [Cell]
        var row = 0, column = 0, look: [Int] = []
        var moves = 0, clears = 0, written = 0

        init(width: Int, height: Int) {
            self.width = width; self.height = height
            cells = Array(repeating: Cell(), count: width * height)
        }

        mutating func play(_ bytes: [UInt8]) {
            var index = 0
            var text: [UInt8] = []
            while index < bytes.count {
                if bytes[index] == 0x1B {
                    flush(&text)
                    #expect(bytes[index + 1] == UInt8(ascii: "["))
                    var end = index + 2
                    while !(0x40...0x7E).contains(bytes[end]) { end += 1 }
                    let parameters = String(decoding: bytes[(index + 2)..<end], as: UTF8.self).split(separator: ";").map { Int($0)! }
                    switch bytes[end] {
                    case UInt8(ascii: "H"): row = parameters[0] - 1; column = parameters[1] - 1; moves += 1
                    case UInt8(ascii: "J"):
                        cells = Array(repeating: Cell(character: " ", look: look), count: width * height); clears += 1
                    case UInt8(ascii: "m"): look = parameters == [0] ? [] : parameters
                    default: Issue.record("unexpected sequence")
                    }
                    index = end + 1
                } else {
                    text.append(bytes[index]); index += 1
                }
            }
            flush(&text)
        }

        /// Text as a terminal takes it: a double-width character fills two cells (the second
        /// marked `Frame.rightHalf`), and writing over half of one blanks its other half.
        private mutating func flush(_ text: inout [UInt8]) {
            for scalar in String(decoding: text, as: UTF8.self).unicodeScalars {
                #expect(scalar.value >= 0x20, "a control character reached the terminal")
                let columns = Frame.columns(scalar)
                #expect(row < height && column + columns <= width, "written outside the screen")
                for offset in 0..<columns {
                    let index = row * width + column + offset
                    if cells[index].character == Frame.rightHalf && offset == 0 { cells[index - 1].character = " " }
                    if index + 1 < cells.count && cells[index + 1].character == Frame.rightHalf && offset == columns - 1 {
                        cells[index + 1].character = " "
                    }
                    cells[index] = Cell(character: offset == 0 ? scalar : Frame.rightHalf, look: look)
                }
                column += columns; written += 1
            }
            text.removeAll()
        }

        /// The first cell (row, column) where the screen does not show `frame`; nil when it shows
        /// it all (but the last cell, which is never written).
        func difference(from frame: Frame) -> [Int]? {
            (0..<(width * height - 1)).first { index in
                let cell = frame.cells[index]
                return cells[index] != Cell(character: cell.character, look: [0, 100 + Role.index(of: cell.role), cell.bold ? 1 : 22])
            }.map { [$0 / width, $0 % width] }
        }
    }

    static func frame(seed: UInt64, width: Int = 40, height: Int = 12) -> Frame {
        var random = seed
        func next() -> Int { random = random &* 6364136223846793005 &+ 1442695040888963407; return Int(random >> 33) }
        var frame = Frame(width: width, height: height)
        let glyphs: [Unicode.Scalar] = ["a", "█", "·", "▲", "─", "€", "𝄞", " "]
        // A few runs per row, some rows left alone: like meters moving over a still layout.
        for y in 0..<height where next() % 3 != 0 {
            for _ in 0..<3 {
                frame.put(next() % width, y, scalar: glyphs[next() % glyphs.count], count: 1 + next() % 8,
                          Role.allCases[next() % Role.allCases.count], bold: next() % 2 == 0)
            }
        }
        return frame
    }

    /// terminfo's delay padding is taken out of a capability (vt100's clear is "\E[H\E[J$<50>"),
    /// in every form terminfo allows, and nothing else is.
    @Test func terminfoPaddingIsTakenOut() {
        func stripped(_ text: String) -> String { String(decoding: CursesTerminal.withoutPadding(Array(text.utf8)), as: UTF8.self) }
        #expect(stripped("\u{1B}[H\u{1B}[J$<50>") == "\u{1B}[H\u{1B}[J")
        #expect(stripped("\u{1B}[%i%p1%d;%p2%dH$<5>") == "\u{1B}[%i%p1%d;%p2%dH")
        #expect(stripped("a$<2*>b$<100/>c$<1.5*/>d") == "abcd")
        for kept in ["$<>", "$<x>", "$<5", "cost $5", "$$<", "<5>", "\u{1B}[0m"] {
            #expect(stripped(kept) == kept, "\(kept)")
        }
    }

    @Test func theFirstFrameIsDrawnWholeAfterAClear() {
        var encoder = FrameEncoder(Self.ansi)
        var screen = Screen(width: 40, height: 12)
        let frame = Self.frame(seed: 1)
        encoder.encode(frame)
        screen.play(encoder.bytes)
        #expect(screen.clears == 1)
        #expect(screen.moves == 12)            // one per row
        #expect(screen.written == 40 * 12 - 1)  // every cell but the last
        #expect(screen.difference(from: frame) == nil)
    }

    @Test func onlyTheChangedSpanOfARowIsSent() {
        var encoder = FrameEncoder(Self.ansi)
        var screen = Screen(width: 40, height: 12)
        var frame = Self.frame(seed: 2)
        encoder.encode(frame)
        screen.play(encoder.bytes)
        screen.moves = 0; screen.written = 0
        frame.put(10, 5, "xyz", .meterOver)
        frame.put(30, 5, "!", .marker, bold: true)
        encoder.encode(frame)
        screen.play(encoder.bytes)
        #expect(screen.clears == 1)
        #expect(screen.moves == 1)
        #expect(screen.written == 21)   // columns 10…30 of one row
        #expect(screen.difference(from: frame) == nil)

        encoder.encode(frame)
        #expect(encoder.bytes.isEmpty, "an unchanged frame sends nothing")
    }

    @Test func anyRunOfFramesLeavesTheScreenShowingTheLastOne() {
        var encoder = FrameEncoder(Self.ansi)
        var screen = Screen(width: 40, height: 12)
        var total = 0
        for seed in 0..<200 as Range<UInt64> {
            var frame = Self.frame(seed: seed / 4)   // four frames in a row are often the same
            if seed % 4 == 3 { frame.put(Int(seed % 40), Int(seed % 12), scalar: "≈", count: 3, .accent) }
            encoder.encode(frame)
            total += encoder.bytes.count
            screen.play(encoder.bytes)
            #expect(screen.difference(from: frame) == nil, "frame \(seed)")
        }
        #expect(screen.clears == 1)
        #expect(total < 200 * 40 * 12, "changes only, not whole frames")
    }

    /// Names from outside in random places over random frames: CJK and emoji take two cells,
    /// half-overwritten ones lose their other half, escapes become "?"; the screen must still end
    /// up showing each frame, and no escape but the encoder's own reaches it.
    @Test func doubleWidthAndControlCharactersLeaveTheScreenRight() {
        var encoder = FrameEncoder(Self.ansi)
        var screen = Screen(width: 40, height: 12)
        let names = ["日本語の曲", "🎵 mix", "e\u{1B}[2Jx", "a\u{301}b", "ｆｕｌｌ", "x\u{7}\u{9B}y", "한국어"]
        for seed in 0..<300 as Range<UInt64> {
            var frame = Self.frame(seed: seed / 3)
            var random = seed &* 0x9E3779B97F4A7C15
            func next() -> Int { random = random &* 6364136223846793005 &+ 1442695040888963407; return Int(random >> 33) }
            for _ in 0..<(1 + next() % 4) {
                frame.put(next() % 44 - 2, next() % 12, names[next() % names.count], .accent, limit: next() % 2 == 0 ? nil : 1 + next() % 9)
            }
            encoder.encode(frame)
            screen.play(encoder.bytes)
            #expect(screen.difference(from: frame) == nil, "frame \(seed)")
        }
        #expect(screen.clears == 1, "an escape in a name cleared the screen")
    }

    @Test func textIsPutAsATerminalShowsIt() {
        var frame = Frame(width: 12, height: 4)
        frame.put(0, 0, "日本🎵.wav")
        #expect(frame.lines[0] == "日本🎵.wav  " && Frame.columns(frame.lines[0]) == 12)
        frame.put(1, 0, "x")                      // over the right half of 日: its left half goes too
        #expect(frame.lines[0] == " x本🎵.wav  ")
        frame.put(0, 1, "ab日本", limit: 3)        // 日 would stick out of the limit: a space
        #expect(frame.lines[1].hasPrefix("ab ") && frame[3, 1].character == " ")
        frame.put(0, 2, "e\u{1B}[2J\u{7}\u{85}")
        #expect(frame.lines[2] == "e?[2J??     ")
        frame.put(0, 3, "cafe\u{301}!")            // decomposed é, composed
        #expect(frame.lines[3] == "café!       ")
        #expect(Frame.columns("日本🎵.wav") == 10 && Frame.columns("plain") == 5 && Frame.columns("a\u{301}") == 1)
    }

    @Test func aNewSizeOrAnInvalidatedScreenIsDrawnWhole() {
        var encoder = FrameEncoder(Self.ansi)
        var small = Screen(width: 40, height: 12)
        encoder.encode(Self.frame(seed: 3))
        small.play(encoder.bytes)

        var large = Screen(width: 60, height: 20)
        let frame = Self.frame(seed: 3, width: 60, height: 20)
        encoder.encode(frame)
        large.play(encoder.bytes)
        #expect(large.clears == 1 && large.difference(from: frame) == nil)

        encoder.invalidate()
        encoder.encode(frame)
        var again = Screen(width: 60, height: 20)
        again.play(encoder.bytes)
        #expect(again.clears == 1 && again.written == 60 * 20 - 1 && again.difference(from: frame) == nil)
    }
}
