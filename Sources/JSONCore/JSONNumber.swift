/// A JSON number: its value as a `Double`, and the text it was read from, so that `1.50`, `1e3`,
/// `-0` or `9007199254740993` are written again exactly as read. Numbers made in code have no
/// text and are written canonically.
///
/// Numbers compare and hash by their `Double` value: `1.50 == 1.5` and `-0 == 0`. Integers past
/// 2^53 round to the nearest `Double` when compared, so `9007199254740993 == 9007199254740992`
/// holds, although each is written with its own text.
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
    /// Equal when the `Double` values are equal (see the type's comment for large integers).
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool { lhs.double == rhs.double }

    /// Ordered by `Double` value.
    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool { lhs.double < rhs.double }

    public func hash(into hasher: inout Hasher) { hasher.combine(double) }
}

extension JSONNumber: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, CustomStringConvertible {
    public init(integerLiteral value: Int) { self.init(value) }
    public init(floatLiteral value: Double) { self.init(value) }

    /// The number's JSON text.
    public var description: String { text }
}
