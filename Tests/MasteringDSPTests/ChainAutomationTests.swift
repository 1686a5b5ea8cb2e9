import MasteringDSP
import Testing

/// Section settings crossfaded at boundaries: linear, centred, shortened for short sections,
/// and the exciter's mode switched only while its mix is at zero.
@Suite struct ChainAutomationTests {
    static func settings(lowShelf: Double, mode: Double = 0, mix: Double = 0.4) -> ChainSettings {
        var settings = ChainSettings()
        settings[.lowShelfGain] = lowShelf
        settings[.exciterMode] = mode
        settings[.exciterMix] = mix
        return settings
    }

    @Test func holdsEachSectionAndCrossfadesLinearlyAroundTheBoundary() {
        let automation = ChainAutomation(sections: [
            .init(startFrame: 0, settings: Self.settings(lowShelf: 0), gainDB: -2),
            .init(startFrame: 10_000, settings: Self.settings(lowShelf: 4), gainDB: 2),
        ], transitionFrames: 2000)
        #expect(automation.value(at: 0).settings[.lowShelfGain] == 0)
        #expect(automation.value(at: 8999).settings[.lowShelfGain] == 0)
        #expect(automation.value(at: 9000).settings[.lowShelfGain] == 0)          // the fade starts T/2 early
        #expect(abs(automation.value(at: 9500).settings[.lowShelfGain] - 1) < 1e-9)
        #expect(abs(automation.value(at: 10_000).settings[.lowShelfGain] - 2) < 1e-9) // half way at the boundary
        #expect(abs(automation.value(at: 10_000).gainDB - 0) < 1e-9)
        #expect(automation.value(at: 11_000).settings[.lowShelfGain] == 4)
        #expect(automation.value(at: 50_000).gainDB == 2)
        #expect(automation.isTransition(at: 9999) && !automation.isTransition(at: 8999) && !automation.isTransition(at: 11_000))
    }

    @Test func shortSectionsShortenTheirFades() {
        // A 1000-frame middle section: each of its fades may take at most half of it.
        let automation = ChainAutomation(sections: [
            .init(startFrame: 0, settings: Self.settings(lowShelf: 0), gainDB: 0),
            .init(startFrame: 10_000, settings: Self.settings(lowShelf: 2), gainDB: 0),
            .init(startFrame: 11_000, settings: Self.settings(lowShelf: 6), gainDB: 0),
        ], transitionFrames: 4000)
        #expect(automation.value(at: 9499).settings[.lowShelfGain] == 0)
        #expect(abs(automation.value(at: 10_000).settings[.lowShelfGain] - 1) < 1e-9)
        #expect(automation.value(at: 10_500).settings[.lowShelfGain] == 2)        // both fades meet here
        #expect(abs(automation.value(at: 11_000).settings[.lowShelfGain] - 4) < 1e-9)
        #expect(automation.value(at: 11_500).settings[.lowShelfGain] == 6)
    }

    @Test func theExciterModeSwitchesWhileItsMixIsSilent() {
        let automation = ChainAutomation(sections: [
            .init(startFrame: 0, settings: Self.settings(lowShelf: 0, mode: 0, mix: 0.4), gainDB: 0),
            .init(startFrame: 10_000, settings: Self.settings(lowShelf: 0, mode: 1, mix: 0.2), gainDB: 0),
        ], transitionFrames: 2000)
        let early = automation.value(at: 9500).settings, middle = automation.value(at: 10_000).settings
        let late = automation.value(at: 10_500).settings
        #expect(early[.exciterMode] == 0 && abs(early[.exciterMix] - 0.2) < 1e-9)
        #expect(middle[.exciterMix] == 0 && middle[.exciterMode] == 1)
        #expect(late[.exciterMode] == 1 && abs(late[.exciterMix] - 0.1) < 1e-9)
    }

    @Test func findsTheSectionOfAnyFrame() {
        let automation = ChainAutomation(sections: (0..<50).map {
            .init(startFrame: $0 * 1000, settings: ChainSettings(), gainDB: Double($0))
        }, transitionFrames: 0)
        for frame in stride(from: 0, to: 60_000, by: 333) {
            #expect(automation.sectionIndex(at: frame) == min(frame / 1000, 49))
        }
    }
}
