/// Compact JSON texts made from a seed: numbers in every written form (signs, fractions with
/// trailing zeros, exponents with `e`/`E` and signs), strings mixing plain text, UTF-8 and every
/// kind of escape, nested arrays and objects with unsorted keys.
struct JSONTextGenerator {
    /// SplitMix64 state: the same seed gives the same texts.
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A number below `bound`.
    private mutating func below(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }

    private mutating func pick(_ choices: [String]) -> String { choices[below(choices.count)] }

    /// One value, nested at most `depth` more levels.
    mutating func value(depth: Int = 3) -> String {
        switch below(depth > 0 ? 7 : 5) {
        case 0: return pick(["true", "false", "null"])
        case 1, 2: return number()
        case 3, 4: return string()
        case 5: return "[" + (0..<below(4)).map { _ in value(depth: depth - 1) }.joined(separator: ",") + "]"
        default:
            let keys = (0..<below(4)).reversed().map { "\"k\($0)" + string().dropFirst() }
            return "{" + keys.map { "\($0):\(value(depth: depth - 1))" }.joined(separator: ",") + "}"
        }
    }

    /// A number in any of JSON's written forms.
    mutating func number() -> String {
        var text = below(3) == 0 ? "-" : ""
        text += below(3) == 0 ? "0" : String(below(9) + 1) + String(repeating: String(below(10)), count: below(20))
        if below(2) == 0 { text += "." + String(below(1000)) + String(repeating: "0", count: below(3)) }
        if below(3) == 0 { text += pick(["e", "E"]) + pick(["", "+", "-"]) + String(below(400)) }
        return text
    }

    /// A string of plain text, UTF-8 and escapes.
    mutating func string() -> String {
        let pieces = [
            "a", "Zürich", "✓", "😀", " ", #"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\n"#, #"\r"#, #"\t"#, #"\u00e9"#,
            #"\u00E9"#, #"\u0001"#, #"\u001f"#, #"\u001F"#, #"\u000a"#, #"\ud83d\ude00"#, #"\ud800"#, #"\udc00"#,
        ]
        return "\"" + (0..<below(5)).map { _ in pick(pieces) }.joined() + "\""
    }
}
