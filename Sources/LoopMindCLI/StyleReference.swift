import ArgumentParser
import Foundation
import MasteringAI
import Rendering
import StyleStore

extension Style {
    /// `loopmind style reference <add|list|remove>`: reference targets kept in the profile.
    struct Reference: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save, list and remove reference targets (for --reference-target).",
            discussion: """
            A reference target is what LoopMind learns from masters you love: their long-term tone \
            (mid and side per 1/3-octave band, relative to their loudness), loudness, dynamics and width. \
            It is kept in the style profile, so 'master --reference-target NAME' works without the files.
            """,
            subcommands: [Add.self, List.self, Remove.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Learn a target from one or more reference files and save it as NAME.")
            @OptionGroup var options: ProfileOption
            @Argument(help: "The target's name (letters, digits, - and _).") var name: String
            @Argument(help: "The reference files (averaged when several).") var files: [String] = []

            func validate() throws {
                guard StyleProfile.isReferenceName(name) else {
                    throw ValidationError("'\(name)' is not a reference name (1–64 letters, digits, - and _)")
                }
                guard !files.isEmpty else { throw ValidationError("give at least one reference file") }
            }

            func run() throws {
                let store = try options.store()
                // Learned before the profile is touched: a bad file changes nothing.
                let target = try wrap { try ReferenceLearner.learn(paths: files) { StandardError.warnIfCutShort($1, name: $0) } }
                var replaced = false
                try wrap {
                    try store.update { profile in
                        replaced = profile.references[name] != nil
                        profile.references[name] = target
                    }
                }
                StandardOutput.show(String(format: "%@ reference target '%@' from %d file%@: %.1f LUFS, crest %.1f dB, LRA %.1f LU; in %@",
                             replaced ? "replaced" : "saved", name, files.count, files.count == 1 ? "" : "s",
                             target.integratedLUFS, target.crestDB, target.loudnessRangeLU, store.path))
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The saved reference targets.")
            @OptionGroup var options: ProfileOption
            @Flag(help: "Print them as JSON (name → target).") var json = false

            func run() throws {
                let store = try options.store()
                let references = try wrap { try store.load() }.references
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(references), as: UTF8.self))
                    return
                }
                if references.isEmpty { StandardOutput.show("No reference targets saved; add one with 'loopmind style reference add NAME FILE…'.") }
                for (name, target) in references.sorted(by: { $0.key < $1.key }) {
                    StandardOutput.show(String(format: "%@  %.1f LUFS  crest %.1f dB  LRA %.1f LU  from %@", name as NSString,
                                 target.integratedLUFS, target.crestDB, target.loudnessRangeLU,
                                 target.sources.map(\.name).joined(separator: ", ") as NSString))
                }
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a saved reference target.")
            @OptionGroup var options: ProfileOption
            @Argument(help: "The target's name.") var name: String

            /// A name that is not there changes nothing: the profile was written anyway (made, when
            /// there was none, by a command that failed).
            func run() throws {
                let store = try options.store()
                let saved = try wrap { try store.load() }.references
                guard saved[name] != nil else { throw Reference.notSaved(name, among: saved.keys) }
                try wrap {
                    try store.update { profile in
                        guard profile.references.removeValue(forKey: name) != nil else { throw Reference.notSaved(name, among: profile.references.keys) }
                    }
                }
                StandardOutput.show("removed reference target '\(name)' from \(store.path)")
            }
        }

        /// "no saved reference target 'X'", and what is saved, or how to save one.
        static func notSaved(_ name: String, among saved: some Collection<String>) -> CommandFailure {
            CommandFailure("no saved reference target '\(name)'" +
                           (saved.isEmpty ? "; add one with 'loopmind style reference add NAME FILE…'" : "; saved: \(saved.sorted().joined(separator: ", "))"))
        }
    }
}
