/// Where a channel is meant to be heard: decides its BS.1770 loudness weight.
public enum SpeakerPosition: String, Sendable, CaseIterable {
    case mono, left, right, center, lfe
    case leftSurround, rightSurround, backCenter, backLeft, backRight, sideLeft, sideRight
    case unknown

    /// The conventional WAVE (WAVEFORMATEXTENSIBLE) channel order for a channel count, used
    /// when a file carries no channel map. Mono is one front loudspeaker, as BS.1770 measures it.
    public static func defaultLayout(channelCount: Int) -> [SpeakerPosition] {
        switch channelCount {
        case 1: [.mono]
        case 2: [.left, .right]
        case 3: [.left, .right, .center]
        case 4: [.left, .right, .leftSurround, .rightSurround]
        case 5: [.left, .right, .center, .leftSurround, .rightSurround]
        case 6: [.left, .right, .center, .lfe, .leftSurround, .rightSurround]
        case 7: [.left, .right, .center, .lfe, .backCenter, .sideLeft, .sideRight]
        case 8: [.left, .right, .center, .lfe, .backLeft, .backRight, .sideLeft, .sideRight]
        default: Array(repeating: .unknown, count: max(channelCount, 0))
        }
    }
}
