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

    /// What a person would call the emotion's sound, for move reasons.
    var character: String {
        switch self {
        case .powerful: "boosted lows and highs, strong compression"
        case .calm: "a soft curve, gentle compression, wide"
        case .dreamy: "rolled-off highs, slow-attack compression, wide and diffused"
        case .dark: "boosted lows, tight transients, narrow"
        case .bright: "open highs, fast attack, full width"
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
