// JSONCore: raw JSON values for plutio-backup.
//
// One JSON grammar (RFC 8259), read two ways over one lexer (`Scan`): `JSONValue.parse` builds
// an order-preserving tree, and `JSONValidator` checks bytes, splits arrays and reads members
// in place without building values. The tree is lossless for compact text: objects keep their
// key order, numbers keep their text (`1.50`, `1e3`, `-0`) and strings their escapes
// (`\u00e9`), so parsing bytes and writing them again (`bytes`) gives the same bytes, spaces
// between tokens aside. Values made in code are written canonically: integers without a
// fraction, strings with the fewest escapes.

/// A JSON value whose objects keep their key order, and whose numbers and strings keep the
/// text they were read from (see `JSONNumber`, `JSONString`).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(JSONString)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// A number made in code (`.number(12.5)`), written canonically.
    public static func number(_ value: Double) -> JSONValue { .number(JSONNumber(value)) }

    /// An integer made in code (`.number(count)`), written without a fraction.
    public static func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }

    /// A string made in code (`.string(title)`), written with the writer's escapes.
    public static func string(_ value: String) -> JSONValue { .string(JSONString(value)) }
}

extension JSONValue {
    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s.string }
        return nil
    }

    /// The number as a `Double`, if this is a number.
    public var numberValue: Double? {
        if case .number(let n) = self { return n.double }
        return nil
    }

    /// The boolean, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member named `key`, if this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The value at a dotted path such as `name.first`; nil when any step is missing.
    ///
    /// Arrays are not traversed: use `MongoQuery` for array-aware paths.
    public func value(atPath path: String) -> JSONValue? {
        var current: JSONValue = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = current[String(part)] else { return nil }
            current = next
        }
        return current
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(JSONString(value)) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { JSONObject.Member(key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}
