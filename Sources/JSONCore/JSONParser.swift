import Foundation

extension JSONValue {
    /// Parses one JSON value from UTF-8 bytes; surrounding whitespace is allowed, trailing data is not.
    public static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(JSONParseError) -> JSONValue {
        guard !bytes.isEmpty else { throw JSONParseError(offset: 0, reason: "unexpected end of input") }
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) -> JSONValue in
                var parser = JSONParser(buffer)
                return try parser.parseDocument()
            }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer throws(JSONParseError) -> JSONValue in
            var parser = JSONParser(buffer)
            return try parser.parseDocument()
        }
    }

    /// Parses one JSON value from a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// The tree parser: a recursive descent over a byte buffer that builds `JSONValue`s, each
/// number and string keeping the text it was read from.
///
/// It reads tokens with `Scan`, the validator's lexer, so both accept exactly one grammar; it
/// stays apart from the validator's walk (`Scan.validateValue`) because that walk must not
/// build values, while this one exists to build them.
struct JSONParser {
    var scan: Scan
    var depth = 0

    /// A parser at the start of `bytes`, which must not be empty.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        scan = Scan(base: bytes.baseAddress!, end: bytes.count, index: 0)
    }

    /// Parses one value with spaces around it and nothing else.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        scan.skipSpace()
        let value = try parseValue()
        scan.skipSpace()
        if scan.index != scan.end { throw scan.fail("unexpected data after the value") }
        return value
    }

    /// Parses any value starting at its first byte.
    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard scan.index < scan.end else { throw scan.fail("unexpected end of input") }
        switch scan.base[scan.index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try scan.literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try scan.literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try scan.literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw scan.fail("unexpected character")
        }
    }

    /// Parses an object starting at its `{`.
    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        guard try scan.enterObject(depth: depth) else { return .object(JSONObject()) }
        var members: [JSONObject.Member] = []
        repeat {
            let key = try scan.validateKey()
            let name = string(in: key.range, escaped: key.escaped)
            members.append(JSONObject.Member(name: name, value: try parseValue()))
        } while try !scan.endOfMember()
        return .object(JSONObject(members))
    }

    /// Parses an array starting at its `[`.
    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        guard try scan.enterArray(depth: depth) else { return .array([]) }
        var elements: [JSONValue] = []
        repeat {
            scan.skipSpace()
            elements.append(try parseValue())
        } while try !scan.endOfElement()
        return .array(elements)
    }

    /// Parses a string starting at its quote.
    mutating func parseString() throws(JSONParseError) -> JSONString {
        let start = scan.index + 1
        let escaped = try scan.validateString()
        return string(in: start..<(scan.index - 1), escaped: escaped)
    }

    /// The string whose text between the quotes is at `range`, just checked by the scan;
    /// `escaped`: whether it has escapes to decode.
    func string(in range: Range<Int>, escaped: Bool) -> JSONString {
        let inner = UnsafeBufferPointer(start: scan.base + range.lowerBound, count: range.count)
        if !escaped { return JSONString(String(decoding: inner, as: UTF8.self)) }
        return JSONString(decodingValidated: inner)
    }

    /// Parses a number starting at its first byte, keeping its text unless the writer would
    /// write the same text.
    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = scan.index
        let isInteger = try scan.validateNumber()
        let count = scan.index - start
        let negative = scan.base[start] == UInt8(ascii: "-")
        // Short integers (at most 15 characters, so exact in an Int and a Double) are read
        // directly, and written again the same by the writer, except `-0`.
        if isInteger, count <= 15 {
            var v = 0
            for i in (negative ? start + 1 : start)..<scan.index { v = v * 10 + Int(scan.base[i] &- UInt8(ascii: "0")) }
            if negative, v == 0 { return JSONNumber(text: "-0", double: -0.0) }
            return JSONNumber(negative ? -v : v)
        }
        let text = String(decoding: UnsafeBufferPointer(start: scan.base + start, count: count), as: UTF8.self)
        guard let double = Double(text) else { throw scan.fail("invalid number") }
        return JSONNumber(text: text, double: double)
    }
}
