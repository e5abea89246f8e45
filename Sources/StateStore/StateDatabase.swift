// StateStore: plutio-backup's durable local state in SQLite (WAL mode).
//
// One database file per state directory, shared by every process on the machine. Schema changes
// are named migrations. Only this module imports GRDB.
import Foundation
import GRDB

/// The state database: opened once per process, safe to share between tasks.
public final class StateDatabase: Sendable {
    let pool: DatabasePool
    /// Where the database lives.
    public let url: URL

    /// Opens (creating if needed) the database at `url` and applies pending migrations.
    ///
    /// Opening and migrating hold an exclusive lock on `<database>.lock`, so two processes
    /// creating the database at once do not both run a migration. "Database is locked" from the
    /// switch to WAL, which SQLite reports without waiting, is retried for up to 30 s.
    public init(url: URL) throws(StateError) {
        self.url = url
        // The state names accounts and holds export checkpoints: the directory is the owner's
        // only (0700) and so are its files (0600; SQLite gives its -wal and -shm files the
        // database file's mode).
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        } catch {
            throw StateError.unusable(path: url.path, reason: String(describing: error))
        }
        let file = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard file >= 0 else { throw StateError.unusable(path: url.path, reason: String(cString: strerror(errno))) }
        close(file)
        let lock = open(url.path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw StateError.unusable(path: url.path, reason: "cannot create \(url.path).lock") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN) }
        var attempt = 0
        while true {
            do {
                var config = Configuration()
                config.busyMode = .timeout(30)
                config.label = "plutio-backup-state"
                // Memory stays flat as the state grows (an import's journal holds a row per
                // record): a small page cache per connection; the OS caches the rest.
                config.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -512") }
                let opened = try DatabasePool(path: url.path, configuration: config)
                try Self.migrator.migrate(opened)
                pool = opened
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < 300 {
                attempt += 1
                usleep(100_000)
            } catch {
                throw StateError.unusable(path: url.path, reason: String(describing: error))
            }
        }
    }

    /// The default location: `$XDG_STATE_HOME/plutio-backup/state.sqlite`, else `~/.local/state/...`.
    public static func defaultURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let base =
            environment["XDG_STATE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        return base.appendingPathComponent("plutio-backup/state.sqlite")
    }

    /// The database holding the rate ledger in `directory` (its `state.sqlite`): `database`
    /// itself when that is the one, or when no directory is given.
    public static func ledger(_ directory: URL?, besides database: StateDatabase) throws(StateError) -> StateDatabase {
        guard let directory else { return database }
        let url = directory.appendingPathComponent("state.sqlite")
        if url.standardizedFileURL.path == database.url.standardizedFileURL.path { return database }
        return try StateDatabase(url: url)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: rate ledger") { db in
            try db.create(table: "rate_call") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("scope", .text).notNull()
                t.column("at", .double).notNull()
            }
            try db.create(index: "rate_call_scope_at", on: "rate_call", columns: ["scope", "at"])
            try db.create(table: "rate_block") { t in
                t.primaryKey("scope", .text)
                t.column("until", .double).notNull()
            }
        }
        migrator.registerMigration("v2: export progress") { db in
            try db.create(table: "export_run") { t in
                t.primaryKey("run", .text)
                t.column("started_at", .text).notNull()
            }
            try db.create(table: "export_kind") { t in
                t.column("run", .text).notNull().references("export_run", onDelete: .cascade)
                t.column("kind", .text).notNull()
                t.column("position", .text)
                t.column("records", .integer).notNull().defaults(to: 0)
                t.column("bytes", .integer).notNull().defaults(to: 0)
                t.column("calls", .integer).notNull().defaults(to: 0)
                t.column("done", .boolean).notNull().defaults(to: false)
                t.column("error", .text)
                t.primaryKey(["run", "kind"])
            }
        }
        migrator.registerMigration("v3: export history") { db in
            try db.create(table: "export_history") { t in
                t.column("source", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("records", .integer).notNull()
                t.column("calls", .integer).notNull()
                t.column("finished_at", .text).notNull()
                t.primaryKey(["source", "kind"])
            }
        }
        migrator.registerMigration("v4: import journal") { db in
            try db.create(table: "import_run") { t in
                t.primaryKey("run", .text)
                t.column("archive", .text).notNull()
                t.column("target", .text).notNull()
                t.column("started_at", .text).notNull()
                t.column("finished_at", .text)
            }
            try db.create(table: "import_record") { t in
                t.column("run", .text).notNull().references("import_run", onDelete: .cascade)
                t.column("kind", .text).notNull()
                t.column("source_id", .text).notNull()
                t.column("status", .text).notNull()
                t.column("target_id", .text)
                t.column("reason", .text)
                t.column("dropped", .text)
                t.column("body_sha256", .text)
                t.column("intent_at", .text)
                t.primaryKey(["run", "kind", "source_id"])
            }
            try db.create(index: "import_record_status", on: "import_record", columns: ["run", "status"])
            try db.create(table: "import_step") { t in
                t.column("run", .text).notNull().references("import_run", onDelete: .cascade)
                t.column("step", .text).notNull()
                t.primaryKey(["run", "step"])
            }
        }
        migrator.registerMigration("v5: import target index") { db in
            try db.create(index: "import_record_target", on: "import_record", columns: ["run", "kind", "target_id"])
        }
        migrator.registerMigration("v6: default blocks of created documents") { db in
            try db.create(table: "import_default_block") { t in
                t.column("run", .text).notNull().references("import_run", onDelete: .cascade)
                t.column("owner", .text).notNull()
                t.column("type", .text).notNull()
                t.column("position", .integer).notNull()
                t.column("block_id", .text).notNull()
                t.column("used_by", .text)
                t.primaryKey(["run", "block_id"])
            }
            try db.create(index: "import_default_block_owner", on: "import_default_block", columns: ["run", "owner"])
        }
        migrator.registerMigration("v7: records any run made, by target id") { db in
            try db.create(index: "import_record_made", on: "import_record", columns: ["kind", "target_id"])
        }
        migrator.registerMigration("v8: creates that lost their answer") { db in
            try db.create(table: "import_lost_answer") { t in
                t.column("run", .text).notNull().references("import_run", onDelete: .cascade)
                t.column("kind", .text).notNull()
                t.column("source_id", .text).notNull()
                t.column("intent_at", .text).notNull()
                t.column("lost_at", .double).notNull()
                t.column("swept", .boolean).notNull().defaults(to: false)
                t.primaryKey(["run", "kind", "source_id"])
            }
        }
        migrator.registerMigration("v9: write routes a server takes") { db in
            try db.create(table: "write_route") { t in
                t.column("scope", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("verb", .text).notNull()
                t.column("route", .text).notNull()
                t.primaryKey(["scope", "kind", "verb"])
            }
        }
        migrator.registerMigration("v10: outcome notes as flags") { db in
            try db.alter(table: "import_record") { t in t.add(column: "notes", .integer).notNull().defaults(to: 0) }
            // Journals written before kept these facts only in the reason text.
            try db.execute(
                sql: """
                    UPDATE import_record SET notes = notes | 1
                    WHERE status = 'failed' AND reason = 'not found after a lost answer; created again';
                    UPDATE import_record SET notes = notes | 2 WHERE reason LIKE 'restored before as %';
                    UPDATE import_record SET notes = notes | 4
                    WHERE reason LIKE '%recreated as a link to the source URL; the binary stays in the archive%';
                    """)
        }
        migrator.registerMigration("v11: delta imports") { db in
            // Which source and which export a run imported, and the run a delta builds on.
            try db.alter(table: "import_run") { t in
                t.add(column: "source", .text)
                t.add(column: "archive_started_at", .text)
                t.add(column: "base_run", .text)
            }
            // Each source record as last applied (what a newer archive is compared with), and
            // when the run that last wrote its target record ended, by the server's clock.
            try db.alter(table: "import_record") { t in
                t.add(column: "source", .blob)
                t.add(column: "written_at", .text)
            }
            // A delta's updates, moves, deletes and conflicts: intents, then done.
            try db.create(table: "import_change") { t in
                t.column("run", .text).notNull().references("import_run", onDelete: .cascade)
                t.column("kind", .text).notNull()
                t.column("source_id", .text).notNull()
                t.column("action", .text).notNull()
                t.column("fields", .text)
                t.column("done", .boolean).notNull().defaults(to: false)
                t.primaryKey(["run", "kind", "source_id", "action"])
            }
        }
        migrator.registerMigration("v12: binaries an export downloaded") { db in
            // Per file record of a workspace: what its binary was when last downloaded (the
            // record's handle, size and updatedAt) and what came (bytes, SHA-256), so an export
            // into a blob store downloads only what changed.
            try db.create(table: "binary_memory") { t in
                t.column("source", .text).notNull()
                t.column("file_id", .text).notNull()
                t.column("handle", .text).notNull()
                t.column("size", .integer)
                t.column("updated_at", .text)
                t.column("bytes", .integer).notNull()
                t.column("sha256", .text).notNull()
                t.primaryKey(["source", "file_id"])
            }
        }
        return migrator
    }

    /// Names of the migrations applied so far.
    public func appliedMigrations() throws(StateError) -> [String] {
        do { return try pool.read { try Self.migrator.appliedMigrations($0) } } catch {
            throw StateError.unusable(path: url.path, reason: String(describing: error))
        }
    }
}

/// State that cannot be read or written.
public enum StateError: Error, LocalizedError, Sendable {
    case unusable(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .unusable(let path, let reason):
            "The state database \(path) cannot be used (\(reason)). Check that the directory is writable, or point --state at another one."
        }
    }
}

extension StateDatabase {
    /// Runs a read, turning any database failure into `StateError`.
    func read<T>(_ body: (Database) throws -> T) throws(StateError) -> T {
        do { return try pool.read(body) } catch { throw unusable(error) }
    }

    /// Runs a write in a transaction, turning any database failure into `StateError`.
    func write<T>(_ body: (Database) throws -> T) throws(StateError) -> T {
        do { return try pool.write(body) } catch { throw unusable(error) }
    }

    /// Runs writes that manage their own transaction, turning failures into `StateError`.
    func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws(StateError) -> T {
        do { return try pool.writeWithoutTransaction(body) } catch { throw unusable(error) }
    }

    func unusable(_ error: any Error) -> StateError {
        .unusable(path: url.path, reason: String(describing: error))
    }
}
