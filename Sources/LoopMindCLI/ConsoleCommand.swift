import ArgumentParser
import Console
import Foundation
import MasteringAI
import Playback
import StyleStore

/// `loopmind console [FILE]`: the interactive console.
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The interactive mastering console (no FILE: the built-in demo song).",
        discussion: """
        Plays the file through the chain with live meters (loudness on the EBU +9 scale, true peak, gain \
        reduction, crest factor), the tone curve against the emotion's target, the emotion timeline, the \
        AI's moves and every parameter with its AI suggestion and learned style offset. Press ? for the \
        keys. Learning mode (L, or --learn) records your tweaks and saves them to the style profile when \
        it ends (L again, or q). Without a sound server it runs on a clock and says "no audio". Themes: \
        themes/*.theme and $XDG_CONFIG_HOME/loopmind/themes/; NO_COLOR turns colour off.
        """
    )

    @Argument(help: "The mix to play (default: the demo song).")
    var input: String?

    @Option(help: "Colour theme (t cycles through them).")
    var theme: String = "midnight"

    @Flag(help: "Start in learning mode.")
    var learn = false

    @OptionGroup var audio: OutputOptions

    @OptionGroup var chain: ChainOptions


    /// The shipped themes: next to the executable's checkout, or installed.
    static func shippedThemesFolder() -> String? {
        if let override = ProcessInfo.processInfo.environment["LOOPMIND_THEMES"] { return override }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = folder.appendingPathComponent("themes")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("midnight.theme").path) { return candidate.path }
            folder = folder.deletingLastPathComponent()
        }
        let installed = "/usr/share/loopmind/themes"
        return FileManager.default.fileExists(atPath: installed) ? installed : nil
    }

    func run() throws {
        // The console draws on a terminal and reads its keys from one: in a pipe or a cron job
        // it would write escape codes into a file and wait for keys that never come.
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw CommandFailure("the console needs a terminal (its input or output is not one); 'loopmind play' plays without one")
        }
        let environment = ProcessInfo.processInfo.environment
        if let why = CursesTerminal.whyUnusable(term: environment["TERM"]) {
            throw CommandFailure(why + "; 'loopmind play' plays without a screen")
        }
        let available = Theme.available(shippedFolder: Self.shippedThemesFolder(), environment: environment)
        guard theme == "midnight" || available[theme] != nil else {
            throw CommandFailure("unknown theme '\(theme)'; available: \((Set(available.keys).union(["midnight"])).sorted().joined(separator: ", "))")
        }
        func loadTheme(_ name: String) -> Theme {
            available[name].map { Theme.load(path: $0, name: name) } ?? Theme.builtIn(named: name)
        }
        let progress = ProgressLine(label: "preparing the console")
        let live: LiveInput
        let plan: LivePlan
        var store: StyleStore?
        var profile = StyleProfile()
        let engine: PlaybackEngine
        var silent = audio.noAudio
        var startMessage: String?
        do {
            live = try LiveInput(input)
            // Learning mode makes a --profile file that is not there yet.
            plan = try LivePlan(input: live, options: chain, settle: false, profileMayBeNew: true, progress: progress.update)
            if !chain.noStyle {
                store = try StyleStore(profile: chain.profile) { warning in
                    StandardError.say("warning: \(warning)")
                }
                profile = try store!.load(givenFileMayBeNew: true)
            }
            func makeEngine(_ output: PlaybackEngine.Output) throws -> PlaybackEngine {
                let engine = try PlaybackEngine(path: live.path, automation: plan.automation, moves: plan.plan.moves, output: output,
                                                heldFrames: plan.heldFrames)
                try engine.start()
                return engine
            }
            if audio.noAudio {
                engine = try makeEngine(.clock)
            } else {
                do {
                    engine = try makeEngine(audio.output)
                } catch let error as PlaybackError where error.description.hasPrefix("no sound server") {
                    // The console still runs: meters on a clock, "no audio" in the header.
                    engine = try makeEngine(.clock)
                    silent = true
                    startMessage = error.description
                }
            }
        } catch {
            progress.clear()
            throw chain.failure(error)
        }
        progress.clear()
        let referenceName = chain.referenceTarget
            ?? (chain.references.isEmpty ? nil : chain.references.map { ($0 as NSString).lastPathComponent }.joined(separator: " + "))
        let session = LiveConsoleSession(plan: plan, input: live, store: store, profile: profile,
                                         referenceFiles: chain.references, referenceName: referenceName)
        session.engine = engine
        session.settleInBackground()
        session.loadStartingReferenceClip()
        engine.play()

        StopSignals.install()

        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        let terminal = CursesTerminal(noColor: noColor)
        // Lines libraries write to stderr would land on the screen: held until it is gone (from
        // after initscr, which may still print its own line and exit).
        let heldErrors = HeldStandardError()
        defer {
            terminal.restore()
            heldErrors.release()
        }
        let startingTheme = loadTheme(theme)
        terminal.apply(startingTheme)
        let themeNames = (Set(available.keys).union(["midnight"])).sorted()
        let controller = ConsoleController(engine: engine, session: session, fileName: live.name, noAudio: silent,
                                           themes: themeNames, theme: theme, learning: learn)
        controller.onThemeChange = { name in
            let theme = loadTheme(name)
            terminal.apply(theme)
            return theme.problemSummary
        }
        // A cut file's warning would be wiped by the screen on stderr: it is the first message instead.
        let cutShort = plan.plan.inputEndedShort.map { ending in
            String(format: "'%@' holds %.1f s of the %.1f s its header announces: it may have been cut short",
                   live.name, ending.heldSeconds, ending.announcedSeconds)
        }
        if let message = startMessage ?? cutShort ?? startingTheme.problemSummary { controller.announce(message) }
        var last: Frame?
        var quit = false
        while !quit && !StopSignals.isRequested {
            var redraw = false
            if let key = terminal.readKey() {
                switch controller.handle(key) {
                case .quit: quit = true
                case .redraw: redraw = true
                case .none: break
                }
            }
            if controller.refresh() { redraw = true }
            if redraw || last == nil {
                let size = terminal.size
                let frame = ScreenView.draw(controller.state, width: size.width, height: size.height)
                if frame != last {
                    terminal.show(frame)
                    last = frame
                }
            }
        }
        // Every way out ends the learning session (saved, and said on screen) and restores the terminal.
        let farewell = controller.finish()
        if farewell != nil {
            let size = terminal.size
            terminal.show(ScreenView.draw(controller.state, width: size.width, height: size.height))
            usleep(700_000)
        }
        terminal.restore()
        heldErrors.release()
        engine.stop()
        // A learning session that could not be saved is a failure: its line goes to stderr (once,
        // after any export), and the exit is 1.
        let failure = controller.saveFailure
        if let farewell, farewell != failure { StandardOutput.show("loopmind: \(farewell)") }
        // An export still running is finished (the user asked for that file) unless a signal
        // ended the console: then, or at Ctrl-C while waiting, it stops and leaves nothing.
        let signalled = StopSignals.isRequested
        StopSignals.clear()
        let exported = session.waitForExport(announce: { StandardError.say($0) },
                                             cancel: { signalled || StopSignals.isRequested })
        if let exported { StandardOutput.show("loopmind: \(exported)") }
        if let failure { throw CommandFailure(failure) }
    }
}
