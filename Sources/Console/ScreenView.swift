import Analysis
import Glibc
import MasteringAI
import MasteringDSP

/// Draws a `ConsoleState` into a `Frame` of any size (at least 80×24; smaller gets a message).
/// Pure: the same state and size always give the same frame, so tests check layouts off-screen.
public enum ScreenView {
    public static let minimumWidth = 80
    public static let minimumHeight = 24

    /// Every key, in as few lines as reads well: all of it fits an 80×24 screen.
    public static let keyHelp: [(String, String)] = [
        ("space", "play / pause"), ("← →", "seek 5 s (shift: 30 s)"), ("n p", "next / previous section"),
        ("l", "loop this section"), ("↑ ↓ k j", "choose a parameter"),
        ("+ -", "tweak by a step ([ ] a fifth of a step, { } five steps)"), ("0", "back to the AI's value"),
        ("1-5", "this section's emotion: 1 powerful 2 calm 3 dreamy 4 dark 5 bright"), ("e", "this section back to auto"),
        ("b a", "A/B: the original / the reference, at the master's loudness"), ("L", "learning mode (records your tweaks)"),
        ("m", "My Style: what the trainer learned"), ("s", "loudness scale EBU +9 / +18"), ("r", "reference: match a file or saved target"),
        ("t", "next theme"), ("w", "export the master with these settings"), ("? q", "this help / quit (saves learning)"),
    ]

    public static func draw(_ state: ConsoleState, width: Int, height: Int) -> Frame {
        var frame = Frame(width: width, height: height)
        guard width >= minimumWidth, height >= minimumHeight else {
            let lines = ["LoopMind Console", "terminal too small: \(width)×\(height)",
                         "needs at least \(minimumWidth)×\(minimumHeight)", "q quits"]
            for (index, line) in lines.enumerated() {
                frame.put(max(0, (width - line.count) / 2), max(0, height / 2 - 2) + index, line, index == 1 ? .warning : .text)
            }
            return frame
        }
        header(&frame, state)
        overlay(&frame, state, top: 1)
        switch state.view {
        case .main: main(&frame, state)
        case .help: help(&frame, state)
        case .myStyle: myStyle(&frame, state)
        case .reference: reference(&frame, state)
        }
        if let message = state.message ?? state.exportStatus ?? state.referenceStatus {
            frame.put(1, height - 2, fitted(message, width - 2, names: [state.referenceName, stem(of: state.fileName)]), .accent,
                      limit: width - 2)
        }
        keyBar(&frame, state)
        return frame
    }

    // MARK: - Pieces

    /// m:ss.s, as the header shows it.
    public static func time(_ seconds: Double) -> String {
        let value = max(0, seconds.isFinite ? seconds : 0)
        // Tenths first, so 59.96 s reads 1:00.0 rather than 0:60.0.
        let tenths = Int((value * 10).rounded())
        let seconds = tenths % 600
        return "\(tenths / 600):\(seconds < 100 ? "0" : "")\(seconds / 10).\(seconds % 10)"
    }

    /// A meter reading with one decimal in `width` columns; silence reads −∞.
    static func number(_ value: Double, width: Int = 5) -> String {
        value.isFinite ? FixedText.format(value, digits: 1, width: width) : "  -∞ "
    }

    /// The transport's state in the header: the end, a lost output, playing or paused.
    private static func transport(_ state: ConsoleState, compact: Bool) -> String {
        let meters = state.meters
        if meters.isFinished { return "■ end" }
        if meters.outputLost != nil { return compact ? "■" : "■ stopped" }
        if meters.isPlaying { return compact ? "▶" : "▶ playing" }
        return compact ? "⏸" : "⏸ paused"
    }

    /// The first of `choices` (longest words first) that fits `width`; else the last, to be clipped.
    static func fitting(_ width: Int, _ choices: String...) -> String {
        choices.first { $0.count <= width } ?? choices.last ?? ""
    }

    /// A message wider than `width` gives up the middle of a name in it, longest first: the
    /// reference's, or the input's stem (which an export's name starts with). What follows the
    /// name stays in view: a long input name cut "exported …-master.wav: -9.4 LUFS, true peak
    /// -1.0 dBTP" before its loudness.
    static func fitted(_ message: String, _ width: Int, names: [String?]) -> String {
        var text = message
        for name in names.compactMap({ $0 }).filter({ Frame.columns($0) > 8 }).sorted(by: { $0.count > $1.count }) {
            let over = Frame.columns(text) - width
            guard over > 0 else { break }
            guard let range = text.range(of: name) else { continue }
            text.replaceSubrange(range, with: shortened(name, to: max(8, Frame.columns(name) - over)))
        }
        return text
    }

    /// A file name without its extension, as an export's name starts.
    static func stem(of name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot > name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// `name` in `count` columns: its start and its end (the extension), "…" between.
    static func shortened(_ name: String, to count: Int) -> String {
        guard Frame.columns(name) > count, count > 1 else { return name }
        let tail = (count - 1) / 2, head = count - 1 - tail
        /// The most characters from one end that fit `room` columns.
        func take(_ characters: some Sequence<Character>, _ room: Int) -> [Character] {
            var taken: [Character] = [], used = 0
            for character in characters {
                used += Frame.columns(String(character))
                if used > room { break }
                taken.append(character)
            }
            return taken
        }
        return String(take(name, head)) + "…" + String(take(name.reversed(), tail).reversed())
    }

    static func header(_ frame: inout Frame, _ state: ConsoleState) {
        frame.fill(row: 0, .header)
        let meters = state.meters
        var right = ""
        if state.noAudio { right += "no audio  " }
        if state.learning { right += "● REC \(state.tweaksThisSession) " }
        // Full words where they fit, shorter ones where they do not.
        for compact in [false, true] {
            let play = transport(state, compact: compact)
            var text = "  \(time(meters.playheadSeconds)) / \(time(meters.durationSeconds))  \(play)"
            if !state.sections.isEmpty {
                let section = state.sections[state.currentSection]
                text += "  §\(state.currentSection + 1)/\(state.sections.count) \(section.emotion.rawValue) "
                    + FixedText.format(section.intensity, digits: 1) + (section.chosen || compact ? "" : " (auto)")
            }
            if meters.loop != nil { text += compact ? " ⟲" : "  ⟲ loop" }
            if meters.isReferenceHeard {
                text += compact ? "  R:ref" : "  A/B: R reference"
            } else {
                text += meters.isBypassed ? (compact ? "  B:orig" : "  A/B: B original") : (compact ? "  A/B: A" : "  A/B: A master")
            }
            // Still too long in short words (80 columns, no audio, recording): the file's name gives
            // way in its middle, and the product's name goes when the file's would drop under 8.
            var brand = " LoopMind  ", file = state.fileName
            if compact {
                let width = frame.width
                let room = { width - right.count - 2 - brand.count - text.count }
                if Frame.columns(file) > room() && room() < 8 { brand = " " }
                if Frame.columns(file) > room() { file = shortened(file, to: max(8, room())) }
            }
            text = brand + file + text
            // The reference's name where it fits (it never forces the shorter words).
            if let name = state.referenceName, Frame.columns(text) + Frame.columns(name) + 4 + right.count + 2 <= frame.width {
                text += "  ≈ \(name)"
            }
            if Frame.columns(text) + right.count + 2 <= frame.width || compact {
                frame.put(0, 0, text, .header, bold: true)
                break
            }
        }
        if !right.isEmpty {
            let x = frame.width - right.count
            frame.put(x, 0, right, state.learning ? .record : .warning, bold: true)
            if state.noAudio { frame.paint(x, 0, count: 8, .warning) }
        }
    }

    /// The section timeline, coloured by emotion and intensity, with the playhead under it.
    static func overlay(_ frame: inout Frame, _ state: ConsoleState, top: Int) {
        let width = frame.width - 2
        let duration = max(state.meters.durationSeconds, state.sections.last?.end ?? 1, 1e-9)
        for (index, section) in state.sections.enumerated() {
            let start = 1 + Int((section.start / duration * Double(width)).rounded())
            let end = 1 + Int((min(section.end, duration) / duration * Double(width)).rounded())
            guard end > start else { continue }
            let role = Role.heat[ConsoleState.heat(section.emotion, intensity: section.intensity)]
            frame.put(start, top, scalar: " ", count: end - start, role)
            // A label starts with a space: a one-column section (not the current, bold one) shows only that.
            guard end - start > 1 || index == state.currentSection else { continue }
            let label = " \(index + 1) \(section.emotion.rawValue) \(FixedText.format(section.intensity, digits: 1))"
            frame.put(start, top, label, role, bold: index == state.currentSection, limit: end - start)
        }
        let playhead = 1 + min(width - 1, Int(state.meters.playheadSeconds / duration * Double(width)))
        frame.put(0, top + 1, scalar: "─", count: frame.width, .dim)
        if let loop = state.meters.loop {
            let a = 1 + Int(loop.lowerBound / duration * Double(width)), b = 1 + Int(loop.upperBound / duration * Double(width))
            frame.put(a, top + 1, scalar: "═", count: max(0, b - a), .accent)
        }
        frame.put(playhead, top + 1, "▲", .marker, bold: true)
    }

    static func main(_ frame: inout Frame, _ state: ConsoleState) {
        let width = frame.width, height = frame.height
        let left = width / 2
        let meterTop = 3
        let meterRows = max(8, (height - 6) / 2 - 1)
        loudness(&frame, state, x: 1, y: meterTop, width: left - 2)
        crest(&frame, state, x: 1, y: meterTop + 6, width: left - 2, rows: max(2, meterRows - 6))
        tone(&frame, state, x: left + 1, y: meterTop, width: width - left - 2, rows: meterRows)
        let bottom = meterTop + meterRows + 1
        let rows = height - 2 - bottom
        parameters(&frame, state, x: 1, y: bottom, width: left - 2, rows: rows)
        moves(&frame, state, x: left + 1, y: bottom, width: width - left - 2, rows: rows)
    }

    /// A horizontal bar of `width` cells for `value` within `range`, split into the meter's zones.
    static func bar(_ frame: inout Frame, x: Int, y: Int, width: Int, value: Double, range: ClosedRange<Double>,
                    warnAt: Double, overAt: Double, marker: Double?) {
        let span = range.upperBound - range.lowerBound
        func column(_ v: Double) -> Int { Int(((min(max(v, range.lowerBound), range.upperBound) - range.lowerBound) / span * Double(width)).rounded()) }
        let filled = value.isFinite ? column(value) : 0
        for index in 0..<width {
            let level = range.lowerBound + (Double(index) + 0.5) / Double(width) * span
            let role: Role = level >= overAt ? .meterOver : (level >= warnAt ? .meterWarn : .meterOK)
            frame.put(x + index, y, scalar: index < filled ? "█" : "·", index < filled ? role : .dim)
        }
        if let marker { frame.put(x + min(width - 1, column(marker)), y, "│", .marker, bold: true) }
    }

    static func loudness(_ frame: inout Frame, _ state: ConsoleState, x: Int, y: Int, width: Int) {
        let m = state.meters
        let target = state.targetLUFS
        let range = state.wideScale ? (target - 36)...(target + 18) : (target - 18)...(target + 9)
        // Shorter words where the half screen is narrow (80 columns), so nothing runs into the tone graph.
        let scale = "EBU \(state.wideScale ? "+18" : "+9")"
        let level = FixedText.format(target, digits: 1)
        // Sections aim at their own loudness (a calm verse under the song's target, a chorus
        // over it): the momentary bar's marker and zones follow the section's aim, and the
        // heading gives both, so a quiet verse on its aim does not read as too quiet.
        let here = state.hereTargetLUFS
        if abs(here - target) < 0.05 {
            frame.put(x, y, fitting(width, "LOUDNESS  target \(level) LUFS   scale \(scale)", "LOUDNESS  target \(level) LUFS  \(scale)"),
                      .accent, bold: true, limit: width)
        } else {
            let aims = "\(FixedText.format(here, digits: 1)) here · \(level) song"
            frame.put(x, y, fitting(width, "LOUDNESS  target \(aims)   scale \(scale)", "LOUDNESS  target \(aims)  \(scale)",
                                    "LOUDNESS  \(aims)  \(scale)", "LOUDNESS \(aims) \(scale)", "LOUDNESS \(aims)"),
                      .accent, bold: true, limit: width)
        }
        let barWidth = width - 17
        frame.put(x, y + 1, "M", .text, bold: true)
        bar(&frame, x: x + 2, y: y + 1, width: barWidth, value: m.momentaryLUFS, range: range, warnAt: here - 1, overAt: here + 1, marker: here)
        frame.put(x + 3 + barWidth, y + 1, number(m.momentaryLUFS) + " LUFS", .text)
        frame.put(x, y + 2, "S \(number(m.shortTermLUFS))   I \(number(m.integratedLUFS)) LUFS   LRA \(number(m.loudnessRangeLU, width: 4)) LU", .text)
        frame.put(x, y + 3, "TP", .text, bold: true)
        bar(&frame, x: x + 3, y: y + 3, width: barWidth - 1, value: m.recentTruePeakDBTP, range: -24...3,
            warnAt: state.ceilingDBTP - 1, overAt: state.ceilingDBTP, marker: state.ceilingDBTP)
        frame.put(x + 3 + barWidth, y + 3, number(m.recentTruePeakDBTP) + " dBTP", m.truePeakDBTP > state.ceilingDBTP + 0.05 ? .meterOver : .text)
        // Rounded first: a reduction under 0.05 dB reads "0.0", as the limiter's does, not "-0.0".
        let comp = FixedText.format(m.compressorReductionDB.asPrinted(places: 1), digits: 1, width: 5)
        let lim = FixedText.format(m.limiterReductionDB.asPrinted(places: 1), digits: 1, width: 5)
        let peak = number(m.truePeakDBTP)
        // At 80 columns the full line lost the highest true peak's digits: fewer spaces instead.
        frame.put(x, y + 4, fitting(width, "GR comp \(comp)  lim \(lim) dB  TP max \(peak)", "GR comp\(comp) lim\(lim) dB  TP max\(peak)"),
                  .text, limit: width)
    }

    static func crest(_ frame: inout Frame, _ state: ConsoleState, x: Int, y: Int, width: Int, rows: Int) {
        let history = state.meters.crestHistoryDB
        let latest = history.last ?? 0
        // The graph's scale (0 to 24 dB) is written at its left, in a column of its own.
        let scaleWidth = 3, graphWidth = max(1, width - scaleWidth)
        let crest = "CREST \(FixedText.format(latest, digits: 1, width: 4)) dB  "
        let seconds = FixedText.format(Double(min(history.count, graphWidth)) / 10, digits: 0)
        frame.put(x, y, fitting(width, crest + "(peak/RMS per 100 ms, last \(seconds) s)", crest + "(100 ms peak/RMS, \(seconds) s)"),
                  .accent, bold: true, limit: width)
        let levels: [Unicode.Scalar] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let shown = Array(history.suffix(graphWidth))
        let graphRows = max(1, rows - 1)
        frame.put(x, y + 1, "24", .dim)
        if graphRows > 1 { frame.put(x, y + graphRows, " 0", .dim) }
        for (index, value) in shown.enumerated() {
            // 0…24 dB over the graph's rows, eight steps a row.
            let steps = Int((min(max(value, 0), 24) / 24 * Double(graphRows * 8)).rounded())
            for row in 0..<graphRows {
                let inRow = min(8, max(0, steps - row * 8))
                frame.put(x + width - shown.count + index, y + graphRows - row, scalar: levels[inRow], value < 6 ? .meterOver : .curveOutput)
            }
        }
    }

    /// The output's 1/3-octave spectrum against the emotion's target curve; the input faintly.
    static func tone(_ frame: inout Frame, _ state: ConsoleState, x: Int, y: Int, width: Int, rows: Int) {
        let section = state.sections.isEmpty ? nil : state.sections[state.currentSection]
        frame.put(x, y, "TONE  █ output  · input  \(section.map { "─ \($0.emotion.rawValue)" } ?? "")", .accent, bold: true, limit: width)
        let output = state.meters.outputToneDB, input = state.meters.inputToneDB
        let bands = min(output.count, ThirdOctaveBands.count)
        guard bands > 0 else { frame.put(x, y + 2, "(waiting for audio)", .dim); return }
        let columnWidth = max(1, (width - 4) / bands)
        let graphRows = rows - 2
        let top = -10.0, bottom = -70.0
        let finiteOutput = output.filter(\.isFinite)
        let mean = finiteOutput.isEmpty ? -40 : finiteOutput.reduce(0, +) / Double(finiteOutput.count)
        let target = section.map { targetCurve($0.emotion, intensity: $0.intensity, mean: mean, bands: bands) }
        func row(_ db: Double) -> Int {
            Int(((top - min(max(db, bottom), top)) / (top - bottom) * Double(graphRows - 1)).rounded())
        }
        for band in 0..<bands {
            let column = x + 4 + band * columnWidth
            let outRow = output[band].isFinite ? row(output[band]) : graphRows
            for r in 0..<graphRows where r >= outRow {
                frame.put(column, y + 1 + r, scalar: "█", count: columnWidth, .curveOutput)
            }
            if band < input.count, input[band].isFinite {
                frame.put(column, y + 1 + row(input[band]), scalar: "·", count: columnWidth, .curveInput)
            }
            if let target { frame.put(column, y + 1 + row(target[band]), scalar: "─", count: columnWidth, .curveTarget, bold: true) }
        }
        frame.put(x, y + 1, FixedText.format(top, digits: 0, width: 3), .dim)
        frame.put(x, y + graphRows, FixedText.format(bottom, digits: 0, width: 3), .dim)
        let labels = [(0, "20"), (10, "200"), (20, "2k"), (30, "20k")]
        for (band, label) in labels where band < bands {
            frame.put(x + 4 + band * columnWidth, y + rows - 1, label, .dim)
        }
    }

    /// The emotion's target curve, dB per band: the mix's mean level shaped by the emotion's
    /// shelves and tilt (`MasterModel.targetTone`), on the slope of a typical balanced master
    /// (about −0.3 dB per band above 250 Hz in mean-square band levels).
    public static func targetCurve(_ emotion: Emotion, intensity: Double, mean: Double, bands: Int) -> [Double] {
        let tone = MasterModel.targetTone(for: emotion, intensity: intensity)
        let centres = ThirdOctaveBands.exactCentresHz
        return (0..<bands).map { band in
            let f = centres[band]
            let low = tone.lowDB / (1 + pow(f / tone.lowHz, 2))
            let high = tone.highDB / (1 + pow(tone.highHz / f, 2))
            let tilt = tone.tiltDB * log2(f / 1000) / log2(20)
            let slope = f > 250 ? -0.3 * (10 * log10(f / 250) * 1.0) : 0
            return mean + 6 + low + high + tilt + slope
        }
    }

    static func format(_ value: Double, _ spec: ParameterSpec, signed: Bool = false) -> String {
        if let name = spec.choiceName(value) { return name }
        let digits = spec.step < 0.1 ? 2 : (spec.step < 1 ? 1 : 0)
        // No "-0.0": what rounds to zero is zero.
        let value = abs(value) < 0.5 * pow(10, -Double(digits)) ? 0 : value
        return FixedText.format(value, digits: digits, plus: signed)
    }

    static func parameters(_ frame: inout Frame, _ state: ConsoleState, x: Int, y: Int, width: Int, rows: Int) {
        frame.put(x, y, "PARAMETERS        value   AI     style", .accent, bold: true)
        let visible = rows - 1
        let first = min(max(0, state.selected - visible / 2), max(0, state.parameters.count - visible))
        for (offset, row) in state.parameters.dropFirst(first).prefix(visible).enumerated() {
            let index = first + offset
            let spec = row.parameter.spec
            let unit = spec.unit == .choice || spec.unit == .fraction ? "" : spec.unit.rawValue
            let changed = abs(row.value - row.suggestion) > 1e-9
            let role: Role = index == state.selected ? .selected : (changed ? .accent : .text)
            let line = y + 1 + offset
            // Columns: marker, label (16), value (7, right), AI (6, right), style (5, right), unit.
            // Each piece is put where it belongs: no padded strings built per row and frame.
            let limit = x + width
            func put(_ column: Int, _ text: String, rightAlignedIn fieldWidth: Int? = nil) {
                let count = text.utf8.count == text.unicodeScalars.count ? text.utf8.count : text.unicodeScalars.count
                let start = x + column + (fieldWidth.map { max(0, $0 - count) } ?? 0)
                guard start < limit else { return }
                frame.put(start, line, text, role, limit: limit - start)
            }
            // The row's own colour under it all (the selected row across the whole panel).
            frame.put(x, line, scalar: " ", count: index == state.selected ? width : min(width, 38 + unit.count), role)
            if index == state.selected { put(0, "›") }
            put(1, String(spec.label.prefix(16)))
            put(17, format(row.value, spec), rightAlignedIn: 7)
            put(25, format(row.suggestion, spec), rightAlignedIn: 6)
            // A choice's style is the choice it votes for, once the vote is strong enough to
            // switch (half a step): "tube", not "+0.5".
            let votes = spec.unit == .choice && abs(row.styleOffset) >= 0.5
            let style = votes ? format(row.styleOffset > 0 ? spec.range.upperBound : spec.range.lowerBound, spec)
                : spec.unit != .choice && abs(row.styleOffset) > 1e-9 ? format(row.styleOffset, spec, signed: true) : "·"
            put(32, style, rightAlignedIn: 5)
            put(38, unit)
        }
    }

    static func moves(_ frame: inout Frame, _ state: ConsoleState, x: Int, y: Int, width: Int, rows: Int) {
        frame.put(x, y, "AI MOVES (newest first)", .accent, bold: true)
        for (index, move) in state.meters.movesHeard.prefix(rows - 1).enumerated() {
            let isStyle = move.reason.utf8.contains(word: "your style".utf8)
            let isUser = move.reason.utf8.starts(with: "you:".utf8)
            let role: Role = isStyle ? .styleUp : (isUser ? .accent : .text)
            let stamp = time(move.time)
            let stampWidth = stamp.utf8.count   // digits, ':' and '.': one byte a column
            frame.put(x, y + 1 + index, stamp, role, limit: width)
            if stampWidth < width { frame.put(x + stampWidth, y + 1 + index, scalar: " ", role) }
            frame.put(x + stampWidth + 1, y + 1 + index, withoutSectionLabel(move.reason), role, limit: max(0, width - stampWidth - 1))
        }
    }

    /// A plan move's reason without its "section 2 powerful (0.9): " label: the header names the
    /// section and the stamp says when, and at 80 columns the label took the room of the why.
    /// Other moves (style, the user's, the loop's) keep their words. A slice, not a copy.
    static func withoutSectionLabel(_ reason: String) -> Substring {
        let bytes = reason.utf8
        let labelled = bytes.starts(with: "section ".utf8)
            || Emotion.allCases.contains { bytes.starts(with: $0.rawValue.utf8) && bytes.dropFirst($0.rawValue.utf8.count).starts(with: " (".utf8) }
        guard labelled, let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return reason[...] }
        let after = bytes.index(after: colon)
        return reason[(after < bytes.endIndex && bytes[after] == UInt8(ascii: " ") ? bytes.index(after: after) : after)...]
    }

    /// The keys that fit, most used first; help and quit always.
    static func keyBar(_ frame: inout Frame, _ state: ConsoleState) {
        frame.fill(row: frame.height - 1, .keybar)
        let keys = ["space play", "←→ seek", "↑↓ param", "+- tweak", "1-5 emotion", "b A/B", "L learn", "m style",
                    "r ref", "e auto", "w export", "t theme", "l loop"]
        let always = "  ? help  q quit "
        let theme = "  theme: \(state.themeName) "
        var text = ""
        for key in keys where text.count + key.count + 2 + always.count <= frame.width { text += " " + key + " " }
        text += always
        if text.count + theme.count <= frame.width { text += String(repeating: " ", count: frame.width - text.count - theme.count) + theme }
        frame.put(0, frame.height - 1, text, .keybar)
    }

    static func help(_ frame: inout Frame, _ state: ConsoleState) {
        let keyWidth = 9
        let columns = frame.width >= 160 ? 2 : 1
        let perColumn = (keyHelp.count + columns - 1) / columns
        // A blank row above the title where there is room; at 24 rows the list needs it.
        let title = frame.height - 3 - perColumn > 4 ? 4 : 3
        frame.put(2, title, "KEYS", .accent, bold: true)
        for (index, entry) in keyHelp.enumerated() {
            let column = index / perColumn, row = index % perColumn
            let x = 2 + column * (frame.width / 2)
            frame.put(x, title + 1 + row, entry.0.rightPadded(keyWidth), .accent, bold: true)
            frame.put(x + keyWidth, title + 1 + row, entry.1, .text, limit: frame.width / columns - keyWidth - 3)
        }
        frame.put(2, frame.height - 3, "any key closes this help", .dim)
    }

    /// The reference panel: what can be matched, the one in force, and how to A/B it.
    static func reference(_ frame: inout Frame, _ state: ConsoleState) {
        frame.put(2, 4, "REFERENCE  match a master you love: its tone, loudness, width and dynamics", .accent, bold: true, limit: frame.width - 4)
        let rows = max(1, frame.height - 12)
        let first = min(max(0, state.referenceSelected - rows / 2), max(0, state.referenceChoices.count - rows))
        for (offset, label) in state.referenceChoices.dropFirst(first).prefix(rows).enumerated() {
            let index = first + offset
            let inForce = index == 0 ? state.referenceName == nil : label == state.referenceName
            // A name too long for the row keeps its start and its extension, "…" between.
            let room = frame.width - 4
            let line = (index == state.referenceSelected ? "› " : "  ") + (inForce ? "● " : "  ") + shortened(label, to: room - 4)
            frame.put(2, 6 + offset, line, index == state.referenceSelected ? .selected : .text, limit: room)
            if index == state.referenceSelected {
                let used = Frame.columns(line)
                frame.paint(2 + used, 6 + offset, count: room - used, .selected)
            }
        }
        // Where the list scrolls, how much is out of sight on either side.
        let below = state.referenceChoices.count - first - rows
        if first > 0 { frame.put(6, 5, "↑ \(first) more", .dim, limit: frame.width - 8) }
        if below > 0 { frame.put(6, 6 + rows, "↓ \(below) more", .dim, limit: frame.width - 8) }
        if state.referenceChoices.count <= 1 {
            frame.put(2, 7, "No saved targets or audio files found: pass --reference FILE,", .dim, limit: frame.width - 4)
            frame.put(2, 8, "or save one with 'loopmind style reference add NAME FILE…'.", .dim, limit: frame.width - 4)
        }
        frame.put(2, frame.height - 4, "↑↓ choose · enter match it · a A/B, level-matched · any other key returns",
                  .dim, limit: frame.width - 4)
    }

    /// The trainer's heatmap (parameters × emotions: tweaks and direction) and its sentences.
    ///
    /// The sentences keep up to three lines under the table; what does not fit is counted on a
    /// last line that names the command showing it all, never cut off without a word.
    static func myStyle(_ frame: inout Frame, _ state: ConsoleState) {
        let profile = state.styleProfile
        frame.put(2, 4, "MY STYLE  \(profile.sessions) learning session\(profile.sessions == 1 ? "" : "s")", .accent, bold: true)
        let touched = ChainParameter.allCases.filter { parameter in
            Emotion.allCases.contains { profile.emotions[$0]?[parameter] != nil }
        }
        let sentences = StyleTrends(profile).sentences()
        let footer = frame.height - 3
        /// As many of `items` as fit in `slots` lines, the last slot saying how many more there are
        /// (with no slot at all, a screen too small to say anything, nothing).
        func fitted<T>(_ items: [T], _ slots: Int) -> (shown: ArraySlice<T>, more: Int) {
            if items.count <= slots { return (items[...], 0) }
            return slots < 1 ? (items.prefix(0), 0) : (items.prefix(slots - 1), items.count - (slots - 1))
        }
        var y = 6
        if touched.isEmpty {
            frame.put(2, y, "Nothing learned yet: press L, tweak while you listen, press L again.", .text)
            y += 2
        } else {
            let cell = 10
            frame.put(2, y, "parameter".rightPadded(20)
                      + Emotion.allCases.map { $0.rawValue.rightPadded(cell) }.joined(), .dim)
            let most = max(1, touched.flatMap { p in Emotion.allCases.compactMap { profile.emotions[$0]?[p]?.tweaks } }.max() ?? 1)
            let trendLines = min(sentences.count, 3)
            let rows = fitted(touched, footer - (trendLines > 0 ? trendLines + 1 : 0) - (y + 1))
            for parameter in rows.shown {
                y += 1
                frame.put(2, y, parameter.spec.name, .text, limit: 19)
                for (column, emotion) in Emotion.allCases.enumerated() {
                    let x = 22 + column * cell
                    guard let learned = profile.emotions[emotion]?[parameter] else { frame.put(x, y, "·", .dim); continue }
                    let arrow = learned.offset > 0 ? "↑" : (learned.offset < 0 ? "↓" : "=")
                    let strong = Double(learned.tweaks) / Double(most) > 0.5
                    frame.put(x, y, "\(arrow) \(learned.tweaks)", learned.offset >= 0 ? .styleUp : .styleDown, bold: strong)
                }
            }
            if rows.more > 0 {
                y += 1
                frame.put(2, y, "… \(rows.more) more parameter\(rows.more == 1 ? "" : "s"): 'loopmind style heatmap' shows them all",
                          .dim, limit: frame.width - 4)
            }
            y += 2
        }
        let trends = fitted(sentences, footer - y)
        for sentence in trends.shown {
            frame.put(2, y, "• " + sentence, .text, limit: frame.width - 4)
            y += 1
        }
        if trends.more > 0 {
            frame.put(2, y, "… \(trends.more) more trend\(trends.more == 1 ? "" : "s"): 'loopmind style show' tells them all", .dim, limit: frame.width - 4)
        }
        frame.put(2, footer, "↑ n / ↓ n: n tweaks above / below the AI's suggestion · m or any key returns", .dim)
    }
}

extension String.UTF8View {
    /// Whether `word` occurs anywhere (bytes, no locale: Foundation's `contains` was a tenth of a redraw).
    func contains(word: String.UTF8View) -> Bool {
        guard let first = word.first else { return true }
        var start = startIndex
        while let found = self[start...].firstIndex(of: first) {
            if self[found...].starts(with: word) { return true }
            start = index(after: found)
        }
        return false
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
    /// Padded with spaces (or cut) to exactly `width` characters.
    func rightPadded(_ width: Int) -> String { count >= width ? String(prefix(width)) : self + String(repeating: " ", count: width - count) }
}
