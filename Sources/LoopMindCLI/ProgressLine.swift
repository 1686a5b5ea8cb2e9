import Foundation

/// A one-line progress indicator on stderr, shown only when stderr is a terminal
/// (never in pipes, logs or CI), redrawn at most ten times a second.
final class ProgressLine {
    private let label: String
    private let enabled: Bool
    private var lastDraw = 0.0
    private var shown = false

    /// `label` may name a file: a control character in it is shown as "?", as in every message.
    init(label: String) {
        self.label = Main.oneLine(label)
        enabled = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
    }

    func update(_ fraction: Double) {
        guard enabled else { return }
        let now = Date().timeIntervalSinceReferenceDate
        guard now - lastDraw >= 0.1 || fraction >= 1 else { return }
        lastDraw = now
        let width = 30
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        StandardError.write("\r\(label) \(bar) \(Int(fraction * 100))%\u{1B}[K")
        shown = true
    }

    func clear() {
        guard shown else { return }
        StandardError.write("\r\u{1B}[K")
        shown = false
    }
}
