/// JSON syntax checks without building values: one value, the elements of an array (a list
/// answer split into records whose bytes are kept as they are), or one member of an object.
///
/// This is the same grammar as `JSONValue.parse`, over the same lexer (`Scan`); it stays apart
/// from the tree parser because it must not build values: checking a large file or splitting a
/// page of records makes no string, number or tree (members found are views into the bytes).
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
        return members.map { RawJSONObject(base: p, members: $0) }
    }

    /// Checks that `bytes` hold exactly one valid JSON array and calls `body` with each element
    /// in order: its range in `bytes` (no spaces around it) and, when it is an object, its
    /// members, found in the same scan.
    ///
    /// The members are views into `bytes` valid only during the call. A problem in the array or
    /// in any element, or an error `body` throws, stops the walk; elements before it have been
    /// passed to `body`.
    public static func forEachElement(
        ofArray bytes: [UInt8],
        _ body: (_ element: Range<Int>, _ members: RawJSONObject?) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in
                guard let p = buffer.baseAddress, !buffer.isEmpty else {
                    throw JSONParseError(offset: 0, reason: "expected a JSON array, found no data")
                }
                var scan = Scan(base: p, end: buffer.count, index: 0)
                try scan.validateElements(ofArray: body)
                scan.skipSpace()
                guard scan.index == buffer.count else { throw scan.fail("unexpected data after the array") }
            }
        }
        try result.get()
    }

    /// Checks that `bytes` hold exactly one valid JSON object and answers its top-level member
    /// `key` when that is a string (nil when the object has no such member, or it is not a
    /// string); a nested member of the same name is not an answer.
    public static func stringMember(_ key: String, ofObject bytes: [UInt8]) throws(JSONParseError) -> String? {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) -> String? in
                guard let members = try validate(buffer) else {
                    let start = buffer.firstIndex { !Scan.isSpace($0) } ?? 0
                    throw JSONParseError(offset: start, reason: "expected a JSON object")
                }
                return members[key]?.stringValue
            }
        }
        return try result.get()
    }
}
