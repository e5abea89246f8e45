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
