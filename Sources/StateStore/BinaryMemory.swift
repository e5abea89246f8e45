import Foundation
import GRDB

/// What an export downloaded per file record of a workspace: the record's binary as it was
/// (handle, size, `updatedAt`) and what the download gave (bytes, SHA-256). An export into a blob
/// store takes a binary whose record is unchanged from the store instead of downloading it.
public struct BinaryMemory: Sendable {
    let database: StateDatabase
    /// The workspace: API base and business.
    public let source: String

    public init(database: StateDatabase, source: String) {
        self.database = database
        self.source = source
    }

    /// A file record's binary as the record describes it. The URL stands in for the handle only
    /// when the record has none (real URLs may be signed and change on every read).
    public struct Fingerprint: Sendable, Equatable {
        public var handle: String
        public var size: Int?
        public var updatedAt: String?

        public init(handle: String, size: Int?, updatedAt: String?) {
            self.handle = handle
            self.size = size
            self.updatedAt = updatedAt
        }
    }

    /// What was downloaded for a fingerprint.
    public struct Downloaded: Sendable, Equatable {
        public var fingerprint: Fingerprint
        public var bytes: Int
        public var sha256: String

        public init(fingerprint: Fingerprint, bytes: Int, sha256: String) {
            self.fingerprint = fingerprint
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// What was last downloaded for a file record, if anything.
    public func downloaded(_ fileID: String) throws(StateError) -> Downloaded? {
        try database.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM binary_memory WHERE source = ? AND file_id = ?",
                    arguments: [source, fileID])
            else { return nil }
            return Downloaded(
                fingerprint: Fingerprint(handle: row["handle"], size: row["size"], updatedAt: row["updated_at"]),
                bytes: row["bytes"], sha256: row["sha256"])
        }
    }

    /// Remembers what a file record's binary was and what its download gave.
    public func remember(_ fileID: String, _ downloaded: Downloaded) throws(StateError) {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO binary_memory (source, file_id, handle, size, updated_at, bytes, sha256)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(source, file_id) DO UPDATE SET handle = excluded.handle, size = excluded.size,
                      updated_at = excluded.updated_at, bytes = excluded.bytes, sha256 = excluded.sha256
                    """,
                arguments: [
                    source, fileID, downloaded.fingerprint.handle, downloaded.fingerprint.size,
                    downloaded.fingerprint.updatedAt, downloaded.bytes, downloaded.sha256,
                ])
        }
    }
}
