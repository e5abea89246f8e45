/// A JSON string: its decoded value, and the escaped text it was written with when that text is
/// not what the writer would produce (`"\u00e9"`, `"\/"`, `"\ud83d\ude00"`), so that it is
/// written again exactly as read.
///
/// Strings compare, hash and order by decoded value: `"caf\u00e9" == "café"`. A lone surrogate
/// escape such as `"\ud800"` (allowed by RFC 8259's grammar) decodes to U+FFFD, which a Swift
/// `String` holds instead; its written text is kept, so the bytes survive a round trip.
public struct JSONString: Sendable {
    private let storage: Storage

    /// Most strings are only their decoded value; the rare escaped text is kept out of line, so
    /// a `JSONValue` is no larger than with a plain `String`.
    private enum Storage: Sendable {
        case canonical(String)
        case escaped(Escaped)
    }

    /// A decoded value and the text between the quotes as it was read.
    private final class Escaped: Sendable {
        let decoded: String
        let written: String
        init(decoded: String, written: String) {
            self.decoded = decoded
            self.written = written
        }
    }

    /// A string made in code, written with the writer's escapes.
    public init(_ string: String) { storage = .canonical(string) }

    /// The decoded string.
    public var string: String {
        switch storage {
        case .canonical(let s): return s
        case .escaped(let e): return e.decoded
        }
    }

    /// The text between the quotes as read, when it differs from the writer's escapes.
    var writtenText: String? {
        if case .escaped(let e) = storage { return e.written }
        return nil
    }

    /// Decodes the text between a string's quotes, which `Scan.validateString` has accepted
    /// (so every escape is complete and well formed), keeping that text when the writer would
    /// escape the decoded string differently.
    init(decodingValidated inner: UnsafeBufferPointer<UInt8>) {
        var out: [UInt8] = []
        out.reserveCapacity(inner.count)
        var isCanonical = true
        var i = 0
        while i < inner.count {
            let b = inner[i]
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            let escape = inner[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "/"):
                out.append(0x2F)
                isCanonical = false
            case UInt8(ascii: "b"):
                out.append(0x08)
                isCanonical = false
            case UInt8(ascii: "f"):
                out.append(0x0C)
                isCanonical = false
            default:  // "u" and four hex digits
                var scalar = Self.hex4(inner, at: i)
                isCanonical = isCanonical && Self.isWritersEscape(inner, at: i, of: scalar)
                i += 4
                if (0xD800...0xDBFF).contains(scalar), i + 6 <= inner.count, inner[i] == UInt8(ascii: "\\"),
                    inner[i + 1] == UInt8(ascii: "u")
                {
                    let low = Self.hex4(inner, at: i + 2)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}") { out.append($0) }
            }
        }
        let decoded = String(decoding: out, as: UTF8.self)
        storage =
            isCanonical
            ? .canonical(decoded) : .escaped(Escaped(decoded: decoded, written: String(decoding: inner, as: UTF8.self)))
    }

    /// The value of the four hex digits at `i`.
    private static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt32 {
        var value: UInt32 = 0
        for b in bytes[i..<(i + 4)] {
            let digit = b <= UInt8(ascii: "9") ? b &- UInt8(ascii: "0") : (b | 0x20) &- UInt8(ascii: "a") &+ 10
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Whether the `\u` escape whose digits start at `i` is the one `write(to:)` produces.
    private static func isWritersEscape(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, of scalar: UInt32) -> Bool {
        guard scalar < 0x20, scalar != 0x0A, scalar != 0x0D, scalar != 0x09 else { return false }
        return bytes[i] == UInt8(ascii: "0") && bytes[i + 1] == UInt8(ascii: "0")
            && bytes[i + 2] == hexDigits[Int(scalar >> 4)] && bytes[i + 3] == hexDigits[Int(scalar & 0xF)]
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends the string with its quotes: the text as read when kept, otherwise the writer's
    /// escapes (`\"`, `\\`, `\n`, `\r`, `\t`, `\u00XX` for other control characters, nothing
    /// else escaped).
    func write(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        switch storage {
        case .escaped(let e): out.append(contentsOf: e.written.utf8)
        case .canonical(let s):
            for b in s.utf8 {
                switch b {
                case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0..<0x20:
                    out.append(contentsOf: [
                        0x5C, UInt8(ascii: "u"), 0x30, 0x30, Self.hexDigits[Int(b >> 4)], Self.hexDigits[Int(b & 0xF)],
                    ])
                default: out.append(b)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONString: Hashable, Comparable {
    /// Equal when the decoded strings are equal.
    public static func == (lhs: JSONString, rhs: JSONString) -> Bool {
        lhs.string == rhs.string
    }

    /// Ordered as the decoded strings are.
    public static func < (lhs: JSONString, rhs: JSONString) -> Bool { lhs.string < rhs.string }

    public func hash(into hasher: inout Hasher) { hasher.combine(string) }
}

extension JSONString: ExpressibleByStringLiteral, CustomStringConvertible {
    public init(stringLiteral value: String) { self.init(value) }

    /// The decoded string.
    public var description: String { string }
}
