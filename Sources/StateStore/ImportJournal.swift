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
        /// Created by an earlier run, gone from the source since, and deleted in the target by a
        /// delta (it sits in the target's trash bin).
        case deleted
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
        /// What code tests of the outcome besides its status (the reason is text for people).
        public var notes: Notes = []
    }

    /// Facts about an outcome that later steps act on, kept as flags: never read back from the
    /// reason text, which is written for people from them.
    public struct Notes: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// A create whose answer was lost and that was not found: to be sent again.
        public static let createAgain = Notes(rawValue: 1 << 0)
        /// Matched onto the copy an earlier restore of the business made.
        public static let restoredBefore = Notes(rawValue: 1 << 1)
        /// A file recreated as a link to its source URL (its binary stays in the archive).
        public static let linkToSourceURL = Notes(rawValue: 1 << 2)
        /// Carried into a delta run from the run it builds on: settled before this run.
        public static let carried = Notes(rawValue: 1 << 3)

        /// The reason text of each note, as the journal's reason column and the report show it.
        public var text: [String] {
            var out: [String] = []
            if contains(.createAgain) { out.append("not found after a lost answer; created again") }
            if contains(.linkToSourceURL) {
                out.append("recreated as a link to the source URL; the binary stays in the archive")
            }
            return out
        }
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
}
