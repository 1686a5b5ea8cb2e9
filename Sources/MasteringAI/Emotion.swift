/// The five emotions a section can have, with the seed's behaviour table as data.
public enum Emotion: String, CaseIterable, Sendable, Codable {
    case powerful, calm, dreamy, dark, bright

    /// Loudness the emotion aims at, LUFS, at intensity 0.5 (SPEC.md's table).
    public var targetLUFS: Double {
        switch self {
        case .powerful: -8
        case .calm: -14
        case .dreamy: -12
        case .dark: -10
        case .bright: -9
        }
    }

    /// SPEC.md's tone column, as move reasons say it ("powerful wants boosted lows and highs").
    var toneWords: String {
        switch self {
        case .powerful: "boosted lows and highs"
        case .calm: "a soft curve"
        case .dreamy: "rolled-off highs"
        case .dark: "boosted lows and a narrow EQ"
        case .bright: "open highs"
        }
    }

    /// SPEC.md's dynamics column.
    var dynamicsWords: String {
        switch self {
        case .powerful: "strong compression"
        case .calm: "gentle compression"
        case .dreamy: "slow-attack compression"
        case .dark: "tight transient control"
        case .bright: "a fast attack"
        }
    }

    /// SPEC.md's stereo column.
    var stereoWords: String {
        switch self {
        case .powerful: "a moderately wide image"
        case .calm: "a wide image"
        case .dreamy: "a wide, diffused image"
        case .dark: "a narrow image"
        case .bright: "a full-width image"
        }
    }
}

/// Streaming and broadcast loudness targets (SPEC.md).
public enum Platform: String, CaseIterable, Sendable {
    case spotify, youtube, apple, amazon, tidal, deezer, soundcloud, podcast, broadcast, club

    public var targetLUFS: Double {
        switch self {
        case .spotify, .youtube, .amazon, .tidal, .soundcloud: -14
        case .apple, .podcast: -16
        case .deezer: -15
        case .broadcast: -23
        case .club: -9
        }
    }

    public var ceilingDBTP: Double { self == .amazon ? -2 : -1 }
}
