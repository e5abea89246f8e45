/// A JSON value read in place: a view that finds members and elements by scanning bytes (with
/// `Scan`'s quick skips, which trust the bytes), for reading large NDJSON files without a tree
/// per record. Check the bytes with `JSONValidator` first when they are not known to be valid.
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

    /// The value's members when it is an object (nil when it is not, or is malformed). Keys are
    /// checked; values are skipped quickly (they are checked when they are read).
    public var objectValue: RawJSONObject? {
        guard base[start] == UInt8(ascii: "{") else { return nil }
        var scan = Scan(base: base, end: end, index: start)
        var members: [RawJSONObject.Member] = []
        do {
            if try scan.enterObject(depth: 1) {
                repeat {
                    let key = try scan.validateKey()
                    let valueStart = scan.index
                    guard scan.skipValue() else { return nil }
                    members.append(
                        RawJSONObject.Member(
                            key: key.range, keyIsEscaped: key.escaped,
                            value: RawJSONValue(base: base, start: valueStart, end: scan.index)))
                } while try !scan.endOfMember()
            }
        } catch { return nil }
        return RawJSONObject(base: base, members: members)
    }

    /// The value's elements when it is an array (nil when it is not, or is malformed).
    public var arrayValue: [RawJSONValue]? {
        guard base[start] == UInt8(ascii: "[") else { return nil }
        var scan = Scan(base: base, end: end, index: start)
        var elements: [RawJSONValue] = []
        do {
            if try scan.enterArray(depth: 1) {
                repeat {
                    scan.skipSpace()
                    let elementStart = scan.index
                    guard scan.skipValue() else { return nil }
                    elements.append(RawJSONValue(base: base, start: elementStart, end: scan.index))
                } while try !scan.endOfElement()
            }
        } catch { return nil }
        return elements
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
