/// Fixed-point numbers as the console prints them, without `String(format:)`: the screen
/// formats some thirty numbers thirty times a second, and Foundation's formatter (a C varargs
/// list, a CFString, a bridge back) was a quarter of the drawing thread's time.
public enum FixedText {
    /// `value` with `digits` decimals, right-aligned in `width` columns, like printf's `%W.Df`
    /// (`%+W.Df` with `plus`), rounding the exact binary value as printf does (9.95 is 9.9499…,
    /// so it prints 9.9). Not for non-finite values.
    public static func format(_ value: Double, digits: Int, width: Int = 0, plus: Bool = false) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = roundedExactly(abs(value), times: scale)
        var text = ""
        if scaled >= 1e17 {
            text = "\(Int(abs(value).rounded()))"   // far beyond anything a meter shows
        } else {
            let units = UInt64(scaled)
            let whole = units / UInt64(scale)
            text = String(whole)
            if digits > 0 {
                var fraction = String(units % UInt64(scale))
                while fraction.utf8.count < digits { fraction = "0" + fraction }
                text += "." + fraction
            }
        }
        // The sign of what is printed: "-0.0" stays "-0.0" as printf writes it.
        if value < 0 || (value == 0 && value.sign == .minus) { text = "-" + text } else if plus { text = "+" + text }
        let count = text.utf8.count
        return count >= width ? text : String(repeating: " ", count: width - count) + text
    }

    /// `value × scale` rounded half to even on its exact value: the product's rounding error
    /// (exact through a fused multiply-add) decides the cases that look like halves.
    private static func roundedExactly(_ value: Double, times scale: Double) -> Double {
        let product = value * scale
        let error = (-product).addingProduct(value, scale)
        var whole = product.rounded(.down)
        let fraction = product - whole
        if fraction > 0.5 || (fraction == 0.5 && (error > 0 || (error == 0 && whole.truncatingRemainder(dividingBy: 2) == 1))) {
            whole += 1
        }
        return whole
    }
}
