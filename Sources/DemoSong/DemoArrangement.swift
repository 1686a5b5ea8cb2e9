import Glibc

/// The demo song's score: five eight-bar sections at 120 BPM, one per emotion.
///
/// | section | seconds | emotion  | what plays |
/// |---------|---------|----------|------------|
/// | intro   | 0–16    | calm     | soft pads, sparse keys, sine bass, no drums |
/// | chorus  | 16–32   | powerful | four-on-the-floor kit, driven saw bass, power chords, square lead |
/// | bridge  | 32–48   | dreamy   | slow-attack dark pads, bell arpeggio in reverb, half-time soft kick |
/// | verse   | 48–64   | dark     | sub and growl bass, low drone, syncopated kick and toms, all mono |
/// | outro   | 64–80   | bright   | claps, open hats, high wide chords, sparkling 16th arpeggio |
public enum DemoArrangement {
    public static let beatsPerMinute = 120.0
    public static let secondsPerBeat = 60 / beatsPerMinute
    public static let barsPerSection = 8
    public static let secondsPerBar = 4 * secondsPerBeat
    public static let sectionSeconds = Double(barsPerSection) * secondsPerBar

    /// One section of the song, with the emotion its music was written for.
    public struct Section: Sendable, Equatable {
        public let name: String
        public let emotion: String
        public let startSeconds: Double
        public let endSeconds: Double
    }

    public static let sections: [Section] = [
        ("intro", "calm"), ("chorus", "powerful"), ("bridge", "dreamy"), ("verse", "dark"), ("outro", "bright"),
    ].enumerated().map { index, entry in
        Section(name: entry.0, emotion: entry.1,
                startSeconds: Double(index) * sectionSeconds, endSeconds: Double(index + 1) * sectionSeconds)
    }

    public static var durationSeconds: Double { sections.last!.endSeconds }

    /// Every note of the song, sorted by start time.
    static func score() -> [NoteEvent] {
        var score = Score()
        calmIntro(&score, bar: 0)
        powerfulChorus(&score, bar: 8)
        dreamyBridge(&score, bar: 16)
        darkVerse(&score, bar: 24)
        brightOutro(&score, bar: 32)
        return score.events.sorted { $0.start < $1.start }
    }

    // MARK: - Sections

    private static func calmIntro(_ s: inout Score, bar: Int) {
        // Cmaj7 – Am7 – Fmaj7 – G6, two bars each.
        let chords: [[Int]] = [[60, 64, 67, 71], [57, 60, 64, 67], [53, 57, 60, 64], [55, 59, 62, 64]]
        for (index, chord) in chords.enumerated() {
            let chordBar = bar + index * 2
            for (voice, note) in chord.enumerated() {
                s.add(.pad, bar: chordBar, beat: 0, beats: 8, note: note, velocity: 0.085,
                      pan: Float(voice) * 0.5 - 0.75, cutoff: 1400, detune: 0.012, attack: 1.2, release: 1.6, reverb: 0.5)
            }
            s.add(.subBass, bar: chordBar, beat: 0, beats: 8, note: chord[0] - 24, velocity: 0.16,
                  attack: 0.4, release: 1.0)
            // Sparse keys: a chord tone every two beats, an octave up.
            for step in 0..<4 {
                let note = chord[(step * 3) % chord.count] + 12
                s.add(.pluck, bar: chordBar, beat: Double(step) * 2, beats: 1.5, note: note, velocity: 0.13,
                      pan: step.isMultiple(of: 2) ? -0.45 : 0.45, cutoff: 2600, release: 1.2, reverb: 0.55)
            }
        }
    }

    private static func powerfulChorus(_ s: inout Score, bar: Int) {
        // Am – F – C – G, one bar each, twice.
        let roots = [45, 41, 48, 43]
        let lead = [76, 76, 79, 76, 74, 72, 74, 76, 72, 72, 74, 72, 71, 67, 71, 74]
        for repeatIndex in 0..<2 {
            for (index, root) in roots.enumerated() {
                let chordBar = bar + repeatIndex * 4 + index
                for note in [root + 12, root + 19, root + 24] {
                    s.add(.chordSaw, bar: chordBar, beat: 0, beats: 3.9, note: note, velocity: 0.13,
                          pan: 0, cutoff: 6000, detune: 0.006, attack: 0.01, release: 0.15, reverb: 0.12)
                }
                for eighth in 0..<8 {
                    s.add(.bass, bar: chordBar, beat: Double(eighth) / 2, beats: 0.45,
                          note: root - 12 + (eighth % 4 == 3 ? 12 : 0), velocity: 0.3, cutoff: 900, drive: 2.5,
                          attack: 0.004, release: 0.05)
                }
                for beat in 0..<4 {
                    s.add(.kick, bar: chordBar, beat: Double(beat), velocity: 0.75)
                    if beat % 2 == 1 { s.add(.snare, bar: chordBar, beat: Double(beat), velocity: 0.75, pan: 0.05) }
                }
                for eighth in 0..<8 {
                    s.add(.closedHat, bar: chordBar, beat: Double(eighth) / 2, velocity: eighth % 2 == 0 ? 0.32 : 0.22,
                          pan: 0.3)
                }
                if index == 0 { s.add(.crash, bar: chordBar, beat: 0, velocity: 0.4, pan: -0.3, reverb: 0.2) }
                for eighth in 0..<8 where eighth % 2 == 0 || index % 2 == 1 {
                    let note = lead[(index * 4 + eighth / 2) % lead.count]
                    s.add(.lead, bar: chordBar, beat: Double(eighth) / 2, beats: 0.45, note: note, velocity: 0.09,
                          pan: -0.15, cutoff: 5000, attack: 0.005, release: 0.08, reverb: 0.15)
                }
            }
        }
    }

    private static func dreamyBridge(_ s: inout Score, bar: Int) {
        // Fmaj7 – Em7 – Dm9 – Cmaj7, two bars each.
        let chords: [[Int]] = [[53, 57, 60, 64], [52, 55, 59, 62], [50, 53, 57, 64], [48, 52, 55, 59]]
        for (index, chord) in chords.enumerated() {
            let chordBar = bar + index * 2
            for (voice, note) in chord.enumerated() {
                s.add(.pad, bar: chordBar, beat: 0, beats: 8, note: note, velocity: 0.13,
                      pan: voice.isMultiple(of: 2) ? -0.9 : 0.9, cutoff: 1100, detune: 0.02,
                      attack: 1.4, release: 2.0, reverb: 0.8)
            }
            s.add(.subBass, bar: chordBar, beat: 0, beats: 8, note: chord[0] - 24, velocity: 0.2, attack: 0.6, release: 1.0)
            // A bell arpeggio drifting from side to side, soaked in reverb.
            for eighth in 0..<16 {
                let note = chord[eighth % chord.count] + 12 + (eighth % 8 >= 4 ? 12 : 0)
                s.add(.pluck, bar: chordBar, beat: Double(eighth) / 2, beats: 0.5, note: note, velocity: 0.07,
                      pan: eighth.isMultiple(of: 2) ? -0.85 : 0.85, cutoff: 1800, release: 1.4, reverb: 0.9)
            }
            for half in 0..<4 {
                s.add(.kick, bar: chordBar, beat: Double(half) * 2, velocity: 0.4, cutoff: 180)
            }
        }
    }

    private static func darkVerse(_ s: inout Score, bar: Int) {
        // Dm – B♭ – Gm – A, two bars each, low and centred.
        let roots = [38, 34, 43, 45]
        for (index, root) in roots.enumerated() {
            let chordBar = bar + index * 2
            s.add(.subBass, bar: chordBar, beat: 0, beats: 8, note: root - 12, velocity: 0.26, attack: 0.02, release: 0.3)
            for note in [root, root + 7] {
                s.add(.pad, bar: chordBar, beat: 0, beats: 8, note: note, velocity: 0.08,
                      pan: 0, cutoff: 650, detune: 0, attack: 0.3, release: 0.6, reverb: 0.05)
            }
            for twoBar in 0..<2 {
                let b = chordBar + twoBar
                for beat in [0.0, 1.5, 2.0] { s.add(.kick, bar: b, beat: beat, velocity: 0.6, cutoff: 120) }
                s.add(.snare, bar: b, beat: 3, velocity: 0.42, cutoff: 1800)
                s.add(.tom, bar: b, beat: 3.5, note: 43, velocity: 0.5)
                for sixteenth in [0, 3, 6, 10, 12] {
                    s.add(.bass, bar: b, beat: Double(sixteenth) / 4, beats: 0.2, note: root - 12, velocity: 0.2,
                          cutoff: 420, drive: 3.5, attack: 0.003, release: 0.06)
                }
            }
        }
    }

    private static func brightOutro(_ s: inout Score, bar: Int) {
        // C – G – Am – F, one bar each, twice, high and wide.
        let chords: [[Int]] = [[72, 76, 79, 84], [71, 74, 79, 83], [72, 76, 81, 84], [72, 77, 81, 84]]
        let roots = [48, 43, 45, 41]
        for repeatIndex in 0..<2 {
            for (index, chord) in chords.enumerated() {
                let chordBar = bar + repeatIndex * 4 + index
                for (voice, note) in chord.enumerated() {
                    s.add(.chordSaw, bar: chordBar, beat: 0, beats: 3.8, note: note, velocity: 0.08,
                          pan: Float(voice) * 0.6 - 0.9, cutoff: 14000, detune: 0.012, attack: 0.02, release: 0.3, reverb: 0.3)
                }
                for eighth in 0..<8 {
                    s.add(.bass, bar: chordBar, beat: Double(eighth) / 2, beats: 0.4, note: roots[index] - 12 + (eighth % 2) * 12,
                          velocity: 0.12, cutoff: 1600, drive: 1.2, attack: 0.004, release: 0.05)
                }
                for sixteenth in 0..<16 {
                    let note = chord[(sixteenth * 5) % chord.count] + 24
                    s.add(.pluck, bar: chordBar, beat: Double(sixteenth) / 4, beats: 0.2, note: note, velocity: 0.09,
                          pan: sixteenth.isMultiple(of: 2) ? -0.9 : 0.9, cutoff: 14000, release: 0.3, reverb: 0.3)
                }
                for beat in 0..<4 {
                    s.add(.kick, bar: chordBar, beat: Double(beat), velocity: 0.45)
                    if beat % 2 == 1 { s.add(.clap, bar: chordBar, beat: Double(beat), velocity: 0.55, pan: 0.1, reverb: 0.25) }
                    s.add(.openHat, bar: chordBar, beat: Double(beat) + 0.5, velocity: 0.35, pan: 0.6)
                }
                for sixteenth in 0..<16 where sixteenth % 2 == 1 {
                    s.add(.closedHat, bar: chordBar, beat: Double(sixteenth) / 4, velocity: 0.25, pan: -0.7)
                }
            }
        }
    }
}

/// What an instrument voice plays.
enum Instrument: Sendable {
    case kick, snare, closedHat, openHat, crash, clap, tom
    case bass, subBass, pad, pluck, lead, chordSaw
}

/// One note or drum hit.
struct NoteEvent: Sendable {
    var instrument: Instrument
    /// Start frame at 44.1 kHz.
    var start: Int
    /// Gate length in frames (how long the key is held).
    var length: Int
    var frequency: Float
    var velocity: Float
    /// −1 (left) … +1 (right).
    var pan: Float
    /// Filter corner, Hz (instrument-specific meaning).
    var cutoff: Float
    /// Stereo detune (fraction of frequency) for wide voices.
    var detune: Float
    var attackSeconds: Float
    var releaseSeconds: Float
    var reverbSend: Float
    var drive: Float
}

/// Collects events in musical time.
struct Score {
    var events: [NoteEvent] = []

    mutating func add(_ instrument: Instrument, bar: Int, beat: Double, beats: Double = 0.25, note: Int = 60,
                      velocity: Float, pan: Float = 0, cutoff: Float = 0, detune: Float = 0, drive: Float = 1,
                      attack: Float = 0.005, release: Float = 0.1, reverb: Float = 0.1) {
        let seconds = Double(bar) * DemoArrangement.secondsPerBar + beat * DemoArrangement.secondsPerBeat
        let rate = DemoSongSource.songSampleRate
        events.append(NoteEvent(
            instrument: instrument,
            start: Int((seconds * rate).rounded()),
            length: Int((beats * DemoArrangement.secondsPerBeat * rate).rounded()),
            frequency: Float(440 * pow(2, Double(note - 69) / 12)),
            velocity: velocity, pan: pan, cutoff: cutoff, detune: detune,
            attackSeconds: attack, releaseSeconds: release, reverbSend: reverb, drive: drive))
    }
}
