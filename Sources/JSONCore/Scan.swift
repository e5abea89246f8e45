import Foundation

/// JSONCore's lexer and validator: a cursor over bytes that checks the JSON grammar (RFC 8259)
/// without building values. Every read is bounds-checked against `end`.
///
/// It holds the grammar once: the tokens (`validateString`, `validateNumber`, `literal`,
/// `skipSpace`) and the steps of objects and arrays (`enterObject`, `validateKey`,
/// `endOfMember`, `enterArray`, `endOfElement`, with the nesting limit) serve both the
/// validator (`validateValue`, which builds nothing) and the tree parser (`JSONParser`, which
/// builds values from the same tokens). Only the two recursive walks exist twice, because one
/// must not build values and the other exists to. The quick skips (`skipString`, `skipValue`)
/// trust the bytes and serve the in-place views (`RawJSONValue`), which step through objects
/// and arrays with the same shared steps.
struct Scan {
    let base: UnsafePointer<UInt8>
    let end: Int
    var index: Int
    static let maxDepth = 512

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    @inline(__always) var peek: UInt8 { index < end ? base[index] : 0 }

    func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

    @inline(__always) mutating func skipSpace() {
        while index < end, Self.isSpace(base[index]) { index += 1 }
    }

    /// Skips a string starting at its quote and passes its closing quote; false when the bytes
    /// end first.
    mutating func skipString() -> Bool {
        index += 1
        while index < end {
            let b = base[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                return true
            }
            index += b == UInt8(ascii: "\\") ? 2 : 1
        }
        return false
    }

    /// Skips any value without checking it closely (the validator does that); false when the
    /// bytes end first.
    mutating func skipValue() -> Bool {
        guard index < end else { return false }
        switch base[index] {
        case UInt8(ascii: "\""): return skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < end {
                let b = base[index]
                if b == UInt8(ascii: "\"") {
                    guard skipString() else { return false }
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

    /// Checks any value starting at its first byte; `depth` counts the arrays and objects
    /// around it. Collects an object's members into `members` when that is not nil.
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

    /// Passes `true`, `false` or `null`.
    mutating func literal(_ text: StaticString) throws(JSONParseError) {
        let n = text.utf8CodeUnitCount
        guard index + n <= end, memcmp(base + index, text.utf8Start, n) == 0 else { throw fail("invalid literal") }
        index += n
    }

    /// Checks an object starting at its `{`, collecting its members into `members` when that
    /// is not nil (nested objects' members are not collected).
    mutating func validateObject(depth: Int, members: inout [RawJSONObject.Member]?) throws(JSONParseError) {
        guard try enterObject(depth: depth) else { return }
        var nested: [RawJSONObject.Member]? = nil
        repeat {
            let key = try validateKey()
            let valueStart = index
            try validateValue(depth: depth, members: &nested)
            members?.append(
                RawJSONObject.Member(
                    key: key.range, keyIsEscaped: key.escaped,
                    value: RawJSONValue(base: base, start: valueStart, end: index)))
        } while try !endOfMember()
    }

    /// Checks an array starting at its `[`.
    mutating func validateArray(depth: Int) throws(JSONParseError) {
        guard try enterArray(depth: depth) else { return }
        var nested: [RawJSONObject.Member]? = nil
        repeat {
            skipSpace()
            try validateValue(depth: depth, members: &nested)
        } while try !endOfElement()
    }

    /// Checks a top-level array (spaces allowed before it), calling `body` with each element's
    /// range and, for an object, its members.
    mutating func validateElements(
        ofArray body: (Range<Int>, RawJSONObject?) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        skipSpace()
        guard peek == UInt8(ascii: "[") else { throw fail("expected a JSON array") }
        guard try enterArray(depth: 1) else { return }
        repeat {
            skipSpace()
            let start = index
            var members: [RawJSONObject.Member]? = peek == UInt8(ascii: "{") ? [] : nil
            try validateValue(depth: 1, members: &members)
            try body(start..<index, members.map { RawJSONObject(base: base, members: $0) })
        } while try !endOfElement()
    }

    // The steps of objects and arrays, shared by the validator's walk and the tree parser's.

    /// Passes an object's `{` (checking the nesting limit); false when the object is `{}`,
    /// which is passed whole.
    mutating func enterObject(depth: Int) throws(JSONParseError) -> Bool {
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        index += 1
        skipSpace()
        guard peek == UInt8(ascii: "}") else { return true }
        index += 1
        return false
    }

    /// Passes an array's `[` (checking the nesting limit); false when the array is `[]`, which
    /// is passed whole.
    mutating func enterArray(depth: Int) throws(JSONParseError) -> Bool {
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        index += 1
        skipSpace()
        guard peek == UInt8(ascii: "]") else { return true }
        index += 1
        return false
    }

    /// Checks a member's key and passes the `:` after it and the spaces around; answers the
    /// key's range between its quotes and whether it holds escapes.
    mutating func validateKey() throws(JSONParseError) -> (range: Range<Int>, escaped: Bool) {
        skipSpace()
        guard peek == UInt8(ascii: "\"") else { throw fail("expected a key") }
        let start = index + 1
        let escaped = try validateString()
        let keyEnd = index - 1
        skipSpace()
        guard peek == UInt8(ascii: ":") else { throw fail("expected ':'") }
        index += 1
        skipSpace()
        return (start..<keyEnd, escaped)
    }

    /// Passes the `,` or `}` after an object's member (and the spaces before it); true at `}`.
    mutating func endOfMember() throws(JSONParseError) -> Bool {
        skipSpace()
        guard index < end else { throw fail("unterminated object") }
        switch base[index] {
        case UInt8(ascii: ","):
            index += 1
            return false
        case UInt8(ascii: "}"):
            index += 1
            return true
        default: throw fail("expected ',' or '}'")
        }
    }

    /// Passes the `,` or `]` after an array's element (and the spaces before it); true at `]`.
    mutating func endOfElement() throws(JSONParseError) -> Bool {
        skipSpace()
        guard index < end else { throw fail("unterminated array") }
        switch base[index] {
        case UInt8(ascii: ","):
            index += 1
            return false
        case UInt8(ascii: "]"):
            index += 1
            return true
        default: throw fail("expected ',' or ']'")
        }
    }

    /// Checks a string starting at its quote (escapes, control characters, UTF-8) and passes
    /// its closing quote; answers whether it holds an escape.
    @discardableResult
    mutating func validateString() throws(JSONParseError) -> Bool {
        index += 1
        let start = index
        var ascii = true
        var escaped = false
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
                return escaped
            }
            if b < 0x20 { throw fail("control character in string") }
            if b >= 0x80 { ascii = false }
            if b == UInt8(ascii: "\\") {
                escaped = true
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

    /// Checks a number starting at its first byte (`-` or a digit); answers whether it is an
    /// integer (no fraction, no exponent).
    @discardableResult
    mutating func validateNumber() throws(JSONParseError) -> Bool {
        if peek == UInt8(ascii: "-") { index += 1 }
        let first = index
        let intDigits = digits()
        if intDigits == 0 { throw fail("expected digits") }
        if intDigits > 1, base[first] == UInt8(ascii: "0") { throw fail("leading zero") }
        var isInteger = true
        if peek == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            if digits() == 0 { throw fail("expected fraction digits") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            if digits() == 0 { throw fail("expected exponent digits") }
        }
        return isInteger
    }

    /// Passes a run of decimal digits; answers how many.
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
