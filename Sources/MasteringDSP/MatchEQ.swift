import Glibc

/// The gains of the matching EQ: one bell per half octave and a shelf for the top, on the mid and
/// on the side signal.
///
/// Reference mastering shapes the track's long-term tone toward a reference's. Working on
/// mid and side separately matches the tone and, band by band, the stereo width (how much
/// side there is next to the mid). Bells half an octave apart and half an octave wide can
/// follow any curve that is smooth at that scale and nothing finer: the match must not chase
/// single notes. A bell's response returns to 0 dB at Nyquist (the bilinear transform), so the
/// top 1/3-octave band (20 kHz at 44.1 kHz) is out of the bells' reach: the last band is a high
/// shelf at 16 kHz, whose gain holds up to Nyquist. A flat gain (`gainDB`) puts back the level
/// the bells take from the mix, so the compressor after the match sees the level its threshold
/// was set for. Stored inline (no heap): it travels with the chain's automation.
public struct MatchCurve: Sendable, Equatable {
    /// Band centres, Hz: the bells at 25 Hz · 2^(k/2), k = 0…19 (25 Hz … 18.1 kHz), then the shelf's corner.
    public static let centresHz: [Double] = (0..<bellCount).map { 25 * pow(2, Double($0) / 2) } + [topShelfHz]
    public static let bellCount = 20
    public static let bandCount = bellCount + 1
    /// The top band: a high shelf (slope 1) with its midpoint here.
    public static let topShelfHz = 16_000.0
    public static func isShelf(band: Int) -> Bool { band == bellCount }
    /// Half an octave wide: Q = √2^½ / (2^½ − 1).
    public static let q = pow(2, 0.25) / (pow(2, 0.5) - 1)
    /// The most any bell boosts or cuts, dB (the fitted curve is clamped to this first).
    public static let maximumBoostDB = 9.0
    public static let maximumCutDB = 24.0

    public var mid: InlineArray<21, Double>
    public var side: InlineArray<21, Double>
    /// Applied to mid and side alike, dB: the level the bells take away (or add), put back.
    public var gainDB = 0.0

    /// Flat: the EQ does nothing (and costs nothing).
    public init() {
        mid = InlineArray(repeating: 0)
        side = InlineArray(repeating: 0)
    }

    public var isFlat: Bool {
        guard gainDB == 0 else { return false }
        for band in 0..<Self.bandCount where mid[band] != 0 || side[band] != 0 { return false }
        return true
    }

    public static func == (lhs: MatchCurve, rhs: MatchCurve) -> Bool {
        guard lhs.gainDB == rhs.gainDB else { return false }
        for band in 0..<bandCount where lhs.mid[band] != rhs.mid[band] || lhs.side[band] != rhs.side[band] { return false }
        return true
    }

    /// Whether band `band` can run at `sampleRate` (its centre well below Nyquist).
    public static func isUsable(band: Int, sampleRate: Double) -> Bool { centresHz[band] < 0.45 * sampleRate }

    /// Band `band`'s filter at `gainDB`.
    public static func coefficients(band: Int, sampleRate: Double, gainDB: Double) -> BiquadCoefficients {
        isShelf(band: band)
            ? .highShelf(sampleRate: sampleRate, frequency: centresHz[band], gainDB: gainDB)
            : .peaking(sampleRate: sampleRate, frequency: centresHz[band], q: q, gainDB: gainDB)
    }

    /// The curve's response at `frequency`, dB: the bells' summed and the flat gain (`side`: the side signal's).
    public func magnitudeDB(atFrequency frequency: Double, sampleRate: Double, side onSide: Bool = false) -> Double {
        var total = gainDB
        for band in 0..<Self.bandCount where Self.isUsable(band: band, sampleRate: sampleRate) {
            let gain = onSide ? side[band] : mid[band]
            guard gain != 0 else { continue }
            let filter = Self.coefficients(band: band, sampleRate: sampleRate, gainDB: gain)
            total += 20 * log10(filter.magnitude(atFrequency: frequency, sampleRate: sampleRate))
        }
        return total
    }

    /// The bell gains whose summed response best follows `wanted` (dB at the given frequencies),
    /// each clamped to the boost and cut limits. Neighbouring bells overlap, so gains are found
    /// by a few Gauss–Newton steps on the real responses: least squares with a penalty on the
    /// difference between neighbouring bells (overlapping bells could otherwise zigzag, large and
    /// opposite, for the same sum) and a little ridge so bells with no target under them stay at 0.
    public static func fit(_ wanted: [(hz: Double, db: Double)], sampleRate: Double) -> [Double] {
        let usable = (0..<bandCount).filter { isUsable(band: $0, sampleRate: sampleRate) }
        let points = wanted.filter { $0.hz < 0.47 * sampleRate && $0.db.isFinite }
        guard !points.isEmpty, !usable.isEmpty else { return Array(repeating: 0, count: bandCount) }
        // Shape of each bell at each point, per dB of gain (nearly linear in dB for bells).
        let unit = 6.0
        let shapes: [[Double]] = usable.map { band in
            let filter = coefficients(band: band, sampleRate: sampleRate, gainDB: unit)
            return points.map { 20 * log10(filter.magnitude(atFrequency: $0.hz, sampleRate: sampleRate)) / unit }
        }
        var gains = Array(repeating: 0.0, count: usable.count)
        let ridge = 0.02, smoothness = 0.1
        for _ in 0..<6 {
            // Residual of the real response with the current gains.
            let residual: [Double] = points.indices.map { point in
                var response = 0.0
                for (slot, band) in usable.enumerated() where gains[slot] != 0 {
                    let filter = coefficients(band: band, sampleRate: sampleRate, gainDB: gains[slot])
                    response += 20 * log10(filter.magnitude(atFrequency: points[point].hz, sampleRate: sampleRate))
                }
                return points[point].db - response
            }
            // (JᵀJ + λI) Δ = Jᵀr, solved by Gaussian elimination (20 unknowns at most).
            let n = usable.count
            var matrix = Array(repeating: Array(repeating: 0.0, count: n + 1), count: n)
            for row in 0..<n {
                for column in 0..<n {
                    var sum = 0.0
                    for point in points.indices { sum += shapes[row][point] * shapes[column][point] }
                    matrix[row][column] = sum + (row == column ? ridge : 0)
                }
                var rhs = 0.0
                for point in points.indices { rhs += shapes[row][point] * residual[point] }
                // The neighbour penalty μ·Σ(g_k − g_k+1)², on the gains after the step.
                // (The shelf is no bell's neighbour: it shapes the top edge on its own.)
                for neighbour in [row - 1, row + 1] where neighbour >= 0 && neighbour < n
                    && !isShelf(band: usable[row]) && !isShelf(band: usable[neighbour]) {
                    matrix[row][row] += smoothness
                    matrix[row][neighbour] -= smoothness
                    rhs -= smoothness * (gains[row] - gains[neighbour])
                }
                matrix[row][n] = rhs
            }
            let step = solve(&matrix)
            for slot in 0..<n {
                gains[slot] = min(max(gains[slot] + step[slot], -maximumCutDB), maximumBoostDB)
            }
        }
        var all = Array(repeating: 0.0, count: bandCount)
        for (slot, band) in usable.enumerated() { all[band] = gains[slot] }
        return all
    }

    /// Solves an augmented n×(n+1) system in place (partial pivoting).
    private static func solve(_ m: inout [[Double]]) -> [Double] {
        let n = m.count
        for column in 0..<n {
            var pivot = column
            for row in column + 1..<n where abs(m[row][column]) > abs(m[pivot][column]) { pivot = row }
            m.swapAt(column, pivot)
            let p = m[column][column]
            guard abs(p) > 1e-12 else { continue }
            for row in column + 1..<n {
                let factor = m[row][column] / p
                if factor == 0 { continue }
                for k in column...n { m[row][k] -= factor * m[column][k] }
            }
        }
        var x = Array(repeating: 0.0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = m[row][n]
            for k in row + 1..<n { sum -= m[row][k] * x[k] }
            x[row] = abs(m[row][row]) > 1e-12 ? sum / m[row][row] : 0
        }
        return x
    }
}

/// The matching EQ stage: the `MatchCurve`'s bells on mid and side (after the tone EQ).
///
/// A flat curve is skipped entirely, so a master without a reference is bit for bit what it
/// was before this stage existed. A new curve glides over 50 ms (coefficients recomputed
/// every 32 frames while it glides), so choosing a reference live does not click.
/// Real-time safe: no allocation after `prepare`.
public struct MatchEQ {
    /// Mid on channel 0, side on channel 1.
    private var bells = StereoBiquadCascade()
    private var from = MatchCurve(), to = MatchCurve()
    private var current = MatchCurve()
    private var rampFrames = 2205, rampPosition = 0
    private var sampleRate = 44100.0
    private static let updateInterval = 32

    public init() {}

    public var curve: MatchCurve { to }

    public mutating func prepare(_ spec: ProcessSpec) {
        sampleRate = spec.sampleRate
        rampFrames = max(1, Int(0.05 * spec.sampleRate))
        snap()
        reset()
    }

    public mutating func reset() {
        bells.reset()
    }

    /// Glides to `curve`.
    public mutating func setCurve(_ curve: MatchCurve) {
        guard curve != to else { return }
        from = current
        to = curve
        rampPosition = 0
    }

    /// Jumps to the target curve (before a render starts).
    public mutating func snap() {
        current = to; from = to; rampPosition = rampFrames
        updateCoefficients()
    }

    private var isRamping: Bool { rampPosition < rampFrames }

    private mutating func updateCoefficients() {
        for band in 0..<MatchCurve.bandCount {
            guard MatchCurve.isUsable(band: band, sampleRate: sampleRate) else { continue }
            bells.setCoefficients(stage: band,
                MatchCurve.coefficients(band: band, sampleRate: sampleRate, gainDB: current.mid[band]),
                MatchCurve.coefficients(band: band, sampleRate: sampleRate, gainDB: current.side[band]))
        }
    }

    public mutating func process(_ block: StereoBlock) {
        guard isRamping || !current.isFlat else { return }
        var start = 0
        while start < block.frameCount {
            // While gliding, a chunk per coefficient update; otherwise the whole block at once.
            let count = isRamping ? min(Self.updateInterval, block.frameCount - start) : block.frameCount - start
            if isRamping {
                rampPosition = min(rampFrames, rampPosition + count)
                let x = Double(rampPosition) / Double(rampFrames)
                for band in 0..<MatchCurve.bandCount {
                    current.mid[band] = from.mid[band] + (to.mid[band] - from.mid[band]) * x
                    current.side[band] = from.side[band] + (to.side[band] - from.side[band]) * x
                }
                current.gainDB = from.gainDB + (to.gainDB - from.gainDB) * x
                updateCoefficients()
            }
            // Mid and side in place of left and right while the bells run, the flat gain folded in.
            let left = block.left + start, right = block.right + start
            let half = Float(0.5 * pow(10, current.gainDB / 20))
            for index in 0..<count {
                let mid = (left[index] + right[index]) * half, side = (left[index] - right[index]) * half
                left[index] = mid
                right[index] = side
            }
            bells.process(left, right, count: count)
            for index in 0..<count {
                let mid = left[index], side = right[index]
                left[index] = mid + side
                right[index] = mid - side
            }
            start += count
        }
    }
}
