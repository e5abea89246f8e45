import Foundation

/// One line of `files/index.ndjson` (format version 2): a binary entry and its checksum.
public struct BinaryIndexEntry: Codable, Sendable, Equatable {
    /// The `_id` of the `files` record the binary belongs to.
    public var fileId: String
    /// The binary's entry, `files/<fileId>`.
    public var path: String
    public var bytes: Int
    /// Lowercase hex SHA-256 of the binary.
    public var sha256: String

    public init(fileId: String, bytes: Int, sha256: String) {
        self.fileId = fileId
        path = Manifest.binaryPath(fileID: fileId)
        self.bytes = bytes
        self.sha256 = sha256
    }

    /// The line's bytes, without the newline (sorted keys, so equal entries are equal bytes).
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// Decodes one line.
    public static func decode(_ line: [UInt8]) throws -> BinaryIndexEntry {
        try JSONDecoder().decode(BinaryIndexEntry.self, from: Data(line))
    }
}
