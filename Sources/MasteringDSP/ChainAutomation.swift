/// Section-by-section chain settings and loudness gains, crossfaded at each boundary.
///
/// Each section has its settings and its loudness gain from its start frame on. Around each
/// boundary the values move linearly from the old section's to the new one's over the
/// transition, centred on the boundary (and shortened where a section is shorter than it).
/// The exciter's mode cannot be blended: when it changes, the exciter mix fades out over the
/// first half of the transition, the mode switches in the middle, and the mix fades back in.
/// The loudness gain additionally follows `LoudnessGain`'s slew limit in the chain.
///
/// Pure and allocation-free after `init`: the offline renderer and the live engine evaluate
/// it at fixed frame grids.
public struct ChainAutomation: Sendable {
    public struct Section: Sendable, Equatable {
        public var startFrame: Int
        public var settings: ChainSettings
        public var gainDB: Double
        public init(startFrame: Int, settings: ChainSettings, gainDB: Double) {
            self.startFrame = startFrame; self.settings = settings; self.gainDB = gainDB
        }
    }

    public private(set) var sections: [Section]
    public let transitionFrames: Int
    /// The reference match, the same for the whole track (flat without a reference).
    public var match = MatchCurve()
    /// Half-widths of each boundary's crossfade (index k: between sections k−1 and k).
    private var halfWidths: [Int]

    /// - Parameter sections: in order of start; the first is taken to start at frame 0.
    public init(sections: [Section], transitionFrames: Int) {
        precondition(!sections.isEmpty, "automation needs at least one section")
        self.sections = sections
        self.transitionFrames = max(0, transitionFrames)
        halfWidths = [0]
        for index in sections.indices.dropFirst() {
            let before = sections[index].startFrame - (index == 1 ? 0 : sections[index - 1].startFrame)
            let after = index + 1 < sections.count ? sections[index + 1].startFrame - sections[index].startFrame : Int.max / 4
            halfWidths.append(min(self.transitionFrames / 2, before / 2, after / 2))
        }
    }

    /// Changes one section's loudness gain (the closed loop's correction between passes).
    public mutating func setGain(_ decibels: Double, section: Int) { sections[section].gainDB = decibels }

    /// The index of the section whose span contains `frame`.
    public func sectionIndex(at frame: Int) -> Int {
        var low = 0, high = sections.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if sections[middle].startFrame <= frame { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// The settings and loudness gain in force at `frame`.
    public func value(at frame: Int) -> (settings: ChainSettings, gainDB: Double) {
        if let boundary = fade(at: frame) { return blend(into: boundary, at: frame) }
        let index = sectionIndex(at: frame)
        return (sections[index].settings, sections[index].gainDB)
    }

    /// True while `frame` is inside a crossfade (values change from grid point to grid point).
    public func isTransition(at frame: Int) -> Bool { fade(at: frame) != nil }

    /// The section whose boundary's fade `frame` is in: its own start's, or the next one's.
    private func fade(at frame: Int) -> Int? {
        let index = sectionIndex(at: frame)
        if index > 0, frame < sections[index].startFrame + halfWidths[index] { return index }
        if index + 1 < sections.count, frame >= sections[index + 1].startFrame - halfWidths[index + 1] { return index + 1 }
        return nil
    }

    private func blend(into index: Int, at frame: Int) -> (settings: ChainSettings, gainDB: Double) {
        let half = halfWidths[index]
        let from = sections[index - 1], to = sections[index]
        guard half > 0 else { return (to.settings, to.gainDB) }
        let position = Double(frame - (to.startFrame - half)) / Double(2 * half)
        let x = min(max(position, 0), 1)
        var settings = ChainSettings()
        for parameter in ChainParameter.allCases {
            settings[parameter] = from.settings[parameter] + (to.settings[parameter] - from.settings[parameter]) * x
        }
        let oldMode = from.settings[.exciterMode], newMode = to.settings[.exciterMode]
        if (oldMode >= 0.5) != (newMode >= 0.5) {
            settings[.exciterMode] = x < 0.5 ? oldMode : newMode
            settings[.exciterMix] = x < 0.5 ? from.settings[.exciterMix] * (1 - 2 * x) : to.settings[.exciterMix] * (2 * x - 1)
        } else {
            settings[.exciterMode] = newMode
        }
        return (settings, from.gainDB + (to.gainDB - from.gainDB) * x)
    }
}
