import Foundation

/// One line of `files/index.ndjson` (format version 2 and 3): a binary, its checksum and where it
/// is: `path` names its entry in the archive, or (version 3) `blob` names it in the blob store.
public struct BinaryIndexEntry: Codable, Sendable, Equatable {
    /// The `_id` of the `files` record the binary belongs to.
    public var fileId: String
    /// The binary's entry in the archive, `files/<fileId>`; nil when it is in the store.
    public var path: String?
    /// Version 3: the blob's path in the store, `sha256/ab/<sha256>`; nil when in the archive.
    public var blob: String?
    public var bytes: Int
    /// Lowercase hex SHA-256 of the binary.
    public var sha256: String

    /// An entry for a binary inside the archive, or with `inStore` one in the blob store.
    public init(fileId: String, bytes: Int, sha256: String, inStore: Bool = false) {
        self.fileId = fileId
        path = inStore ? nil : Manifest.binaryPath(fileID: fileId)
        blob = inStore ? BlobStore.relativePath(of: sha256) : nil
        self.bytes = bytes
        self.sha256 = sha256
    }

    /// Whether the binary is in the blob store rather than the archive.
    public var isInStore: Bool { path == nil }

    /// The line's bytes, without the newline (sorted keys, so equal entries are equal bytes).
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// Decodes one line; an entry must say where its binary is, and a blob must be the one its
    /// digest names.
    public static func decode(_ line: [UInt8]) throws -> BinaryIndexEntry {
        let entry = try JSONDecoder().decode(BinaryIndexEntry.self, from: Data(line))
        guard BlobStore.isDigest(entry.sha256), entry.bytes >= 0 else {
            throw IndexLineError(reason: "file record \(entry.fileId) has no lowercase hex sha256 or a negative size")
        }
        switch (entry.path, entry.blob) {
        case (.some, nil): break
        case (nil, .some(let blob)) where BlobStore.digest(ofRelativePath: blob) == entry.sha256: break
        default:
            throw IndexLineError(
                reason: "file record \(entry.fileId) names neither an entry nor a blob of its sha256 (\(entry.sha256))")
        }
        return entry
    }

    /// A line of the index that says nothing usable.
    public struct IndexLineError: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }
}
