/// A JSON object that keeps its members in insertion order.
///
/// Lookup is linear: records have tens of keys, where a scan beats hashing. A parsed object
/// keeps its keys' escapes as written; when a text repeats a key, the last value wins, in the
/// first one's place (so such a text is not written back byte for byte).
public struct JSONObject: Sendable, Hashable, Sequence {
    /// One key and its value.
    public struct Member: Sendable, Hashable {
        /// The key, with the escapes it was read with.
        var name: JSONString
        public var value: JSONValue

        /// The decoded key.
        public var key: String { name.string }

        public init(key: String, value: JSONValue) {
            self.init(name: JSONString(key), value: value)
        }

        init(name: JSONString, value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    /// The members in order.
    public private(set) var members: [Member]

    /// Creates an object from members; a later duplicate key replaces the earlier value.
    public init(_ members: [Member] = []) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for m in members {
            if let i = self.members.firstIndex(where: { $0.name == m.name }) {
                self.members[i].value = m.value
            } else {
                self.members.append(m)
            }
        }
    }

    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// The number of members.
    public var count: Int { members.count }

    /// The value for `key`; setting nil removes the member, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get {
            for m in members where m.key == key { return m.value }
            return nil
        }
        set {
            if let i = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    /// Order-insensitive equality, as JSON defines it.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for m in lhs.members where rhs[m.key] != m.value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        var sum = 0
        for m in members {
            var h = Hasher()
            h.combine(m.key)
            h.combine(m.value)
            sum = sum &+ h.finalize()
        }
        hasher.combine(sum)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object with the literal's members in the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { Member(key: $0.0, value: $0.1) })
    }
}
