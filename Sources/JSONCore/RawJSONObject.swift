import Foundation

/// An object's members, found by one scan; looking a key up compares bytes.
public struct RawJSONObject {
    struct Member {
        /// The key's bytes between its quotes.
        var key: Range<Int>
        /// Whether the key is written with escapes (then a failed byte match compares decoded).
        var keyIsEscaped: Bool
        var value: RawJSONValue
    }

    let base: UnsafePointer<UInt8>
    let members: [Member]

    /// The value of the first member named `key`.
    public subscript(key: String) -> RawJSONValue? {
        var key = key
        return key.withUTF8 { want in
            for m in members where m.key.count == want.count {
                if memcmp(base + m.key.lowerBound, want.baseAddress!, want.count) == 0 { return m.value }
            }
            // A key written with escapes: compare decoded.
            for m in members where m.keyIsEscaped {
                let raw = RawJSONValue(base: base, start: m.key.lowerBound - 1, end: m.key.upperBound + 1)
                if raw.stringValue == String(decoding: want, as: UTF8.self) { return m.value }
            }
            return nil
        }
    }
}
