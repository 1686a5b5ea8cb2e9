@testable import Console
import Foundation
import MasteringAI
import MasteringDSP
import Playback
import Testing

/// Frames drawn off-screen from a known state: layout, roles and the My Style heatmap.
struct ScreenTests {
    static func state() -> ConsoleState {
        var state = ConsoleState()
        state.fileName = "mix.wav"
        state.targetLUFS = -9.4
        state.sections = [
            .init(start: 0, end: 16, emotion: .calm, intensity: 0.3),
            .init(start: 16, end: 32, emotion: .powerful, intensity: 0.9, chosen: true),
            .init(start: 32, end: 48, emotion: .dreamy, intensity: 0.6),
        ]
        var meters = MeterSnapshot()
        meters.durationSeconds = 48
        meters.playheadSeconds = 20
        meters.isPlaying = true
        meters.momentaryLUFS = -7.7
        meters.shortTermLUFS = -9.1
        meters.integratedLUFS = -9.6
        meters.loudnessRangeLU = 4.2
        meters.recentTruePeakDBTP = -1.3
        meters.truePeakDBTP = -1.1
        meters.compressorReductionDB = -2.5
        meters.limiterReductionDB = -0.7
        meters.crestHistoryDB = (0..<80).map { 8 + Double($0 % 5) }
        meters.outputToneDB = (0..<31).map { -30 - Double($0) * 0.5 }
        meters.inputToneDB = (0..<31).map { -33 - Double($0) * 0.5 }
        meters.movesHeard = [AIMove(time: 16, parameter: .highShelfGain, from: 0, to: 1.5, reason: "your style: +1.5 dB high shelf in powerful sections"),
                             AIMove(time: 16, parameter: .compRatio, from: 1.5, to: 3, reason: "section 2 powerful (0.9): ratio 3.0:1")]
        state.meters = meters
        state.parameters = ChainParameter.allCases.map {
            .init(parameter: $0, value: $0.spec.defaultValue + ($0 == .highShelfGain ? 2 : 0),
                  suggestion: $0.spec.defaultValue + ($0 == .highShelfGain ? 1.5 : 0), styleOffset: $0 == .highShelfGain ? 0.5 : 0)
        }
        // This section aims where the song does (see aSectionsOwnAimIsMarked for one that does not).
        state.parameters[ChainParameter.loudnessTarget.rawValue].value = -9.4
        state.parameters[ChainParameter.loudnessTarget.rawValue].suggestion = -9.4
        state.selected = ChainParameter.highShelfGain.rawValue
        state.learning = true
        state.tweaksThisSession = 2
        return state
    }

    /// One session: four high-shelf tweaks up in dark sections, one width tweak down in calm.
    static func learnedProfile() -> StyleProfile {
        var profile = StyleProfile()
        profile.learn(session: (0..<4).map { index in
            TweakRecord(session: "s1", parameter: .highShelfGain, old: 0, new: 2, suggested: 0, emotion: .dark, intensity: 0.6, time: Double(index))
        } + [TweakRecord(session: "s1", parameter: .stereoWidth, old: 1, new: 0.8, suggested: 1, emotion: .calm, intensity: 0.4, time: 9)])
        return profile
    }

    @Test(arguments: [(80, 24), (100, 30), (200, 60)])
    func everyPanelIsOnScreen(width: Int, height: Int) {
        let frame = ScreenView.draw(Self.state(), width: width, height: height)
        let text = frame.text
        #expect(frame.lines.count == height && frame.lines.allSatisfy { $0.count == width })
        for needle in ["mix.wav", "0:20.0 / 0:48.0", "▶", "§2/3 powerful 0.9", "● REC 2", "A/B: A",
                       "LOUDNESS", "target -9.4", "-7.7 LUFS", "I  -9.6", "LRA  4.2", "-1.3 dBTP", "GR comp",
                       "CREST", "TONE", "─ powerful", "PARAMETERS", "high shelf", "AI MOVES", "your style: +1.5 dB",
                       "1 calm 0.3", "2 powerful 0.9", "▲", "space play", "? help"] {
            #expect(text.contains(needle), "\(needle) missing at \(width)×\(height)")
        }
        // A plan move shows its why, not the section label the header already gives.
        #expect(text.contains("0:16.0 ratio 3.0:1") && !text.contains("section 2 powerful (0.9)"), "at \(width)×\(height)")
        // The selected parameter shows value, AI suggestion and style offset, highlighted.
        let row = try! #require(frame.lines.firstIndex { $0.contains("›high shelf") })
        #expect(frame.lines[row].contains("2.0") && frame.lines[row].contains("1.5") && frame.lines[row].contains("+0.5"))
        let column = frame.lines[row].distance(from: frame.lines[row].startIndex, to: frame.lines[row].range(of: "›")!.lowerBound)
        #expect(frame[column, row].role == .selected)
    }

    /// A section that aims under (or over) the song's target is metered against its own aim:
    /// the heading gives both ("-13.6 here · -9.4 song") at every width, and the momentary
    /// bar's marker stands at the section's aim. (It stood at the song's, so a calm verse on
    /// its own target read 4 dB short.)
    @Test(arguments: [80, 100, 200])
    func aSectionsOwnAimIsMarked(width: Int) throws {
        var state = Self.state()
        state.parameters[ChainParameter.loudnessTarget.rawValue].value = -13.6
        let marked = ScreenView.draw(state, width: width, height: 30)
        let heading = try #require(marked.lines.first { $0.contains("LOUDNESS") })
        #expect(heading.contains("-13.6 here · -9.4 song"), "\(heading)")
        let meter = try #require(marked.lines.firstIndex { $0.hasPrefix(" M ") })
        // The marker moved left of where the song's target puts it (same scale, 4.2 LU lower).
        let songs = ScreenView.draw(Self.state(), width: width, height: 30)
        let column = { (frame: Frame) in frame.lines[meter].firstIndex(of: "│").map { frame.lines[meter].distance(from: frame.lines[meter].startIndex, to: $0) } }
        let aim = try #require(column(marked)), song = try #require(column(songs))
        let barWidth = width / 2 - 2 - 17, lu = Double(barWidth) / 27   // EBU +9: 27 LU across the bar
        #expect(abs(Double(song - aim) - 4.2 * lu) <= 1, "marker at \(aim), song's at \(song)")
    }

    /// The exciter mode's style column names the choice the user's vote makes, once it is
    /// strong enough to switch the AI's (half a step), and is blank below that: never "+0.3".
    @Test func aChoicesStyleIsTheChoiceItVotesFor() throws {
        for (offset, shown) in [(0.5, "tube"), (0.3, "·"), (-0.8, "tape"), (0.0, "·")] {
            var state = Self.state()
            state.parameters[ChainParameter.exciterMode.rawValue].styleOffset = offset
            let frame = ScreenView.draw(state, width: 200, height: 60)
            let line = try #require(frame.lines.first { $0.contains(" exciter mode ") })
            let fields = line.split(separator: "│").first { $0.contains("exciter mode") }.map { $0.split(separator: " ") } ?? []
            #expect(fields.count >= 5 && fields[4] == shown, "style \(offset): \(line)")
        }
    }

    /// Each half of the main view keeps to its half: the two gutter columns between them stay
    /// blank, so no caption runs into the tone graph or the moves log (at 80 columns the
    /// loudness and crest captions once did: "las-70 ····").
    @Test(arguments: [(80, 24), (81, 24), (90, 30), (120, 40), (200, 60)])
    func noPanelRunsIntoTheNext(width: Int, height: Int) {
        for wideScale in [false, true] {
            var state = Self.state()
            state.wideScale = wideScale
            state.meters.crestHistoryDB = (0..<600).map { 10 + Double($0 % 5) }
            state.meters.movesHeard.append(AIMove(time: 0, parameter: .compThreshold, from: 0, to: -12,
                                                  reason: String(repeating: "a long why ", count: 30)))
            let frame = ScreenView.draw(state, width: width, height: height)
            let left = width / 2
            for row in 3..<(height - 2) {
                for column in [left - 1, left] {
                    #expect(frame[column, row].character == " ", "\(width)×\(height) row \(row): \(frame.lines[row])")
                }
            }
            let text = frame.text
            #expect(text.contains("EBU \(wideScale ? "+18" : "+9")"), "\(width)×\(height)")
            #expect(text.contains("CREST 14.0 dB"), "\(width)×\(height)")
            #expect(text.contains(" -2.5") && text.contains(" -0.7 dB") && (text.contains("TP max -1.1") || text.contains("TP max  -1.1")),
                    "\(width)×\(height)")
            #expect(text.contains("peak/RMS") && text.contains(" s)"), "\(width)×\(height)")
            // The crest graph's scale is labelled, top and bottom, at the left of its rows.
            let heading = try! #require(frame.lines.firstIndex { $0.contains("CREST") })
            let bottom = try! #require(frame.lines.firstIndex { $0.contains("PARAMETERS") }) - 2
            #expect(frame.lines[heading + 1].hasPrefix(" 24 ") && (bottom == heading + 1 || frame.lines[bottom].hasPrefix("  0 ")),
                    "\(width)×\(height): \(frame.lines[heading + 1]) / \(frame.lines[bottom])")
        }
    }

    /// At 80 columns with no audio and learning on, the right of the header ran into "A/B: A"
    /// ("A/B: Ano audio"): the file's name gives way in its middle, then the product's name.
    @Test(arguments: ["song.wav", "a-very-long-name-for-the-final-mix-v3.wav"])
    func theHeaderNeverRunsIntoItsRightSide(fileName: String) {
        var state = Self.state()
        state.fileName = fileName
        state.noAudio = true
        state.tweaksThisSession = 12
        for width in [80, 84, 100, 140] {
            let header = ScreenView.draw(state, width: width, height: 30).lines[0]
            #expect(header.contains("A/B: A") && header.contains(" no audio  ● REC 12 "), "\(width): \(header)")
            #expect(header.contains(fileName) || header.contains("…"), "\(width): \(header)")
            // What gives way takes only the room needed.
            #expect(header.contains(fileName) || header.hasSuffix(" A/B: A  no audio  ● REC 12 "), "\(width): \(header)")
            #expect(header.contains("§2/3 powerful 0.9"), "\(width): \(header)")
        }
        #expect(ScreenView.shortened("abcdefghij.wav", to: 9) == "abcd…".appending(".wav"))
    }

    /// A long name in a message gives way in its middle, not what follows it: at 80 columns
    /// "exported <a DAW's long name>-master.wav: -9.4 LUFS, true peak -1.0 dBTP" lost its
    /// loudness and true peak, and an A/B message lost what it was level-matched to.
    @Test func aLongNameInAMessageKeepsWhatFollowsIt() {
        var state = Self.state()
        state.fileName = "Song title_Mix_v12_final FINAL really final 24bit 48k.wav"
        state.exportStatus = "exported Song title_Mix_v12_final FINAL really final 24bit 48k-master-2.wav: -9.4 LUFS, true peak -1.0 dBTP"
        for width in [80, 100] {
            let frame = ScreenView.draw(state, width: width, height: 24)
            let line = frame.lines[22]
            #expect(line.contains("…") && line.contains("k-master-2.wav: -9.4 LUFS, true peak -1.0 dBTP") && line.hasPrefix(" exported Song"),
                    "\(width): \(line)")
        }
        #expect(ScreenView.draw(state, width: 140, height: 24).lines[22].contains(state.exportStatus!), "room enough: the whole name")
        state.exportStatus = nil
        state.referenceName = "Someone else's hit single (2019 remaster, radio edit).flac"
        state.message = "A/B: the reference \(state.referenceName!), level-matched to the master"
        let line = ScreenView.draw(state, width: 80, height: 24).lines[22]
        #expect(line.contains("…") && line.contains("edit).flac, level-matched to the master"), "\(line)")
        #expect(ScreenView.fitted("short", 3, names: ["a name that is not in it"]) == "short", "the frame's limit cuts the rest")
    }

    /// File names are the user's: double-width characters took two columns on the terminal but
    /// one in the layout ("日本語の曲🎵.wa3.60:00.0 / …", the right side cut), and an escape in
    /// a name reached the terminal (a name with ESC[2J cleared the screen).
    @Test(arguments: [("日本語のミックス_最終版🎵.wav", "日本語のミックス_最終版🎵.wav"),
                      ("evil\u{1B}[2Jname\u{7}.wav", "evil?[2Jname?.wav"), ("cafe\u{301} del mar.wav", "café del mar.wav")])
    func aFileNameIsShownAsATerminalShowsIt(fileName: String, shown: String) {
        var state = Self.state()
        state.fileName = fileName
        state.noAudio = true
        state.tweaksThisSession = 12
        for width in [80, 100, 140] {
            let frame = ScreenView.draw(state, width: width, height: 30)
            let header = frame.lines[0]
            #expect(Frame.columns(header) == width, "\(width): \(header)")
            #expect(!header.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(width): \(header)")
            #expect(header.contains(" A/B: A") && header.hasSuffix("  no audio  ● REC 12 "), "\(width): \(header)")
            #expect(header.contains("§2/3 powerful 0.9"), "\(width): \(header)")
        }
        let wide = ScreenView.draw(state, width: 140, height: 30).lines[0]
        #expect(wide.hasPrefix(" LoopMind  \(shown)  "), "\(wide)")
        #expect(Frame.columns(ScreenView.shortened("日本語のミックス_最終版🎵.wav", to: 12)) <= 12)
    }

    @Test func onlyThePlansSectionLabelIsDropped() {
        #expect(ScreenView.withoutSectionLabel("section 3 dreamy (0.9) polish: tilt -0.5 dB, why") == "tilt -0.5 dB, why")
        #expect(ScreenView.withoutSectionLabel("calm (0.5): input trim +24.0 dB, why") == "input trim +24.0 dB, why")
        for kept in ["your style: +1.5 dB high shelf in powerful sections", "you: high shelf +0.5 dB",
                     "loudness loop settled in 2 passes: every section on its aim", "calmly: not a label", "section"] {
            #expect(ScreenView.withoutSectionLabel(kept) == kept[...])
        }
    }

    @Test func moreRoomShowsMore() {
        let small = ScreenView.draw(Self.state(), width: 80, height: 24)
        let large = ScreenView.draw(Self.state(), width: 200, height: 60)
        let shownSmall = ChainParameter.allCases.filter { p in small.lines.contains { $0.contains(" \(p.spec.label) ") || $0.contains("›\(p.spec.label) ") } }.count
        let shownLarge = ChainParameter.allCases.filter { p in large.lines.contains { $0.contains(" \(p.spec.label) ") || $0.contains("›\(p.spec.label) ") } }.count
        #expect(shownLarge == ChainParameter.allCases.count, "all 18 parameters at 200×60")
        #expect(shownSmall < shownLarge && shownSmall >= 5)
        let barsSmall = small.lines.map { $0.filter { $0 == "█" }.count }.reduce(0, +)
        let barsLarge = large.lines.map { $0.filter { $0 == "█" }.count }.reduce(0, +)
        #expect(barsLarge > 2 * barsSmall, "meters and curve grow with the terminal")
        // Every character the console draws itself takes one column (the layout counts on it).
        #expect(!large.cells.contains { $0.character == Frame.rightHalf } && Frame.columns(large.lines[0]) == 200)
    }

    @Test func colourIsByRole() {
        let frame = ScreenView.draw(Self.state(), width: 100, height: 30)
        // The timeline: calm section cool, powerful hot.
        #expect(frame[3, 1].role == .heat0 || frame[3, 1].role == .heat1)
        let powerfulColumn = 1 + Int(20.0 / 48 * 98)
        #expect(frame[powerfulColumn, 1].role == .heat4)
        // The header, the key bar, REC.
        #expect(frame[0, 0].role == .header)
        #expect(frame[0, 29].role == .keybar)
        let rec = frame.lines[0].distance(from: frame.lines[0].startIndex, to: frame.lines[0].range(of: "● REC")!.lowerBound)
        #expect(frame[rec, 0].role == .record)
        // Loudness above the target turns the bar red at its top.
        let mRow = frame.lines.firstIndex { $0.hasPrefix(" M ") }!
        let cells = (0..<frame.width).map { frame[$0, mRow] }.filter { $0.character == "█" }
        #expect(cells.first?.role == .meterOK && cells.last?.role == .meterOver)
    }

    @Test func tooSmallGetsAMessage() {
        let frame = ScreenView.draw(Self.state(), width: 60, height: 15)
        #expect(frame.text.contains("terminal too small: 60×15"))
        #expect(frame.text.contains("80×24"))
        let tiny = ScreenView.draw(Self.state(), width: 5, height: 2)
        #expect(tiny.lines.count == 2)
    }

    @Test func helpListsEveryKeyOfTheSpec() {
        var state = Self.state()
        state.view = .help
        let text = ScreenView.draw(state, width: 100, height: 30).text
        for key in ["space", "← →", "↑ ↓ k j", "+ -", "[ ]", "{ }", "1-5", "e ", "b a", "L ", "m ", "r ", "t ", "w ", "? q"] {
            #expect(text.contains(key), "help lacks \(key)")
        }
    }

    /// The full-screen views say at 80×24 all that they say on a big screen: every line whole
    /// (at 80×24 the help once lost its last four keys under its own footer).
    @Test(arguments: [ConsoleState.View.help, .reference, .myStyle])
    func aFullScreenViewSaysItAllAt80By24(view: ConsoleState.View) {
        for choices in [["none: the AI's own master"], ["none: the AI's own master", "airy (saved)", "love.flac"]] {
            var state = Self.state()
            state.view = view
            state.referenceChoices = choices
            state.styleProfile = Self.learnedProfile()
            let big = ScreenView.draw(state, width: 150, height: 50).lines
            let small = ScreenView.draw(state, width: 80, height: 24)
            let lines = big[3..<(big.count - 2)].map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            #expect(lines.count > 3)
            for line in lines {
                #expect(small.lines.contains { $0.contains(line) }, "\(view) at 80×24 lacks '\(line)'")
            }
        }
    }

    /// A reference whose name is longer than its row keeps its start and extension, and the
    /// highlight of the chosen row ends at the row's end. Choosing one crashed the console: the
    /// highlight began past the screen's edge (a range whose start passed its end).
    @Test func aLongReferenceNameIsShortenedAndCanBeChosen() {
        let long = "ref001-" + String(repeating: "and-on-", count: 20) + "end.flac"
        let wide = String(repeating: "参考", count: 40) + ".wav"
        for (width, height) in [(100, 30), (80, 24), (200, 40)] {
            for selected in 1...2 {
                var state = Self.state()
                state.view = .reference
                state.referenceChoices = ["none: the AI's own master", long, wide]
                state.referenceSelected = selected
                let frame = ScreenView.draw(state, width: width, height: height)
                let row = frame.lines[6 + selected]
                #expect(row.contains("…") == (width < 200), "\(width)×\(height): '\(row)'")
                #expect(row.trimmingCharacters(in: .whitespaces).hasSuffix(selected == 1 ? "end.flac" : ".wav"), "\(width)×\(height): '\(row)'")
                #expect(Frame.columns(row.trimmingCharacters(in: .whitespaces)) <= width - 4, "\(width)×\(height): '\(row)'")
                #expect((2..<(width - 2)).allSatisfy { frame[$0, 6 + selected].role == .selected }, "\(width)×\(height): the chosen row is highlighted to its end")
                #expect(frame[width - 1, 6 + selected].role != .selected)
            }
        }
    }

    /// A list of references longer than the screen says how many are out of sight above and below.
    @Test func aLongReferenceListCountsWhatIsOutOfSight() {
        var state = Self.state()
        state.view = .reference
        state.referenceChoices = ["none: the AI's own master"] + (1...40).map { "ref\($0).flac" }
        for (selected, above, below) in [(0, 0, 29), (20, 14, 15), (40, 29, 0)] {
            state.referenceSelected = selected
            let lines = ScreenView.draw(state, width: 80, height: 24).lines
            #expect(lines[5].contains("↑ \(above) more") == (above > 0) && (above > 0 || !lines[5].contains("more")), "\(lines[5])")
            #expect(lines[18].contains("↓ \(below) more") == (below > 0) && (below > 0 || !lines[18].contains("more")), "\(lines[18])")
            let shown = lines[6..<18].filter { $0.contains(".flac") || $0.contains("none:") }.count
            #expect(shown == 12 && above + shown + below == 41, "\(above) + \(shown) + \(below)")
        }
    }

    /// A gain reduction too small to show reads 0.0, not -0.0 beside the limiter's 0.0.
    @Test func aReductionUnderTheLastDigitReadsZero() {
        var state = Self.state()
        state.meters.compressorReductionDB = -0.04
        state.meters.limiterReductionDB = 0
        let line = ScreenView.draw(state, width: 100, height: 30).lines.first { $0.contains("GR comp") } ?? ""
        #expect(line.contains("GR comp   0.0  lim   0.0 dB"), "\(line)")
        state.meters.compressorReductionDB = -2.46
        let reducing = ScreenView.draw(state, width: 100, height: 30).lines.first { $0.contains("GR comp") } ?? ""
        #expect(reducing.contains("GR comp  -2.5"), "\(reducing)")
    }

    /// A profile that touched every parameter in every emotion has more rows and trends than 80×24
    /// holds: what is hidden is counted, naming the command that shows it (the page once ended at
    /// its tenth row and third sentence without a word). A big screen shows it all.
    @Test func myStyleSaysWhatItCannotShow() {
        var profile = StyleProfile()
        let parameters: [ChainParameter] = [.lowShelfGain, .highShelfGain, .tilt, .compThreshold, .compRatio, .compAttack,
                                            .compRelease, .compKnee, .exciterDrive, .exciterMix, .exciterMode, .stereoWidth]
        for session in 0..<3 {
            profile.learn(session: Emotion.allCases.flatMap { emotion in
                parameters.map { parameter in
                    let spec = parameter.spec, start = spec.defaultValue
                    let chosen = spec.unit == .choice ? 1 : min(spec.range.upperBound, start + spec.step * 2)
                    return TweakRecord(session: "s\(session)", parameter: parameter, old: start, new: chosen, suggested: start,
                                       emotion: emotion, intensity: 0.5, time: 1)
                }
            })
        }
        let sentences = StyleTrends(profile).sentences()
        #expect(sentences.count > 12, "\(sentences.count)")
        var state = Self.state()
        state.styleProfile = profile
        state.view = .myStyle
        let big = ScreenView.draw(state, width: 150, height: 50).text
        #expect(parameters.allSatisfy { big.contains($0.spec.name) } && !big.contains("more parameter"), "\(big)")
        for (width, height, expectedRows, expectedTrends) in [(80, 24, 9, 2), (100, 30, 12, 6)] {
            let small = ScreenView.draw(state, width: width, height: height).lines
            let rows = parameters.filter { parameter in small.contains { $0.hasPrefix("  \(parameter.spec.name) ") } }.count
            let trends = small.filter { $0.hasPrefix("  • ") }.count
            func hidden(_ tail: String) -> Int {
                guard let line = small.first(where: { $0.contains(tail) }) else { return 0 }
                return Int(line.split(separator: " ").dropFirst(1).first ?? "") ?? -1
            }
            #expect(rows == expectedRows && rows + hidden("more parameters: 'loopmind style heatmap' shows them all") == parameters.count,
                    "\(width)×\(height): \(rows) rows\n\(small.joined(separator: "\n"))")
            #expect(trends == expectedTrends && trends + hidden("more trends: 'loopmind style show' tells them all") == sentences.count,
                    "\(width)×\(height): \(trends) of \(sentences.count) trends\n\(small.joined(separator: "\n"))")
            #expect(small[height - 3].contains("m or any key returns"))
        }
    }

    @Test func myStyleDrawsTheHeatmapAndTrends() {
        var state = Self.state()
        state.styleProfile = Self.learnedProfile()
        state.view = .myStyle
        let frame = ScreenView.draw(state, width: 100, height: 30)
        let text = frame.text
        #expect(text.contains("MY STYLE  1 learning session"))
        let row = frame.lines.firstIndex { $0.contains("eq.high_shelf_db") }!
        #expect(frame.lines[row].contains("↑ 4"))
        let up = frame.lines[row].distance(from: frame.lines[row].startIndex, to: frame.lines[row].range(of: "↑ 4")!.lowerBound)
        #expect(frame[up, row].role == .styleUp)
        let width = frame.lines.firstIndex { $0.contains("stereo.width") }!
        let down = frame.lines[width].distance(from: frame.lines[width].startIndex, to: frame.lines[width].range(of: "↓ 1")!.lowerBound)
        #expect(frame[down, width].role == .styleDown)
        #expect(text.contains("• "), "trend sentences")
    }
}

struct ThemeTests {
    @Test func shippedThemesParseAndCommentEveryKey() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("themes")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".theme") }
        #expect(Set(names) == ["midnight.theme", "daylight.theme", "contrast.theme", "ansi16.theme"])
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            let lines = text.split(separator: "\n").map(String.init)
            for (index, line) in lines.enumerated() where line.contains("=") && !line.hasPrefix("#") {
                #expect(index > 0 && lines[index - 1].hasPrefix("#"), "\(name): '\(line)' has no comment")
            }
            let theme = Theme.parse(text, name: name)
            for role in Role.allCases {
                let key = "\(role.rawValue) ="
                #expect(text.contains(key), "\(name) lacks \(role.rawValue)")
                #expect(theme.colours[role] != nil)
            }
        }
        let midnight = Theme.parse(try String(contentsOf: folder.appendingPathComponent("midnight.theme"), encoding: .utf8), name: "midnight")
        #expect(midnight == Theme.builtIn, "the default file and the built-in default agree")
    }

    @Test func unusableLinesKeepTheDefaultAndAreNamed() {
        let theme = Theme.parse("""
        # a user theme
        text = "#112233"
        sparkle = "#FFFFFF"
        meter_ok = "not a colour"
        selected = "#000000 on #FFFF00"
        just some words
        """, name: "mine")
        #expect(theme.colour(.text).foreground == RGB(0x11, 0x22, 0x33))
        #expect(theme.colour(.selected).background == RGB(255, 255, 0))
        #expect(theme.colour(.meterOK).foreground == Theme.builtIn.colour(.meterOK).foreground)
        #expect(theme.colour(.heat4).foreground == Theme.builtIn.colour(.heat4).foreground)
        #expect(theme.problems == ["line 3: unknown key 'sparkle'",
                                   "line 4: meter_ok = \"not a colour\" is not a colour",
                                   "line 6: not key = \"#RRGGBB\""])
        #expect(theme.problemSummary == "theme 'mine': line 3: unknown key 'sparkle' (and 2 more); default kept")
        #expect(Theme.parse("text = \"#112233\"\n", name: "fine").problemSummary == nil)
    }

    @Test func trueColourFallsBackTo256And16() {
        #expect(RGB(255, 0, 0).xterm256 == 196)
        #expect(RGB(0, 0, 0).xterm256 == 16)
        #expect(RGB(128, 128, 128).xterm256 == 244)
        #expect(RGB(0x5F, 0x87, 0xAF).xterm256 == 67)
        #expect(RGB(255, 0, 0).ansi16 == 9)
        #expect(RGB(0, 0, 238).ansi16 == 4)
        #expect(RGB(229, 229, 229).ansi16 == 7)
        #expect(RGB(hex: "#10141C") == RGB(16, 20, 28))
        #expect(RGB(hex: "#12345") == nil)
    }

    @Test func userThemesComeFromXDGConfigHome() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("loopmind-themes-\(UUID().uuidString)")
        let folder = home.appendingPathComponent("loopmind/themes")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try "text = \"#ABCDEF\"\n".write(to: folder.appendingPathComponent("mine.theme"), atomically: true, encoding: .utf8)
        let found = Theme.available(shippedFolder: nil, environment: ["XDG_CONFIG_HOME": home.path])
        #expect(found["mine"] != nil)
        #expect(Theme.load(path: found["mine"]!, name: "mine").colour(.text).foreground == RGB(0xAB, 0xCD, 0xEF))
        // A theme linked in from elsewhere is read through its link…
        let linked = folder.appendingPathComponent("linked.theme").path
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: found["mine"]!)
        #expect(Theme.load(path: linked, name: "linked").colour(.text).foreground == RGB(0xAB, 0xCD, 0xEF))
        // …and one that is not a small regular file is the default, and says why.
        let zero = folder.appendingPathComponent("zero.theme").path
        try FileManager.default.createSymbolicLink(atPath: zero, withDestinationPath: "/dev/zero")
        let fromDevice = Theme.load(path: zero, name: "zero")
        #expect(fromDevice == Theme.builtIn(named: "zero") && fromDevice.problems == ["cannot read \(zero)"])
        let huge = folder.appendingPathComponent("huge.theme").path
        try Data(repeating: 0x23, count: 70_000).write(to: URL(fileURLWithPath: huge))
        #expect(Theme.load(path: huge, name: "huge").problems == ["\(huge) is larger than 64 KiB, too big for a theme"])
    }

    /// A relative or empty XDG_CONFIG_HOME is ignored, as the XDG spec says, for ~/.config (a
    /// relative one was read from the current folder, so the themes changed with `cd`).
    @Test func aRelativeConfigHomeIsIgnoredForHome() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("loopmind-home-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let mine = home.appendingPathComponent(".config/loopmind/themes")
        let stray = home.appendingPathComponent("rel/loopmind/themes")
        for folder in [mine, stray] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        try "text = \"#ABCDEF\"\n".write(to: mine.appendingPathComponent("mine.theme"), atomically: true, encoding: .utf8)
        try "text = \"#123456\"\n".write(to: stray.appendingPathComponent("stray.theme"), atomically: true, encoding: .utf8)
        // Relative, yet naming the stray folder from any working folder (".." stops at the root).
        let relative = String(repeating: "../", count: 64) + home.appendingPathComponent("rel").path.dropFirst()
        for config in [relative, "", nil] {
            var environment = ["HOME": home.path]
            environment["XDG_CONFIG_HOME"] = config
            let found = Theme.available(shippedFolder: nil, environment: environment)
            #expect(Set(found.keys) == ["mine"], "XDG_CONFIG_HOME=\(config ?? "unset"): \(found)")
        }
    }
}

/// The console's own number formatting against printf, which it replaces on the drawing path.
struct FixedTextTests {
    @Test func agreesWithPrintfOnMeterReadings() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0, 1, -1, 9.95, -14, 0.04, -0.04, 123.456, -70.25, 1e6 + 0.3, 0.25, 0.125, 2.5, 3.5, -0.5, 0.005, 1.005]
        for _ in 0..<2000 { values.append(Double.random(in: -200...200, using: &generator)) }
        for value in values {
            for digits in 0...2 {
                for (width, plus) in [(0, false), (5, false), (7, true)] {
                    let printf = String(format: "%\(plus ? "+" : "")\(width == 0 ? "" : String(width)).\(digits)f", value)
                    #expect(FixedText.format(value, digits: digits, width: width, plus: plus) == printf,
                            "\(value) digits \(digits) width \(width)")
                }
            }
        }
    }

    @Test func playheadTimesRollOverAtTheMinute() {
        #expect(ScreenView.time(0) == "0:00.0")
        #expect(ScreenView.time(146.84) == "2:26.8")
        #expect(ScreenView.time(59.96) == "1:00.0")
        #expect(ScreenView.time(600) == "10:00.0")
        #expect(ScreenView.time(-3) == "0:00.0")
    }
}
