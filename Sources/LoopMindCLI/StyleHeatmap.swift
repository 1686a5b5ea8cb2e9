import Foundation
import MasteringAI
import MasteringDSP

/// The parameters × emotions table of `style heatmap`: tweaks per cell with the way they went.
struct StyleHeatmap {
    let profile: StyleProfile
    init(_ profile: StyleProfile) { self.profile = profile }

    func render(colour: Bool) -> String {
        let touched = ChainParameter.allCases.filter { parameter in
            Emotion.allCases.contains { profile.emotions[$0]?[parameter] != nil }
        }
        guard !touched.isEmpty else { return "Nothing learned yet.\n" }
        let nameWidth = max(touched.map(\.spec.name.count).max()!, 9)
        let cellWidth = 10
        var lines = ["parameter".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                     + Emotion.allCases.map { $0.rawValue.padding(toLength: cellWidth, withPad: " ", startingAt: 0) }.joined()]
        let most = max(1, touched.flatMap { p in Emotion.allCases.compactMap { profile.emotions[$0]?[p]?.tweaks } }.max() ?? 1)
        for parameter in touched {
            var line = parameter.spec.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
            for emotion in Emotion.allCases {
                guard let learned = profile.emotions[emotion]?[parameter] else {
                    line += "·".padding(toLength: cellWidth, withPad: " ", startingAt: 0)
                    continue
                }
                let arrow = learned.offset > 0 ? "↑" : (learned.offset < 0 ? "↓" : "=")
                let text = "\(arrow) \(learned.tweaks)".padding(toLength: cellWidth, withPad: " ", startingAt: 0)
                if colour {
                    // Red for up, blue for down; brighter with more tweaks (256-colour ramps).
                    let level = min(4, Int((Double(learned.tweaks) / Double(most) * 4).rounded(.up)))
                    let code = learned.offset > 0 ? [224, 217, 210, 203, 196][level] : [189, 153, 117, 75, 33][level]
                    line += "\u{1B}[38;5;\(code)m\(text)\u{1B}[0m"
                } else {
                    line += text
                }
            }
            lines.append(line)
        }
        lines.append("↑ n / ↓ n: n tweaks, the learned offset above / below the AI's suggestion")
        return lines.joined(separator: "\n") + "\n"
    }
}
