import Foundation
import MasteringAI

/// The AI moves timeline as CSV (RFC 4180): `time_s,parameter,from,to,reason`, one move a line;
/// a choice's values by name (exciter.mode `tape`, `tube`), as in the JSON.
struct MovesCSV {
    let moves: [AIMove]
    init(_ moves: [AIMove]) { self.moves = moves }

    var text: String {
        var lines = ["time_s,parameter,from,to,reason"]
        for move in moves {
            lines.append([String(format: "%.3f", move.time), Self.field(move.parameter),
                          move.choiceName(move.from) ?? String(format: "%.3f", move.from),
                          move.choiceName(move.to) ?? String(format: "%.3f", move.to),
                          Self.field(move.reason)].joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Quotes a field when it holds a comma, quote or line break; quotes inside are doubled.
    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
