/// A JSON number: its value as a `Double`, and the text it was read from, so that `1.50`, `1e3`,
/// `-0` or `9007199254740993` are written again exactly as read. Numbers made in code have no
/// text and are written canonically.
///
/// Numbers compare by exact decimal value: `1.50 == 1.5`, `1e3 == 1000` and `-0 == 0`, while
/// `9007199254740993 != 9007199254740992` although both round to one `Double`. They hash by
/// their `Double` value (equal numbers have equal `Double`s).
public struct JSONNumber: Sendable {
    /// The value, rounded to the nearest `Double` when the text holds more precision.
    public let double: Double
    /// The text as read; nil for numbers made in code and for integers of at most 15
    /// characters other than `-0`, which `canonicalText` writes the same.
    private let written: WrittenText?

    /// Text kept out of line so that the common number (canonical, no text) stays small.
    private final class WrittenText: Sendable {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// A number made in code, written canonically (integers without a fraction).
    public init(_ value: Double) {
        double = value
        written = nil
    }

    /// An integer made in code; integers past 2^53 keep their exact digits.
    public init(_ value: Int) {
        double = Double(value)
        written = value.magnitude < Self.exactIntegerLimit ? nil : WrittenText(String(value))
    }

    /// A number read from JSON text `text`, whose value is `double`; the caller has checked that
    /// `text` is a JSON number.
    init(text: String, double: Double) {
        self.double = double
        written = WrittenText(text)
    }

    /// A number parsed from `text`, which must be one JSON number (such as `-12.5e3`) and
    /// nothing else; nil otherwise.
    public init?(text: String) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        let parsed = bytes.withUnsafeBufferPointer { buffer -> JSONNumber? in
            var parser = JSONParser(buffer)
            guard let number = try? parser.parseNumber(), parser.scan.index == buffer.count else { return nil }
            return number
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// The text written for this number: as read, or canonical for numbers made in code.
    public var text: String { written?.text ?? Self.canonicalText(double) }

    /// Whether the number keeps text it was read from (rather than being written canonically).
    var keepsWrittenText: Bool { written != nil }

    /// Integers below this magnitude are exact in a `Double` and written without a fraction.
    static let exactIntegerLimit: UInt = 1 << 53

    /// The writer's text for a `Double`: integers without a fraction, others in Swift's shortest
    /// form, and `null` for NaN and infinities (JSON has no text for them).
    static func canonicalText(_ value: Double) -> String {
        if value.isNaN || value.isInfinite { return "null" }
        if value == value.rounded(), value.magnitude < Double(exactIntegerLimit) { return String(Int64(value)) }
        return "\(value)"
    }
}

extension JSONNumber: Hashable, Comparable {
    /// Equal when the exact decimal values are equal. Different `Double`s are different values
    /// (each `Double` is the correctly rounded value of its text); equal ones are compared by
    /// their text when either number keeps one.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        guard lhs.double == rhs.double else { return false }
        if lhs.written == nil, rhs.written == nil { return true }
        // The same text is the same value; only different texts are read digit by digit.
        if lhs.written?.text == rhs.written?.text { return true }
        return lhs.decimal == rhs.decimal
    }

    /// Ordered by exact decimal value.
    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        guard lhs.double == rhs.double else { return lhs.double < rhs.double }
        if lhs.written == nil, rhs.written == nil { return false }
        if lhs.written?.text == rhs.written?.text { return false }
        return lhs.decimal < rhs.decimal
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(double) }

    /// The exact value of the number's text.
    var decimal: Decimal { Decimal(text) }

    /// A decimal value as sign, significant digits and the power of ten of the last one
    /// (`-1.50e3`: negative, "15", 2); zero has no digits and no sign.
    struct Decimal: Equatable, Comparable {
        var negative = false
        var digits: [UInt8] = []
        var exponent = 0

        /// Reads a JSON number's text (or Swift's text of a `Double`, such as `1e-07`).
        init(_ text: String) {
            var digits: [UInt8] = []
            var exponent = 0
            var fraction = false
            var bytes = Array(text.utf8)[...]
            if bytes.first == UInt8(ascii: "-") {
                negative = true
                bytes = bytes.dropFirst()
            }
            while let byte = bytes.first {
                if byte == UInt8(ascii: ".") {
                    fraction = true
                } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                    exponent +=
                        Int(String(decoding: bytes.dropFirst().drop { $0 == UInt8(ascii: "+") }, as: UTF8.self))
                        ?? 0
                    break
                } else {
                    if !(digits.isEmpty && byte == UInt8(ascii: "0")) { digits.append(byte) }
                    if fraction { exponent -= 1 }
                }
                bytes = bytes.dropFirst()
            }
            while digits.last == UInt8(ascii: "0") {
                digits.removeLast()
                exponent += 1
            }
            if digits.isEmpty {
                negative = false
                exponent = 0
            }
            self.digits = digits
            self.exponent = exponent
        }

        static func < (lhs: Decimal, rhs: Decimal) -> Bool {
            if lhs.negative != rhs.negative { return lhs.negative }
            let magnitudeLess = lhs.magnitudeLess(than: rhs)
            return lhs.negative ? rhs.magnitudeLess(than: lhs) : magnitudeLess
        }

        /// Whether |self| < |other|: by the position of the leading digit, then digit by digit.
        func magnitudeLess(than other: Decimal) -> Bool {
            if digits.isEmpty || other.digits.isEmpty { return digits.isEmpty && !other.digits.isEmpty }
            let lead = digits.count + exponent
            let otherLead = other.digits.count + other.exponent
            if lead != otherLead { return lead < otherLead }
            for i in 0..<max(digits.count, other.digits.count) {
                let a = i < digits.count ? digits[i] : UInt8(ascii: "0")
                let b = i < other.digits.count ? other.digits[i] : UInt8(ascii: "0")
                if a != b { return a < b }
            }
            return false
        }
    }
}

extension JSONNumber: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, CustomStringConvertible {
    public init(integerLiteral value: Int) { self.init(value) }
    public init(floatLiteral value: Double) { self.init(value) }

    /// The number's JSON text.
    public var description: String { text }
}
