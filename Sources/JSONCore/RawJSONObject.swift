import Foundation

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
