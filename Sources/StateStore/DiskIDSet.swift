import Basics
import Foundation
import GRDBSQLite
import Synchronization

/// An `IDSet` in a scratch SQLite file: memory stays at SQLite's page cache (1 MiB by default) however
/// many ids it holds.
///
/// The file is scratch and private: one exclusive lock for its life, no journal, no syncs; it is
/// removed when the set goes away, and a set is rebuilt from durable data (the staging journal,
/// the archive) rather than trusted after a crash. It talks to SQLite's C API directly (GRDB's
/// own SQLite build): a lookup is one bound statement step, several times cheaper than a GRDB
/// fetch, and the verifier makes one per reference. `add` buffers ids and writes them in one
/// transaction per batch.
public final class DiskIDSet: IDSet {
    public let url: URL
    private let connection: Mutex<Connection>
    static let batch = 4096

    /// The open database, its two statements and the buffered `add`s.
    struct Connection: ~Copyable {
        let db: OpaquePointer
        let insert: OpaquePointer
        let lookup: OpaquePointer
        var pending: [(String, Int)] = []

        deinit {
            sqlite3_finalize(insert)
            sqlite3_finalize(lookup)
            sqlite3_close_v2(db)
        }
    }

    /// Creates an empty set at `url`, replacing any file there.
    public init(url: URL, cacheKiB: Int = 1024) throws(StateError) {
        self.url = url
        try? FileManager.default.removeItem(at: url)
        // Owner-only, like the staging directory it lives in: it holds record ids.
        let file = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard file >= 0 else { throw StateError.unusable(path: url.path, reason: String(cString: strerror(errno))) }
        close(file)
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(url.path, &db, flags, nil) == SQLITE_OK, let db else {
            sqlite3_close_v2(db)
            throw StateError.unusable(path: url.path, reason: "cannot create a scratch database")
        }
        let setup = """
            PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            PRAGMA cache_size = -\(cacheKiB); PRAGMA temp_store = FILE;
            CREATE TABLE ids (space INTEGER, key TEXT, PRIMARY KEY (space, key)) WITHOUT ROWID;
            """
        var insert: OpaquePointer?
        var lookup: OpaquePointer?
        guard sqlite3_exec(db, setup, nil, nil, nil) == SQLITE_OK,
            sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO ids (space, key) VALUES (?, ?)", -1, &insert, nil)
                == SQLITE_OK,
            sqlite3_prepare_v2(db, "SELECT 1 FROM ids WHERE space = ? AND key = ?", -1, &lookup, nil) == SQLITE_OK,
            let insert, let lookup
        else {
            let reason = String(cString: sqlite3_errmsg(db))
            sqlite3_finalize(insert)
            sqlite3_finalize(lookup)
            sqlite3_close_v2(db)
            throw StateError.unusable(path: url.path, reason: reason)
        }
        connection = Mutex(Connection(db: db, insert: insert, lookup: lookup))
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public func insert(_ ids: [String], space: Int) throws -> [Bool] {
        try connection.withLock { c in
            try flush(&c)
            return try transaction(c) {
                try ids.map { id in
                    _ = try step(c.insert, id, space, in: c)
                    return sqlite3_changes(c.db) > 0
                }
            }
        }
    }

    public func add(_ id: String, space: Int) throws {
        try connection.withLock { c in
            c.pending.append((id, space))
            if c.pending.count >= Self.batch { try flush(&c) }
        }
    }

    public func contains(_ id: String, space: Int) throws -> Bool {
        try connection.withLock { c in
            try flush(&c)
            return try step(c.lookup, id, space, in: c)
        }
    }

    /// Writes buffered `add`s.
    private func flush(_ c: inout Connection) throws {
        guard !c.pending.isEmpty else { return }
        let ids = c.pending
        c.pending.removeAll(keepingCapacity: true)
        try transaction(c) { for (id, space) in ids { _ = try step(c.insert, id, space, in: c) } }
    }

    private func transaction<T>(_ c: borrowing Connection, _ body: () throws -> T) throws -> T {
        try check(sqlite3_exec(c.db, "BEGIN", nil, nil, nil), c)
        do {
            let result = try body()
            try check(sqlite3_exec(c.db, "COMMIT", nil, nil, nil), c)
            return result
        } catch {
            sqlite3_exec(c.db, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    /// Runs a statement with `space` and `key`; answers whether it produced a row.
    private func step(
        _ statement: OpaquePointer, _ key: String, _ space: Int, in c: borrowing Connection
    ) throws
        -> Bool
    {
        sqlite3_reset(statement)
        sqlite3_bind_int64(statement, 1, Int64(space))
        var key = key
        let status = key.withUTF8 { bytes in
            // SQLITE_TRANSIENT: SQLite copies the bytes before this closure returns.
            let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
            if let base = bytes.baseAddress, bytes.count > 0 {
                let text = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                sqlite3_bind_text(statement, 2, text, Int32(bytes.count), transient)
            } else {
                sqlite3_bind_text(statement, 2, "", 0, transient)
            }
            return sqlite3_step(statement)
        }
        if status == SQLITE_ROW { return true }
        try check(status == SQLITE_DONE ? SQLITE_OK : status, c)
        return false
    }

    private func check(_ status: Int32, _ c: borrowing Connection) throws {
        guard status == SQLITE_OK else {
            throw StateError.unusable(path: url.path, reason: String(cString: sqlite3_errmsg(c.db)))
        }
    }
}
