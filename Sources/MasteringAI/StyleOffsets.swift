import MasteringDSP

/// Learned offsets from the user's taste, added to the AI's suggestions.
///
/// This is where the style trainer plugs in: it produces one of these per emotion from the
/// user's profile; the model adds each offset (already weighted by the trainer for how much
/// evidence it has), clamps to the parameter's range, and records a "your style" move.
public struct StyleOffsets: Sendable, Equatable {
    public struct Offset: Sendable, Equatable {
        public var value: Double
        /// How many tweaks the offset rests on, for the move's reason.
        public var evidence: Int
        public init(value: Double, evidence: Int) { self.value = value; self.evidence = evidence }
    }

    public var offsets: [ChainParameter: Offset]

    public init(_ offsets: [ChainParameter: Offset] = [:]) { self.offsets = offsets }
}
