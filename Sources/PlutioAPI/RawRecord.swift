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
/// whose bytes are kept as the server sent them, each checked and its `_id` read in the same
/// scan. Nothing is built or re-serialised.
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
            records.append(RawRecord(bytes: Array(body[range]), id: id))
        }
        return records
    }

    /// The string value of a top-level key of an object, or nil when absent or not a string;
    /// an error when the bytes are not one valid JSON object.
    public static func topLevelString(_ key: String, in object: [UInt8]) throws(Malformed) -> String? {
        try JSONValidator.stringMember(key, ofObject: object)
    }
}
