import CCrashGuard
import CNcursesw
import Glibc
import Synchronization

/// The one place that talks to the terminal. ncursesw starts and restores it and decodes keys;
/// frames go out as one write each (`FrameEncoder`: only what changed, with terminfo's own
/// sequences), because ncurses 6.4 flushes at every cursor jump, about eight writes a frame.
/// Roles are coloured from the theme at the depth the terminal has: direct colour, 256 or
/// 16/8 colours, or none with `NO_COLOR` (reverse and bold then mark what colour would).
public final class CursesTerminal {
    public enum Depth: String { case none, ansi16, xterm256, direct }

    public private(set) var depth = Depth.none
    private var active = false
    private var encoder: FrameEncoder

    public init(noColor: Bool) {
        var depth = Depth.none
        setlocale(LC_ALL, "")
        var shellMode = termios()
        let hasShellMode = tcgetattr(STDOUT_FILENO, &shellMode) == 0
        initscr()
        active = true
        cbreak()
        noecho()
        keypad(lm_stdscr(), true)
        curs_set(0)
        timeout(33)   // getch waits at most one frame at 30 fps
        if !noColor && has_colors() && lm_tigetstr("setaf") != nil && lm_tigetstr("setab") != nil {
            start_color()   // sets COLORS
            depth = lm_colors() >= 0x1000000 ? .direct : (lm_colors() >= 256 ? .xterm256 : .ansi16)
        }
        // ncurses' own first refresh (it clears the screen) now, so getch never has a reason to
        // redraw stdscr over our frames: stdscr is not touched again.
        refresh()
        ContinueSignal.install()
        if hasShellMode {
            // A crash would leave the screen up and the terminal not echoing: the guard undoes
            // both before the crash goes on (and its report is printed where it can be read).
            let undo = Self.leavingSequence
            lm_crash_guard_terminal(STDOUT_FILENO, &shellMode, undo, undo.count)
        }
        self.depth = depth
        encoder = FrameEncoder(Self.capabilities(Theme.builtIn, depth: depth))
    }

    deinit { restore() }

    /// Why this terminal cannot show the console, or nil when it can. initscr prints its own
    /// line and exits the process on a TERM terminfo does not know (no "loopmind:", no clean-up),
    /// and on one that cannot place the cursor (TERM=dumb) every frame ran together.
    public static func whyUnusable(term: String?) -> String? {
        let name = term ?? ""
        switch lm_terminal_status(STDOUT_FILENO) {
        case 1:
            return lm_tigetstr("cup") == nil
                ? "the console needs a terminal that can place the cursor, and TERM='\(name)' cannot" : nil
        case -1:
            return "the console cannot read the terminfo database (TERM='\(name)'); is ncurses-base installed?"
        default:
            return name.isEmpty ? "the console needs TERM set to the terminal's name (xterm-256color, say)"
                : "the console cannot find TERM='\(name)' in the terminfo database; set TERM to the terminal's name (xterm-256color, say)"
        }
    }

    /// Gives the terminal back as it was. Safe to call more than once (and from any way out).
    public func restore() {
        guard active else { return }
        active = false
        lm_crash_guard_terminal_off()
        if let reset = Self.string("sgr0") { send(reset) }
        endwin()
    }

    public var size: (width: Int, height: Int) {
        var rows: Int32 = 0, columns: Int32 = 0
        lm_getmaxyx(lm_stdscr(), &rows, &columns)
        return (Int(columns), Int(rows))
    }

    /// Takes the theme's colours for every role; the next frame is drawn whole.
    public func apply(_ theme: Theme) {
        encoder = FrameEncoder(Self.capabilities(theme, depth: depth))
    }

    /// The terminal's sequences for moving, clearing and every role's look, from terminfo.
    private static func capabilities(_ theme: Theme, depth: Depth) -> FrameEncoder.Capabilities {
        let cup = lm_tigetstr("cup").map { String(cString: $0) } ?? ""
        let reset = Self.string("sgr0") ?? []
        let bold = Self.string("bold") ?? [], reverse = Self.string("rev") ?? []
        let setaf = lm_tigetstr("setaf").map { String(cString: $0) }, setab = lm_tigetstr("setab").map { String(cString: $0) }
        let convert = { (colour: RGB) -> Int32 in
            switch depth {
            case .direct: Int32(colour.red << 16 | colour.green << 8 | colour.blue)
            case .xterm256: Int32(colour.xterm256)
            case .ansi16: Int32(lm_colors() >= 16 ? colour.ansi16 : colour.ansi16 % 8)
            case .none: -1
            }
        }
        return FrameEncoder.Capabilities(
            moveTo: { row, column in Self.bytes(lm_tiparm2(cup, Int32(row), Int32(column))) },
            clear: Self.string("clear") ?? [],
            reset: reset,
            look: { role, isBold in
                var look = reset
                if depth == .none {
                    if [.selected, .header, .keybar].contains(role) { look += reverse }
                    if isBold || role == .record { look += bold }
                    return look
                }
                if isBold { look += bold }
                let colour = theme.colour(role)
                if let setaf, let setab {
                    look += Self.bytes(lm_tiparm1(setaf, convert(colour.foreground)))
                    look += Self.bytes(lm_tiparm1(setab, convert(colour.background ?? theme.background)))
                }
                return look
            })
    }

    private static func string(_ name: String) -> [UInt8]? { lm_tigetstr(name).map { bytes($0) } }

    /// What leaves the screen without curses, as endwin would: plain attributes, the cursor shown,
    /// the keypad's own mode off, the alternate screen left (or, without one, a new line).
    static var leavingSequence: [UInt8] {
        let leave = string("rmcup") ?? Array("\r\n".utf8)
        return ["sgr0", "cnorm", "rmkx"].flatMap { string($0) ?? [] } + leave
    }

    /// `sequence` without terminfo's delay padding: `$<5>`, `$<2*>`, `$<100/>` (milliseconds a
    /// terminal of the 1980s needed; `tputs` turns them into pad characters or a wait). Frames go
    /// out as bytes, not through `tputs`, and vt100's strings put "$<5>" on the screen. Today's
    /// terminals need no delay: it is taken out. Anything else, `$` included, is kept as it is.
    static func withoutPadding(_ sequence: [UInt8]) -> [UInt8] {
        let dollar = UInt8(ascii: "$"), open = UInt8(ascii: "<"), close = UInt8(ascii: ">")
        var result: [UInt8] = []
        result.reserveCapacity(sequence.count)
        var index = 0
        while index < sequence.count {
            if sequence[index] == dollar, index + 1 < sequence.count, sequence[index + 1] == open {
                // Digits, at most one decimal point, then the flags * and /, then ">".
                var end = index + 2
                var digits = 0, points = 0
                while end < sequence.count {
                    let byte = sequence[end]
                    if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { digits += 1 }
                    else if byte == UInt8(ascii: ".") && points == 0 { points += 1 }
                    else { break }
                    end += 1
                }
                while end < sequence.count, sequence[end] == UInt8(ascii: "*") || sequence[end] == UInt8(ascii: "/") { end += 1 }
                if digits > 0, end < sequence.count, sequence[end] == close {
                    index = end + 1
                    continue
                }
            }
            result.append(sequence[index])
            index += 1
        }
        return result
    }

    private static func bytes(_ text: UnsafePointer<CChar>?) -> [UInt8] {
        guard let text else { return [] }
        return withoutPadding(Array(UnsafeBufferPointer(start: text, count: strlen(text))).map { UInt8(bitPattern: $0) })
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
            // ncurses has resized stdscr and will clear the screen at its next refresh: let it
            // do so now, before our next frame, which is then drawn whole.
            if let reset = Self.string("sgr0") { send(reset) }
            refresh()
            encoder.invalidate()
            return .resize
        case 3: return .character("q")   // Ctrl-C arrives as a key in cbreak mode only if ISIG is off; kept for raw terminals
        case 0..<128: return .character(Character(UnicodeScalar(UInt8(code))))
        default: return nil
        }
    }

    /// Shows a frame: what changed since the last one, in a single write.
    public func show(_ frame: Frame) {
        guard active else { return }
        // Back from a stop (Ctrl-Z, fg), ncurses has repainted its own, empty screen.
        if ContinueSignal.take() { encoder.invalidate() }
        encoder.encode(frame)
        send(encoder.bytes)
    }

    /// Writes all of `bytes` to the terminal (retrying after signals and short writes).
    private func send(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// SIGCONT (the console resumed after Ctrl-Z): the handler only sets a flag the drawing reads.
enum ContinueSignal {
    static let continued = Atomic<Bool>(false)

    /// Installs the handler (installing it again changes nothing).
    static func install() {
        signal(SIGCONT) { _ in ContinueSignal.continued.store(true, ordering: .relaxed) }
    }

    /// Whether the process was continued since the last call.
    static func take() -> Bool { continued.exchange(false, ordering: .relaxed) }
}
