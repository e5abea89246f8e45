import Foundation

/// An `Encoder` that writes nothing and records, for each keyed container in the order they are
/// made, the keys encoded into it in call order: Foundation's encoders all reorder keys, so only
/// an encoder like this one can show the order `JSONValue.encode(to:)` uses.
final class KeyOrderEncoder: Encoder {
    /// The keys of each keyed container, in the order the containers were made.
    private(set) var containers: [[String]] = []
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Encodes `value` and answers the recorded keys.
    static func keys(of value: some Encodable) throws -> [[String]] {
        let encoder = KeyOrderEncoder()
        try value.encode(to: encoder)
        return encoder.containers
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        containers.append([])
        return KeyedEncodingContainer(Keyed(encoder: self, slot: containers.count - 1))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { Unkeyed(encoder: self) }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(encoder: self) }

    /// Records keys into one slot of `containers`; values are encoded only to find nested
    /// containers.
    private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: KeyOrderEncoder
        let slot: Int
        var codingPath: [any CodingKey] { [] }

        private func record(_ key: Key) { encoder.containers[slot].append(key.stringValue) }

        mutating func encodeNil(forKey key: Key) throws { record(key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: String, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { record(key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { record(key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            record(key)
            try value.encode(to: encoder)
        }
        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            record(key)
            return encoder.container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            record(key)
            return encoder.unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { encoder }
        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
    }

    /// Passes elements on, to find the keyed containers inside them.
    private struct Unkeyed: UnkeyedEncodingContainer {
        let encoder: KeyOrderEncoder
        var codingPath: [any CodingKey] { [] }
        var count = 0

        mutating func encodeNil() throws { count += 1 }
        mutating func encode<T: Encodable>(_ value: T) throws {
            count += 1
            try value.encode(to: encoder)
        }
        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type
        ) -> KeyedEncodingContainer<NestedKey> {
            count += 1
            return encoder.container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            count += 1
            return encoder.unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { encoder }
    }

    /// Ignores scalars (a `Decimal` too, which would encode its parts with keys); passes other
    /// values on.
    private struct Single: SingleValueEncodingContainer {
        let encoder: KeyOrderEncoder
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws {}
        mutating func encode(_ value: Bool) throws {}
        mutating func encode(_ value: String) throws {}
        mutating func encode(_ value: Double) throws {}
        mutating func encode(_ value: Float) throws {}
        mutating func encode(_ value: Int) throws {}
        mutating func encode(_ value: Int8) throws {}
        mutating func encode(_ value: Int16) throws {}
        mutating func encode(_ value: Int32) throws {}
        mutating func encode(_ value: Int64) throws {}
        mutating func encode(_ value: UInt) throws {}
        mutating func encode(_ value: UInt8) throws {}
        mutating func encode(_ value: UInt16) throws {}
        mutating func encode(_ value: UInt32) throws {}
        mutating func encode(_ value: UInt64) throws {}
        mutating func encode<T: Encodable>(_ value: T) throws {
            if value is Decimal { return }
            try value.encode(to: encoder)
        }
    }
}
