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

/// List answers read in place with JSONCore's validator: a top-level array split into records
/// whose bytes are kept as the server sent them (line breaks between tokens aside, which become
/// spaces), each checked and its `_id` read in the same scan. Nothing is built or re-serialised.
public enum RawJSON {
    /// A list answer that is not a valid JSON array of objects with a string `_id`: the byte
    /// offset of the problem and what it is.
    public typealias Malformed = JSONParseError

    /// The elements of a top-level array, as records with their `_id`; a malformed record is an
    /// error, not a record left out.
    public static func records(in body: [UInt8]) throws(Malformed) -> [RawRecord] {
        var records: [RawRecord] = []
        try JSONValidator.forEachElement(ofArray: body) { range, members throws(JSONParseError) in
            guard let members else {
                throw Malformed(offset: range.lowerBound, reason: "expected a record object")
            }
            guard let id = members["_id"]?.stringValue else {
                throw Malformed(offset: range.lowerBound, reason: "a record has no string _id")
            }
            records.append(RawRecord(bytes: oneLine(body[range]), id: id))
        }
        return records
    }

    /// A record's bytes on one line, as an NDJSON archive needs them: a valid record holds line
    /// breaks only as whitespace between tokens (inside strings they are escaped), and those become
    /// spaces. Nothing else changes, not even the length; a record without one is kept as is.
    static func oneLine(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out = Array(bytes)
        guard out.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return out }
        for i in out.indices where out[i] == 0x0A || out[i] == 0x0D { out[i] = 0x20 }
        return out
    }

    /// The string value of a top-level key of an object, or nil when absent or not a string;
    /// an error when the bytes are not one valid JSON object.
    public static func topLevelString(_ key: String, in object: [UInt8]) throws(Malformed) -> String? {
        try JSONValidator.stringMember(key, ofObject: object)
    }
}
