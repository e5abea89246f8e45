import Foundation
import GRDB

/// Checkpoints of one export run (an output directory, business and API base), so a killed
/// export resumes where it stopped.
///
/// Contract: a kind's row is updated only after the records it counts are durable in the
/// staging file; `bytes` is the staging file's length at that checkpoint.
public struct ExportProgress: Sendable {
    let database: StateDatabase
    public let run: String

    public init(database: StateDatabase, run: String) {
        self.database = database
        self.run = run
    }

    /// One kind's checkpoint.
    public struct Kind: Sendable, Equatable {
        public var position: String?
        public var records: Int
        public var bytes: Int
        public var calls: Int
        public var done: Bool
        public var error: String?

        public init(
            position: String? = nil, records: Int = 0, bytes: Int = 0, calls: Int = 0, done: Bool = false,
            error: String? = nil
        ) {
            self.position = position
            self.records = records
            self.bytes = bytes
            self.calls = calls
            self.done = done
            self.error = error
        }
    }

    /// The run's start time, recording `now` if the run is new.
    public func begin(now: String) throws(StateError) -> String {
        try database.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO export_run (run, started_at) VALUES (?, ?)", arguments: [run, now])
            return try String.fetchOne(db, sql: "SELECT started_at FROM export_run WHERE run = ?", arguments: [run])
                ?? now
        }
    }

    public func kind(_ kind: String) throws(StateError) -> Kind? {
        try database.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT position, records, bytes, calls, done, error FROM export_kind WHERE run = ? AND kind = ?",
                arguments: [run, kind]
            ).map { row in
                Kind(
                    position: row["position"], records: row["records"], bytes: row["bytes"], calls: row["calls"],
                    done: row["done"], error: row["error"])
            }
        }
    }

    public func save(_ kind: String, _ state: Kind) throws(StateError) {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO export_kind (run, kind, position, records, bytes, calls, done, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(run, kind) DO UPDATE SET position = excluded.position, records = excluded.records,
                      bytes = excluded.bytes, calls = excluded.calls, done = excluded.done, error = excluded.error
                    """,
                arguments: [
                    run, kind, state.position, state.records, state.bytes, state.calls, state.done, state.error,
                ])
        }
    }

    /// Forgets the run (after its archive is written).
    public func forget() throws(StateError) {
        try database.write { db in try db.execute(sql: "DELETE FROM export_run WHERE run = ?", arguments: [run]) }
    }
}
