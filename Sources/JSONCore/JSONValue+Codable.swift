import Foundation

/// `Codable`, for values inside other `Codable` types. It is not lossless: the byte-exact path
/// is `JSONValue.parse` and `bytes`.
///
/// What Foundation's `JSONEncoder` and `JSONDecoder` on Linux (Swift 6.3, swift-foundation) do,
/// checked by hand:
/// - Key order: objects are encoded through a keyed container in member order, but
///   `JSONEncoder` writes keys in hash order (different in every process) unless asked for
///   `.sortedKeys`; `JSONDecoder`'s `allKeys` is in hash order too. So decoding sorts the keys,
///   which is the only order that is the same in every run (a catalogue read twice gives equal
///   bytes); the text's own order is lost either way.
/// - Numbers: an integer text that fits is encoded as `Int64` (exact past 2^53), any other as
///   `Decimal` (exact to 38 digits), else as `Double`. `JSONEncoder` then writes its own text:
///   `1.50` becomes `1.5`, `1e3` becomes `1000`, `-0` stays `-0`. Decoding tries `Int64`,
///   then `Decimal`, then `Double`: `9007199254740993` and `0.1` stay exact, `1e3` reads as
///   `1000` and `-0` as `0`.
/// - Strings: escapes are the encoder's own (`\u00e9` is written as `é`).
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = Self.decodeNumber(c) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(JSONString(s))
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            let o = try decoder.container(keyedBy: MemberKey.self)
            var members: [JSONObject.Member] = []
            for key in o.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                members.append(
                    JSONObject.Member(key: key.stringValue, value: try o.decode(JSONValue.self, forKey: key)))
            }
            self = .object(JSONObject(members))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if case .object(let object) = self {
            var c = encoder.container(keyedBy: MemberKey.self)
            for m in object.members { try c.encode(m.value, forKey: MemberKey(stringValue: m.key)) }
            return
        }
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try Self.encodeNumber(n, to: &c)
        case .string(let s): try c.encode(s.string)
        case .array(let a): try c.encode(a)
        case .object: break  // encoded above, with a keyed container
        }
    }

    /// A number from a decoder, read as exactly as the decoder allows; nil when not a number.
    private static func decodeNumber(_ c: any SingleValueDecodingContainer) -> JSONNumber? {
        if let i = try? c.decode(Int64.self) { return JSONNumber(Int(i)) }
        if let d = try? c.decode(Decimal.self), d.isFinite, let n = JSONNumber(text: d.description) {
            return n
        }
        if let d = try? c.decode(Double.self) { return JSONNumber(d) }
        return nil
    }

    /// Encodes a number as `Int64` when its text is an integer that fits, else as `Decimal`
    /// when its text reads as one, else as `Double`.
    private static func encodeNumber(_ n: JSONNumber, to c: inout any SingleValueEncodingContainer) throws {
        let text = n.text
        if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), text != "-0", let i = Int64(text) {
            try c.encode(i)
        } else if text != "-0", let d = Decimal(string: text), d.isFinite {
            try c.encode(d)
        } else {
            try c.encode(n.double)
        }
    }

    /// An object member's key, for keyed containers.
    private struct MemberKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
