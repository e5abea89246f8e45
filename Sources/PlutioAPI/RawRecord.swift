import JSONCore

/// One record exactly as the server sent it, with its `_id`.
public struct RawRecord: Sendable, Hashable {
    /// The record's bytes, unchanged.
    public let bytes: [UInt8]
    /// The record's `_id`.
    public let id: String

    public init(bytes: [UInt8], id: String) {
        self.bytes = bytes
        self.id = id
    }

    /// The parsed record, for reading fields (never for writing it out again).
    public func parsed() throws -> JSONValue { try JSONValue.parse(bytes) }
}

/// A byte-level scanner for list answers: splits a top-level JSON array into its elements and
/// reads top-level string fields, without building or re-serialising values.
public enum RawJSON {
    /// A list answer that is not an array of objects with `_id`.
    public struct Malformed: Error, Sendable, Equatable {
        public var offset: Int
        public var reason: String
    }

    /// The elements of a top-level array, as records with their `_id`.
    public static func records(in body: [UInt8]) throws(Malformed) -> [RawRecord] {
        var scanner = Scanner(bytes: body)
        scanner.skipWhitespace()
        guard scanner.peek == UInt8(ascii: "[") else {
            throw Malformed(offset: scanner.index, reason: "expected a JSON array")
        }
        scanner.index += 1
        var out: [RawRecord] = []
        scanner.skipWhitespace()
        if scanner.peek == UInt8(ascii: "]") {
            scanner.index += 1
        } else {
            while true {
                scanner.skipWhitespace()
                let start = scanner.index
                guard scanner.peek == UInt8(ascii: "{") else {
                    throw Malformed(offset: start, reason: "expected a record object")
                }
                try scanner.skipValue()
                let slice = Array(body[start..<scanner.index])
                guard let id = try topLevelString("_id", in: slice) else {
                    throw Malformed(offset: start, reason: "a record has no string _id")
                }
                out.append(RawRecord(bytes: slice, id: id))
                scanner.skipWhitespace()
                if scanner.peek == UInt8(ascii: ",") {
                    scanner.index += 1
                } else if scanner.peek == UInt8(ascii: "]") {
                    scanner.index += 1
                    break
                } else {
                    throw Malformed(offset: scanner.index, reason: "expected ',' or ']'")
                }
            }
        }
        scanner.skipWhitespace()
        guard scanner.index == body.count else {
            throw Malformed(offset: scanner.index, reason: "data after the array")
        }
        return out
    }

    /// The string value of a top-level key of an object, or nil when absent or not a string.
    public static func topLevelString(_ key: String, in object: [UInt8]) throws(Malformed) -> String? {
        var scanner = Scanner(bytes: object)
        scanner.skipWhitespace()
        guard scanner.peek == UInt8(ascii: "{") else {
            throw Malformed(offset: scanner.index, reason: "expected an object")
        }
        scanner.index += 1
        let wanted = Array(key.utf8)
        while true {
            scanner.skipWhitespace()
            if scanner.peek == UInt8(ascii: "}") { return nil }
            guard scanner.peek == UInt8(ascii: "\"") else {
                throw Malformed(offset: scanner.index, reason: "expected a key")
            }
            let keyStart = scanner.index
            try scanner.skipString()
            let keyBytes = object[(keyStart + 1)..<(scanner.index - 1)]
            scanner.skipWhitespace()
            guard scanner.peek == UInt8(ascii: ":") else {
                throw Malformed(offset: scanner.index, reason: "expected ':'")
            }
            scanner.index += 1
            scanner.skipWhitespace()
            let valueStart = scanner.index
            try scanner.skipValue()
            if keyBytes.elementsEqual(wanted)
                || (keyBytes.contains(UInt8(ascii: "\\"))
                    && decodedKey(object[keyStart..<(keyStart + keyBytes.count + 2)]) == key)
            {
                guard object[valueStart] == UInt8(ascii: "\"") else { return nil }
                return (try? JSONValue.parse(object[valueStart..<scanner.index]))?.stringValue
            }
            scanner.skipWhitespace()
            if scanner.peek == UInt8(ascii: ",") {
                scanner.index += 1
            } else if scanner.peek == UInt8(ascii: "}") {
                return nil
            } else {
                throw Malformed(offset: scanner.index, reason: "expected ',' or '}'")
            }
        }
    }

    static func decodedKey(_ quoted: ArraySlice<UInt8>) -> String? { (try? JSONValue.parse(quoted))?.stringValue }

    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }

        mutating func skipString() throws(Malformed) {
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    index += 1
                    return
                default: index += 1
                }
            }
            throw Malformed(offset: index, reason: "unterminated string")
        }

        /// Skips one value of any kind, checking only the structure needed to find its end.
        mutating func skipValue() throws(Malformed) {
            guard let first = peek else { throw Malformed(offset: index, reason: "unexpected end") }
            switch first {
            case UInt8(ascii: "\""): try skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        try skipString()
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            index += 1
                            return
                        }
                    default: break
                    }
                    index += 1
                }
                throw Malformed(offset: index, reason: "unterminated value")
            default:
                let start = index
                while index < bytes.count,
                    ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09].contains(
                        bytes[index])
                {
                    index += 1
                }
                if index == start { throw Malformed(offset: index, reason: "expected a value") }
            }
        }
    }
}
