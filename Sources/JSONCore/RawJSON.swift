import Foundation

/// JSON read in place: a validator that builds nothing, and views that find members and
/// elements by scanning bytes, for checking large NDJSON files without a tree per record.
///
/// A view points into a buffer it does not own: use it only while that buffer is alive.
public struct RawJSONValue {
    let base: UnsafePointer<UInt8>
    /// Offsets of the value's first byte and one past its last, in the buffer.
    let start: Int
    let end: Int

    /// The whole of `buffer` as one value (surrounding whitespace trimmed).
    public init?(_ buffer: UnsafeRawBufferPointer) {
        guard let p = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var s = 0
        var e = buffer.count
        while s < e, Scan.isSpace(p[s]) { s += 1 }
        while e > s, Scan.isSpace(p[e - 1]) { e -= 1 }
        guard s < e else { return nil }
        self.init(base: p, start: s, end: e)
    }

    init(base: UnsafePointer<UInt8>, start: Int, end: Int) {
        self.base = base
        self.start = start
        self.end = end
    }

    /// The value's members when it is an object (nil when it is not, or is malformed).
    public var objectValue: RawJSONObject? {
        guard base[start] == UInt8(ascii: "{") else { return nil }
        var scan = Scan(base: base, end: end, index: start + 1)
        var members: [RawJSONObject.Member] = []
        var escapedKeys = false
        scan.skipSpace()
        if scan.peek == UInt8(ascii: "}") { return RawJSONObject(base: base, members: members, escapedKeys: false) }
        while true {
            scan.skipSpace()
            scan.sawEscape = false
            guard scan.peek == UInt8(ascii: "\""), let afterKey = scan.skipString() else { return nil }
            let keyStart = scan.lastStringStart
            escapedKeys = escapedKeys || scan.sawEscape
            scan.skipSpace()
            guard scan.peek == UInt8(ascii: ":") else { return nil }
            scan.index += 1
            scan.skipSpace()
            let valueStart = scan.index
            guard scan.skipValue() else { return nil }
            members.append(
                RawJSONObject.Member(
                    keyStart: keyStart, keyEnd: afterKey - 1,
                    value: RawJSONValue(base: base, start: valueStart, end: scan.index)))
            scan.skipSpace()
            switch scan.peek {
            case UInt8(ascii: ","): scan.index += 1
            case UInt8(ascii: "}"): return RawJSONObject(base: base, members: members, escapedKeys: escapedKeys)
            default: return nil
            }
        }
    }

    /// The value's elements when it is an array (nil when it is not, or is malformed).
    public var arrayValue: [RawJSONValue]? {
        guard base[start] == UInt8(ascii: "[") else { return nil }
        var scan = Scan(base: base, end: end, index: start + 1)
        var out: [RawJSONValue] = []
        scan.skipSpace()
        if scan.peek == UInt8(ascii: "]") { return out }
        while true {
            scan.skipSpace()
            let s = scan.index
            guard scan.skipValue() else { return nil }
            out.append(RawJSONValue(base: base, start: s, end: scan.index))
            scan.skipSpace()
            switch scan.peek {
            case UInt8(ascii: ","): scan.index += 1
            case UInt8(ascii: "]"): return out
            default: return nil
            }
        }
    }

    /// The decoded string when the value is a string.
    public var stringValue: String? {
        guard base[start] == UInt8(ascii: "\""), end - start >= 2 else { return nil }
        let inner = UnsafeBufferPointer(start: base + start + 1, count: end - start - 2)
        if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
        return try? JSONValue.parse(UnsafeBufferPointer(start: base + start, count: end - start)).stringValue
    }

    /// The value as a tree.
    public func parsed() throws(JSONParseError) -> JSONValue {
        try JSONValue.parse(UnsafeBufferPointer(start: base + start, count: end - start))
    }
}

/// An object's members, found by one scan; looking a key up compares bytes.
public struct RawJSONObject {
    struct Member {
        var keyStart: Int
        var keyEnd: Int
        var value: RawJSONValue
    }

    let base: UnsafePointer<UInt8>
    let members: [Member]
    /// Whether any key is written with escapes (then a failed byte match also compares decoded).
    let escapedKeys: Bool

    init(base: UnsafePointer<UInt8>, members: [Member], escapedKeys: Bool) {
        self.base = base
        self.members = members
        self.escapedKeys = escapedKeys
    }

    /// The value of the first member named `key`.
    public subscript(key: String) -> RawJSONValue? {
        var key = key
        return key.withUTF8 { want in
            for m in members where m.keyEnd - m.keyStart == want.count {
                if memcmp(base + m.keyStart, want.baseAddress!, want.count) == 0 { return m.value }
            }
            // A key written with escapes: compare decoded.
            guard escapedKeys else { return nil }
            for m in members where (m.keyStart..<m.keyEnd).contains(where: { base[$0] == UInt8(ascii: "\\") }) {
                let raw = RawJSONValue(base: base, start: m.keyStart - 1, end: m.keyEnd + 1)
                if raw.stringValue == String(decoding: want, as: UTF8.self) { return m.value }
            }
            return nil
        }
    }
}

/// JSON syntax checks without building values.
public enum JSONValidator {
    /// Checks that `buffer` holds exactly one valid JSON value (RFC 8259: strings with valid
    /// escapes, no control characters and valid UTF-8; numbers; literals; nesting up to 512) and
    /// answers its members when it is an object, found in the same scan.
    @discardableResult
    public static func validate(_ buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> RawJSONObject? {
        guard let p = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw JSONParseError(offset: 0, reason: "empty input")
        }
        var scan = Scan(base: p, end: buffer.count, index: 0)
        scan.skipSpace()
        var members: [RawJSONObject.Member]? = scan.peek == UInt8(ascii: "{") ? [] : nil
        try scan.validateValue(depth: 0, members: &members)
        scan.skipSpace()
        guard scan.index == buffer.count else { throw scan.fail("unexpected data after the value") }
        let escaped = scan.escapedRootKey
        return members.map { RawJSONObject(base: p, members: $0, escapedKeys: escaped) }
    }
}

/// A cursor over bytes; every read is bounds-checked against `end`.
struct Scan {
    let base: UnsafePointer<UInt8>
    let end: Int
    var index: Int
    /// Where the last string scanned by `skipString` started (after its quote).
    var lastStringStart = 0
    /// Whether any string scanned since this was last cleared held an escape.
    var sawEscape = false
    /// Whether a key of the object whose members are collected held an escape.
    var escapedRootKey = false
    static let maxDepth = 512

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    @inline(__always) var peek: UInt8 { index < end ? base[index] : 0 }

    func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

    @inline(__always) mutating func skipSpace() {
        while index < end, Self.isSpace(base[index]) { index += 1 }
    }

    /// Skips a string starting at its quote; answers the offset after the closing quote.
    mutating func skipString() -> Int? {
        index += 1
        lastStringStart = index
        while index < end {
            let b = base[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                return index
            }
            if b == UInt8(ascii: "\\") {
                sawEscape = true
                index += 2
            } else {
                index += 1
            }
        }
        return nil
    }

    /// Skips any value without checking it closely (the validator does that); false when the
    /// bytes end first.
    mutating func skipValue() -> Bool {
        guard index < end else { return false }
        switch base[index] {
        case UInt8(ascii: "\""): return skipString() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < end {
                let b = base[index]
                if b == UInt8(ascii: "\"") {
                    guard skipString() != nil else { return false }
                    continue
                }
                if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                    depth += 1
                } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                }
                index += 1
            }
            return false
        default:
            while index < end {
                let b = base[index]
                if b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || Self.isSpace(b) {
                    break
                }
                index += 1
            }
            return true
        }
    }

    mutating func validateValue(depth: Int, members: inout [RawJSONObject.Member]?) throws(JSONParseError) {
        guard index < end else { throw fail("unexpected end of input") }
        switch base[index] {
        case UInt8(ascii: "{"): try validateObject(depth: depth + 1, members: &members)
        case UInt8(ascii: "["): try validateArray(depth: depth + 1)
        case UInt8(ascii: "\""): try validateString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try validateNumber()
        default: throw fail("unexpected character")
        }
    }

    mutating func literal(_ text: StaticString) throws(JSONParseError) {
        let n = text.utf8CodeUnitCount
        guard index + n <= end, memcmp(base + index, text.utf8Start, n) == 0 else { throw fail("invalid literal") }
        index += n
    }

    mutating func validateObject(depth: Int, members: inout [RawJSONObject.Member]?) throws(JSONParseError) {
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        index += 1
        skipSpace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return
        }
        var nested: [RawJSONObject.Member]? = nil
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let keyStart = index + 1
            sawEscape = false
            try validateString()
            if members != nil, sawEscape { escapedRootKey = true }
            let keyEnd = index - 1
            skipSpace()
            guard peek == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipSpace()
            let valueStart = index
            try validateValue(depth: depth, members: &nested)
            members?.append(
                RawJSONObject.Member(
                    keyStart: keyStart, keyEnd: keyEnd, value: RawJSONValue(base: base, start: valueStart, end: index)))
            skipSpace()
            guard index < end else { throw fail("unterminated object") }
            if base[index] == UInt8(ascii: ",") {
                index += 1
            } else if base[index] == UInt8(ascii: "}") {
                index += 1
                return
            } else {
                throw fail("expected ',' or '}'")
            }
        }
    }

    mutating func validateArray(depth: Int) throws(JSONParseError) {
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        index += 1
        skipSpace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return
        }
        var nested: [RawJSONObject.Member]? = nil
        while true {
            skipSpace()
            try validateValue(depth: depth, members: &nested)
            skipSpace()
            guard index < end else { throw fail("unterminated array") }
            if base[index] == UInt8(ascii: ",") {
                index += 1
            } else if base[index] == UInt8(ascii: "]") {
                index += 1
                return
            } else {
                throw fail("expected ',' or ']'")
            }
        }
    }

    mutating func validateString() throws(JSONParseError) {
        index += 1
        let start = index
        var ascii = true
        while index < end {
            let b = base[index]
            if b == UInt8(ascii: "\"") {
                if !ascii,
                    String(validating: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
                        == nil
                {
                    throw JSONParseError(offset: start, reason: "invalid UTF-8 in string")
                }
                index += 1
                return
            }
            if b < 0x20 { throw fail("control character in string") }
            if b >= 0x80 { ascii = false }
            if b == UInt8(ascii: "\\") {
                sawEscape = true
                index += 1
                guard index < end else { break }
                switch base[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    guard index + 4 < end else { throw fail("short \\u escape") }
                    for i in 1...4 where !base[index + i].isHexDigit { throw fail("bad hex digit") }
                    index += 5
                default: throw fail("invalid escape")
                }
                continue
            }
            index += 1
        }
        throw fail("unterminated string")
    }

    mutating func validateNumber() throws(JSONParseError) {
        if peek == UInt8(ascii: "-") { index += 1 }
        let first = index
        let intDigits = digits()
        if intDigits == 0 { throw fail("expected digits") }
        if intDigits > 1, base[first] == UInt8(ascii: "0") { throw fail("leading zero") }
        if peek == UInt8(ascii: ".") {
            index += 1
            if digits() == 0 { throw fail("expected fraction digits") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            if digits() == 0 { throw fail("expected exponent digits") }
        }
    }

    @inline(__always) mutating func digits() -> Int {
        let s = index
        while index < end, base[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        return index - s
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
