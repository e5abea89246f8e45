import Foundation
import GRDB

/// What a delta import needs of the journal: which source and export a run imported, the rows it
/// carries over from the run it builds on, each source record as last applied, and the delta's
/// own changes (intents, then done).
extension ImportJournal {
    /// One run as the journal holds it.
    public struct RunInfo: Sendable, Equatable {
        public var run: String
        public var archive: String
        /// The source workspace (`<api base> <business>`); nil for runs of older builds.
        public var source: String?
        /// When the export of the run's archive started (its manifest's `startedAt`).
        public var archiveStartedAt: String?
        /// The run this one builds on, for a delta.
        public var baseRun: String?
        public var startedAt: String
        public var finishedAt: String?
    }

    /// The runs into `target` recorded in the database that finished, or that created (or may
    /// have created) records there, oldest first. A run begun and stopped before its first
    /// create left nothing in the target.
    public static func runs(into target: String, in database: StateDatabase) throws(StateError) -> [RunInfo] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM import_run AS r WHERE target = ? AND (finished_at IS NOT NULL OR EXISTS (
                      SELECT 1 FROM import_record WHERE run = r.run AND status IN ('created', 'intent', 'deleted')))
                    ORDER BY started_at, rowid
                    """, arguments: [target]
            ).map(Self.runInfo)
        }
    }

    /// This run, once begun.
    public func info() throws(StateError) -> RunInfo? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM import_run WHERE run = ?", arguments: [run]).map(Self.runInfo)
        }
    }

    static func runInfo(_ row: Row) -> RunInfo {
        RunInfo(
            run: row["run"], archive: row["archive"], source: row["source"],
            archiveStartedAt: row["archive_started_at"], baseRun: row["base_run"], startedAt: row["started_at"],
            finishedAt: row["finished_at"])
    }

    /// Records which source and export the run imports, and the run it builds on (a delta).
    public func describe(source: String, archiveStartedAt: String, base: String?) throws(StateError) {
        try database.write { db in
            try db.execute(
                sql: "UPDATE import_run SET source = ?, archive_started_at = ?, base_run = ? WHERE run = ?",
                arguments: [source, archiveStartedAt, base, run])
        }
    }

    /// Starts a delta run on top of `base`, in one transaction: every row of the base run comes
    /// over marked `carried` (what the target holds and where), with its default blocks and its
    /// steps done, so that the delta creates only what is new. Does nothing when the run holds
    /// rows already (a resumed delta).
    public func carry(from base: String) throws(StateError) {
        try database.write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM import_record WHERE run = ? LIMIT 1", arguments: [run]) != nil {
                return
            }
            try db.execute(
                sql: """
                    INSERT INTO import_record
                      (run, kind, source_id, status, target_id, reason, dropped, body_sha256, intent_at, notes,
                       source, written_at)
                    SELECT ?, kind, source_id, status, target_id, reason, dropped, body_sha256, intent_at,
                      notes | ?, source, written_at
                    FROM import_record WHERE run = ? AND status != 'intent';
                    INSERT INTO import_default_block (run, owner, type, position, block_id, used_by)
                    SELECT ?, owner, type, position, block_id, used_by FROM import_default_block WHERE run = ?;
                    INSERT INTO import_step (run, step) SELECT ?, step FROM import_step WHERE run = ?;
                    """, arguments: [run, Notes.carried.rawValue, base, run, base, run, base])
        }
    }

    /// Drops the source records a finished run kept, once a delta built on it has finished: the
    /// delta's rows hold them now (each delta would otherwise keep one more copy of the workspace).
    public func releaseSources() throws(StateError) {
        try database.write { db in
            try db.execute(sql: "UPDATE import_record SET source = NULL WHERE run = ?", arguments: [run])
        }
    }

    /// Whether the run holds source records as applied (runs of older builds kept none).
    public func keepsSources() throws(StateError) -> Bool {
        try database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT 1 FROM import_record WHERE run = ? AND source IS NOT NULL LIMIT 1", arguments: [run])
                != nil
        }
    }

    /// A row as a delta compares it: its outcome, target, and the source record as last applied.
    public struct AppliedRecord: Sendable {
        public var sourceID: String
        public var status: Status
        public var targetID: String?
        public var notes: Notes
        /// The source record's bytes as last applied; nil for rows of older builds.
        public var source: [UInt8]?
        /// When the run that last wrote the target record ended, by the server's clock.
        public var writtenAt: String?
    }

    /// The rows of a kind, by source id; with `sources: false` without the stored source records
    /// (what a caller that needs only the outcomes spares itself reading).
    public func applied(_ kind: String, sources: Bool = true) throws(StateError) -> [String: AppliedRecord] {
        try database.read { db in
            var out: [String: AppliedRecord] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT source_id, status, target_id, notes, \(sources ? "source" : "NULL AS source"), written_at
                    FROM import_record WHERE run = ? AND kind = ?
                    """, arguments: [run, kind])
            while let row = try rows.next() {
                let data: Data? = row["source"]
                let id: String = row["source_id"]
                out[id] = AppliedRecord(
                    sourceID: id, status: Status(rawValue: row["status"]) ?? .failed, targetID: row["target_id"],
                    notes: Notes(rawValue: row["notes"] ?? 0), source: data.map { [UInt8]($0) },
                    writtenAt: row["written_at"])
            }
            return out
        }
    }

    /// Keeps each source record as applied, and for those `written`, when this run ended (by the
    /// server's clock). One transaction per call.
    public func remember(
        _ kind: String, _ records: [(sourceID: String, bytes: [UInt8], written: Bool)], writtenAt: String
    ) throws(StateError) {
        guard !records.isEmpty else { return }
        try database.write { db in
            let statement = try db.makeStatement(
                sql: """
                    UPDATE import_record SET source = ?,
                      written_at = CASE WHEN ? THEN ? ELSE written_at END
                    WHERE run = ? AND kind = ? AND source_id = ?
                    """)
            for record in records {
                try statement.execute(arguments: [
                    Data(record.bytes), record.written, writtenAt, run, kind, record.sourceID,
                ])
            }
        }
    }

    /// A record the delta deleted in the target (gone from the source): its target id is kept,
    /// but no reference resolves to it any more.
    public func markDeleted(_ kind: String, _ sourceID: String, reason: String?) throws(StateError) {
        try database.write { db in
            try db.execute(
                sql:
                    "UPDATE import_record SET status = 'deleted', reason = ? WHERE run = ? AND kind = ? AND source_id = ?",
                arguments: [reason, run, kind, sourceID])
        }
    }

    /// Forgets a row, so that the record is created in its turn (a record refused before that
    /// changed since, or one deleted in the target that the source's side brings back).
    public func forget(_ kind: String, _ sourceID: String) throws(StateError) {
        try database.write { db in
            try db.execute(
                sql: "DELETE FROM import_record WHERE run = ? AND kind = ? AND source_id = ?",
                arguments: [run, kind, sourceID])
        }
    }

    /// One update, move, delete, archive or conflict of a delta.
    public struct Change: Sendable, Equatable {
        public var kind: String
        public var sourceID: String
        public var action: String
        /// JSON the delta wrote for the report (the fields, with both sides of a conflict).
        public var fields: String?
        public var done: Bool
    }

    /// Commits a change about to be sent (or a conflict found), before it is sent.
    public func intendChange(_ kind: String, _ sourceID: String, action: String, fields: String?) throws(StateError) {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO import_change (run, kind, source_id, action, fields, done) VALUES (?, ?, ?, ?, ?, 0)
                    ON CONFLICT(run, kind, source_id, action) DO UPDATE SET fields = excluded.fields
                    """, arguments: [run, kind, sourceID, action, fields])
        }
    }

    /// Marks a change as sent and answered.
    public func changeDone(_ kind: String, _ sourceIDs: [String], action: String) throws(StateError) {
        try database.write { db in
            for id in sourceIDs {
                try db.execute(
                    sql:
                        "UPDATE import_change SET done = 1 WHERE run = ? AND kind = ? AND source_id = ? AND action = ?",
                    arguments: [run, kind, id, action])
            }
        }
    }

    /// The run's changes, in kind, source id and action order.
    public func changes() throws(StateError) -> [Change] {
        try database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM import_change WHERE run = ? ORDER BY kind, source_id, action", arguments: [run]
            ).map {
                Change(
                    kind: $0["kind"], sourceID: $0["source_id"], action: $0["action"], fields: $0["fields"],
                    done: $0["done"])
            }
        }
    }

    /// Whether any row of a kind was created by this run itself (not carried from the run it
    /// builds on).
    public func createdHere(_ kind: String) throws(StateError) -> Bool {
        try database.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT 1 FROM import_record WHERE run = ? AND kind = ? AND status IN ('created', 'intent')
                    AND notes & ? = 0 LIMIT 1
                    """, arguments: [run, kind, Notes.carried.rawValue]) != nil
        }
    }
}
