import CNcursesw
import Glibc

/// The one place that talks to curses: starts and restores the terminal, decodes keys, and
/// shows frames (only the rows that changed), colouring roles from the theme at the depth the
/// terminal has: direct colour, 256 or 16/8 colours, or none with `NO_COLOR`.
public final class CursesTerminal {
    public enum Depth: String { case none, ansi16, xterm256, direct }

    public private(set) var depth = Depth.none
    private var shown: Frame?
    private var active = false
    private var pairs: [Role: Int32] = [:]

    public init(noColor: Bool) {
        setlocale(LC_ALL, "")
        initscr()
        active = true
        cbreak()
        noecho()
        keypad(lm_stdscr(), true)
        curs_set(0)
        timeout(33)   // getch waits at most one frame at 30 fps
        if !noColor && has_colors() {
            start_color()
            use_default_colors()
            depth = lm_colors() >= 0x1000000 ? .direct : (lm_colors() >= 256 ? .xterm256 : .ansi16)
        }
    }

    deinit { restore() }

    /// Gives the terminal back as it was. Safe to call more than once (and from any way out).
    public func restore() {
        guard active else { return }
        active = false
        endwin()
    }

    public var size: (width: Int, height: Int) {
        var rows: Int32 = 0, columns: Int32 = 0
        lm_getmaxyx(lm_stdscr(), &rows, &columns)
        return (Int(columns), Int(rows))
    }

    /// Sets the colour pair of every role from the theme.
    public func apply(_ theme: Theme) {
        guard depth != .none else { return }
        for (index, role) in Role.allCases.enumerated() {
            let colour = theme.colour(role)
            let number = Int32(index + 1)
            let foreground = convert(colour.foreground)
            let background = colour.background.map(convert) ?? convert(theme.background)
            init_extended_pair(number, foreground, background)
            pairs[role] = number
        }
        bkgd(chtype(lm_color_pair(Int32(Role.allCases.firstIndex(of: .text)! + 1))))
        shown = nil
    }

    private func convert(_ colour: RGB) -> Int32 {
        switch depth {
        case .direct: Int32(colour.red << 16 | colour.green << 8 | colour.blue)
        case .xterm256: Int32(colour.xterm256)
        case .ansi16: Int32(lm_colors() >= 16 ? colour.ansi16 : colour.ansi16 % 8)
        case .none: -1
        }
    }

    /// Reads one key (waiting at most a frame); nil when none came.
    public func readKey() -> Key? {
        let code = getch()
        switch code {
        case ERR: return nil
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_SLEFT: return .shiftLeft
        case KEY_SRIGHT: return .shiftRight
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_RESIZE:
            shown = nil
            return .resize
        case 3: return .character("q")   // Ctrl-C arrives as a key in cbreak mode only if ISIG is off; kept for raw terminals
        case 0..<128: return .character(Character(UnicodeScalar(UInt8(code))))
        default: return nil
        }
    }

    /// Shows a frame, rewriting only the rows that differ from what is on screen.
    public func show(_ frame: Frame) {
        if shown?.width != frame.width || shown?.height != frame.height {
            erase()
            shown = nil
        }
        for y in 0..<frame.height {
            if let shown, (0..<frame.width).allSatisfy({ shown[$0, y] == frame[$0, y] }) { continue }
            var x = 0
            while x < frame.width {
                // One run of cells with the same look.
                let cell = frame[x, y]
                var run = String.UnicodeScalarView()
                run.append(cell.character)
                var end = x + 1
                while end < frame.width, frame[end, y].role == cell.role, frame[end, y].bold == cell.bold {
                    run.append(frame[end, y].character)
                    end += 1
                }
                var attributes: Int32 = 0
                if depth != .none, let pair = pairs[cell.role] { attributes |= lm_color_pair(pair) }
                else if depth == .none, [.selected, .header, .keybar].contains(cell.role) { attributes |= Int32(bitPattern: lm_a_reverse()) }
                if cell.bold || (depth == .none && cell.role == .record) { attributes |= Int32(bitPattern: lm_a_bold()) }
                attrset(attributes)
                // The last cell of the screen cannot be written without scrolling: leave it.
                if y == frame.height - 1 && end == frame.width { run.removeLast() }
                mvaddstr(Int32(y), Int32(x), String(run))
                x = end
            }
        }
        attrset(0)
        refresh()
        shown = frame
    }
}
