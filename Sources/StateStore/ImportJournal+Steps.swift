import Foundation
import GRDB

/// Lost answers to sweep once their window has passed, and steps done once per run.
extension ImportJournal {
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
            intentAt: row["intent_at"], notes: Notes(rawValue: row["notes"] ?? 0))
    }
}
