import Foundation
import GRDB

/// Each source record's row: intents, creates, other outcomes, and what they map to.
extension ImportJournal {
    /// Commits the intent to create a record, before the create is sent.
    public func intend(_ kind: String, _ sourceID: String, bodySHA256: String, at time: String) throws(StateError) {
        try upsert(
            Entry(
                kind: kind, sourceID: sourceID, status: .intent, targetID: nil, reason: nil, dropped: [],
                bodySHA256: bodySHA256, intentAt: time))
    }

    /// Commits a create's result: the record now maps to `targetID`. `defaults` are the blocks
    /// the server made with a new document (§4.5), recorded in the same transaction so that a
    /// crash cannot lose them.
    public func created(
        _ kind: String, _ sourceID: String, targetID: String, dropped: [String] = [], reason: String? = nil,
        notes: Notes = [], defaults: [(type: String, id: String)] = []
    )
        throws(StateError)
    {
        let entry = Entry(
            kind: kind, sourceID: sourceID, status: .created, targetID: targetID, reason: reason, dropped: dropped,
            bodySHA256: nil, intentAt: nil, notes: notes)
        try database.write { db in
            try Self.upsert(entry, run: run, db)
            for (position, block) in defaults.enumerated() {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO import_default_block (run, owner, type, position, block_id)
                        VALUES (?, ?, ?, ?, ?)
                        """, arguments: [run, targetID, block.type, position, block.id])
            }
        }
    }

    /// A default block of the target document `owner` of `type` that no source block took yet.
    public func unusedDefault(owner: String, type: String) throws(StateError) -> String? {
        try database.read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT block_id FROM import_default_block
                    WHERE run = ? AND owner = ? AND type = ? AND used_by IS NULL ORDER BY position LIMIT 1
                    """, arguments: [run, owner, type])
        }
    }

    /// The default blocks of `owner` that no source block took.
    public func unusedDefaults(owner: String) throws(StateError) -> [String] {
        try database.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT block_id FROM import_default_block
                    WHERE run = ? AND owner = ? AND used_by IS NULL ORDER BY position
                    """, arguments: [run, owner])
        }
    }

    /// Commits that the source block `sourceID` took the default block `blockID` (updated to its content).
    public func tookDefault(
        _ kind: String, _ sourceID: String, blockID: String, dropped: [String], reason: String?
    ) throws(StateError) {
        let entry = Entry(
            kind: kind, sourceID: sourceID, status: .created, targetID: blockID, reason: reason, dropped: dropped,
            bodySHA256: nil, intentAt: nil)
        try database.write { db in
            try Self.upsert(entry, run: run, db)
            try db.execute(
                sql: "UPDATE import_default_block SET used_by = ? WHERE run = ? AND block_id = ?",
                arguments: [sourceID, run, blockID])
        }
    }

    /// Commits any other outcome (matched, skipped, failed), with its reason.
    public func settle(
        _ kind: String, _ sourceID: String, status: Status, targetID: String?, reason: String?, dropped: [String] = [],
        notes: Notes = []
    ) throws(StateError) {
        try upsert(
            Entry(
                kind: kind, sourceID: sourceID, status: status, targetID: targetID, reason: reason, dropped: dropped,
                bodySHA256: nil, intentAt: nil, notes: notes))
    }

    func upsert(_ e: Entry) throws(StateError) {
        try database.write { db in try Self.upsert(e, run: run, db) }
    }

    static func upsert(_ e: Entry, run: String, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO import_record
                  (run, kind, source_id, status, target_id, reason, dropped, body_sha256, intent_at, notes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(run, kind, source_id) DO UPDATE SET status = excluded.status,
                  target_id = excluded.target_id, reason = excluded.reason, dropped = excluded.dropped,
                  body_sha256 = excluded.body_sha256, intent_at = excluded.intent_at, notes = excluded.notes
                """,
            arguments: [
                run, e.kind, e.sourceID, e.status.rawValue, e.targetID, e.reason,
                e.dropped.isEmpty ? nil : e.dropped.joined(separator: "\n"), e.bodySHA256, e.intentAt, e.notes.rawValue,
            ])
    }

    /// A source record's row, or nil when nothing was decided for it yet.
    public func entry(_ kind: String, _ sourceID: String) throws(StateError) -> Entry? {
        try database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM import_record WHERE run = ? AND kind = ? AND source_id = ?",
                arguments: [run, kind, sourceID]
            ).map(Self.entry)
        }
    }

    /// Target ids of source records of a kind, for those that have one (one query per batch).
    public func targetIDs(_ kind: String, for sourceIDs: [String]) throws(StateError) -> [String: String] {
        try database.read { db in
            var out: [String: String] = [:]
            for chunk in stride(from: 0, to: sourceIDs.count, by: 500) {
                let ids = Array(sourceIDs[chunk..<min(chunk + 500, sourceIDs.count)])
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT source_id, target_id FROM import_record
                        WHERE run = ? AND kind = ? AND target_id IS NOT NULL AND status != 'deleted'
                        AND source_id IN (\(marks))
                        """, arguments: StatementArguments([run, kind] + ids))
                for row in rows { out[row["source_id"]] = row["target_id"] }
            }
            return out
        }
    }

    /// Whether a target record already stands for some source record of the kind.
    public func isMapped(_ kind: String, targetID: String) throws(StateError) -> Bool {
        try database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT 1 FROM import_record WHERE run = ? AND kind = ? AND target_id = ? LIMIT 1",
                arguments: [run, kind, targetID]) != nil
        }
    }

    /// Whether a target record was made by this run (created; failed only after its create),
    /// not matched onto one the target had.
    public func isCreated(_ kind: String, targetID: String) throws(StateError) -> Bool {
        try database.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT 1 FROM import_record WHERE run = ? AND kind = ? AND target_id = ?
                    AND status IN ('created', 'failed') LIMIT 1
                    """,
                arguments: [run, kind, targetID]) != nil
        }
    }

    /// Creates sent but not settled: their outcome must be found before anything is sent again.
    public func pendingIntents() throws(StateError) -> [Entry] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT * FROM import_record WHERE run = ? AND status = 'intent' ORDER BY intent_at, kind, source_id",
                arguments: [run]
            ).map(Self.entry)
        }
    }

    /// The rows with a status, in kind and source-id order.
    public func entries(_ status: Status) throws(StateError) -> [Entry] {
        try database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM import_record WHERE run = ? AND status = ? ORDER BY kind, source_id",
                arguments: [run, status.rawValue]
            ).map(Self.entry)
        }
    }

    /// Records per kind and status.
    public func counts() throws(StateError) -> [String: [Status: Int]] {
        try database.read { db in
            var out: [String: [Status: Int]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT kind, status, COUNT(*) AS n FROM import_record WHERE run = ? GROUP BY kind, status",
                arguments: [run])
            {
                guard let status = Status(rawValue: row["status"]) else { continue }
                out[row["kind"], default: [:]][status] = row["n"]
            }
            return out
        }
    }
}
