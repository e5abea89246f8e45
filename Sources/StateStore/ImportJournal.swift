import Foundation
import GRDB

/// An import's durable record, one row per source record: what became of it and the target id it
/// maps to; and, before each create, an intent (contract §4.8: a create whose answer is lost may
/// have been applied, and there is no idempotency key).
///
/// The protocol that makes a crash at any moment safe:
/// 1. `intend` commits an intent row (with the hash of the body about to be sent) before the create;
/// 2. `created` commits the target id in one transaction, which is the checkpoint;
/// 3. on resume, `pendingIntents` lists creates whose outcome is unknown: the importer looks the
///    target up for a record it may have made before sending anything again.
public struct ImportJournal: Sendable {
    let database: StateDatabase
    /// The import: archive identity and target, hashed by the caller.
    public let run: String

    public init(database: StateDatabase, run: String) {
        self.database = database
        self.run = run
    }

    /// The newest run whose name starts with `prefix` (a request's runs are `<prefix><n>`), and
    /// whether it finished.
    public static func latestRun(
        prefix: String, in database: StateDatabase
    ) throws(StateError) -> (
        run: String, finished: Bool
    )? {
        try database.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT run, finished_at FROM import_run WHERE run >= ? AND run < ?
                    ORDER BY started_at DESC, rowid DESC LIMIT 1
                    """, arguments: [prefix, prefix + "~"]
            ).map { ($0["run"], ($0["finished_at"] as String?) != nil) }
        }
    }

    /// What earlier runs whose names start with `prefix` did with a source record, newest
    /// first: each outcome that left a target (created, or created and refused afterwards), and
    /// any create still pending (sent, its answer lost, the run not resumed since).
    public func earlier(
        _ kind: String, _ sourceID: String, runsStartingWith prefix: String
    ) throws(StateError)
        -> [Entry]
    {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.* FROM import_record AS r JOIN import_run AS u ON u.run = r.run
                    WHERE r.run >= ? AND r.run < ? AND r.run != ? AND r.kind = ? AND r.source_id = ?
                    AND (r.status = 'intent' OR (r.status IN ('created', 'failed') AND r.target_id IS NOT NULL))
                    ORDER BY u.started_at DESC, r.rowid DESC
                    """, arguments: [prefix, prefix + "~", run, kind, sourceID]
            ).map(Self.entry)
        }
    }

    /// What became of a source record.
    public enum Status: String, Sendable, CaseIterable {
        /// A create was about to be sent; its outcome is not known yet.
        case intent
        case created
        /// Mapped onto a record the target already had.
        case matched
        case skipped
        /// Not created: a reference it cannot be without names a record that is neither in the
        /// archive nor in the target (its owner was trashed at the source, say).
        case dangling
        case failed
    }

    /// One source record's row.
    public struct Entry: Sendable, Equatable {
        public var kind: String
        public var sourceID: String
        public var status: Status
        public var targetID: String?
        public var reason: String?
        /// Reference paths dropped because they resolved nowhere.
        public var dropped: [String]
        /// SHA-256 of the create body, for intents.
        public var bodySHA256: String?
        public var intentAt: String?
    }

    /// Starts the run, or finds it again on resume; answers whether it existed.
    @discardableResult
    public func begin(archive: String, target: String, at time: String) throws(StateError) -> Bool {
        try database.write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM import_run WHERE run = ?", arguments: [run]) != nil {
                return true
            }
            try db.execute(
                sql: "INSERT INTO import_run (run, archive, target, started_at) VALUES (?, ?, ?, ?)",
                arguments: [run, archive, target, time])
            return false
        }
    }

    /// Another import run into `target` recorded in this database that created (or may have
    /// created) records there: its archive and start time.
    public func otherRun(into target: String) throws(StateError) -> (archive: String, startedAt: String)? {
        try database.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT archive, started_at FROM import_run AS other WHERE target = ? AND run != ?
                    AND EXISTS (SELECT 1 FROM import_record WHERE run = other.run AND status IN ('created', 'intent'))
                    ORDER BY started_at
                    """, arguments: [target, run]
            ).map { ($0["archive"], $0["started_at"]) }
        }
    }

    /// Whether the run was begun (a killed or finished one; `begin` was called).
    public func hasBegun() throws(StateError) -> Bool {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT 1 FROM import_run WHERE run = ?", arguments: [run]) != nil
        }
    }

    /// Whether any run of this database (an import or a restore) made the target record: created
    /// it, or created it and had a later write refused.
    public func madeByAnyRun(_ kind: String, targetID: String) throws(StateError) -> Bool {
        try database.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT 1 FROM import_record WHERE kind = ? AND target_id = ? AND status IN ('created', 'failed')
                    LIMIT 1
                    """, arguments: [kind, targetID]) != nil
        }
    }

    /// When the run finished, or nil while it has not.
    public func finishedAt() throws(StateError) -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT finished_at FROM import_run WHERE run = ?", arguments: [run])
        }
    }

    public func finish(at time: String) throws(StateError) {
        try database.write { db in
            try db.execute(sql: "UPDATE import_run SET finished_at = ? WHERE run = ?", arguments: [time, run])
        }
    }

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
        defaults: [(type: String, id: String)] = []
    )
        throws(StateError)
    {
        let entry = Entry(
            kind: kind, sourceID: sourceID, status: .created, targetID: targetID, reason: reason, dropped: dropped,
            bodySHA256: nil, intentAt: nil)
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
        _ kind: String, _ sourceID: String, status: Status, targetID: String?, reason: String?, dropped: [String] = []
    ) throws(StateError) {
        try upsert(
            Entry(
                kind: kind, sourceID: sourceID, status: status, targetID: targetID, reason: reason, dropped: dropped,
                bodySHA256: nil, intentAt: nil))
    }

    func upsert(_ e: Entry) throws(StateError) {
        try database.write { db in try Self.upsert(e, run: run, db) }
    }

    static func upsert(_ e: Entry, run: String, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO import_record (run, kind, source_id, status, target_id, reason, dropped, body_sha256, intent_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(run, kind, source_id) DO UPDATE SET status = excluded.status,
                  target_id = excluded.target_id, reason = excluded.reason, dropped = excluded.dropped,
                  body_sha256 = excluded.body_sha256, intent_at = excluded.intent_at
                """,
            arguments: [
                run, e.kind, e.sourceID, e.status.rawValue, e.targetID, e.reason,
                e.dropped.isEmpty ? nil : e.dropped.joined(separator: "\n"), e.bodySHA256, e.intentAt,
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
                        WHERE run = ? AND kind = ? AND target_id IS NOT NULL AND source_id IN (\(marks))
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

    /// A create whose answer was lost: the server may apply it later than the lookup that
    /// followed, so the record is looked for once more before the run ends (`lostAnswers`).
    /// `intentAt`: the intent's time by the server's clock; `at`: ours, when the answer was lost.
    public func noteLostAnswer(_ kind: String, _ sourceID: String, intentAt: String, at: Date) throws(StateError) {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO import_lost_answer (run, kind, source_id, intent_at, lost_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(run, kind, source_id) DO UPDATE SET lost_at = excluded.lost_at, swept = 0
                    """, arguments: [run, kind, sourceID, intentAt, at.timeIntervalSince1970])
        }
    }

    /// A lost answer not looked for again yet.
    public struct LostAnswer: Sendable, Equatable {
        public var kind: String
        public var sourceID: String
        public var intentAt: String
        public var lostAt: Date
    }

    /// The lost answers of the run not looked for again yet, oldest first.
    public func lostAnswers() throws(StateError) -> [LostAnswer] {
        try database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM import_lost_answer WHERE run = ? AND swept = 0 ORDER BY lost_at",
                arguments: [run]
            ).map {
                LostAnswer(
                    kind: $0["kind"], sourceID: $0["source_id"], intentAt: $0["intent_at"],
                    lostAt: Date(timeIntervalSince1970: $0["lost_at"]))
            }
        }
    }

    /// Marks a lost answer as looked for again.
    public func sweptLostAnswer(_ kind: String, _ sourceID: String) throws(StateError) {
        try database.write { db in
            try db.execute(
                sql: "UPDATE import_lost_answer SET swept = 1 WHERE run = ? AND kind = ? AND source_id = ?",
                arguments: [run, kind, sourceID])
        }
    }

    /// Marks a step (a second pass, a kind's blocks order) as done.
    public func markDone(_ step: String) throws(StateError) {
        try database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO import_step (run, step) VALUES (?, ?)", arguments: [run, step])
        }
    }

    /// The steps done whose names start with `prefix`, in the order they were marked.
    public func steps(startingWith prefix: String) throws(StateError) -> [String] {
        try database.read { db in
            try String.fetchAll(
                db, sql: "SELECT step FROM import_step WHERE run = ? AND step >= ? AND step < ? ORDER BY rowid",
                arguments: [run, prefix, prefix + "\u{10FFFF}"])
        }
    }

    public func isDone(_ step: String) throws(StateError) -> Bool {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT 1 FROM import_step WHERE run = ? AND step = ?", arguments: [run, step])
                != nil
        }
    }

    static func entry(_ row: Row) -> Entry {
        let dropped: String? = row["dropped"]
        return Entry(
            kind: row["kind"], sourceID: row["source_id"], status: Status(rawValue: row["status"]) ?? .failed,
            targetID: row["target_id"], reason: row["reason"],
            dropped: dropped.map { $0.split(separator: "\n").map(String.init) } ?? [], bodySHA256: row["body_sha256"],
            intentAt: row["intent_at"])
    }
}
