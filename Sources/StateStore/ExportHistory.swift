import Foundation
import GRDB

/// What the last complete export of a workspace cost, per kind: the basis of the next export's
/// ETA (a workspace changes little between nightly runs).
public struct ExportHistory: Sendable {
    let database: StateDatabase
    /// The workspace: API base and business.
    public let source: String

    public init(database: StateDatabase, source: String) {
        self.database = database
        self.source = source
    }

    /// One kind's figures from the last export.
    public struct Kind: Sendable, Equatable {
        public var records: Int
        public var calls: Int

        public init(records: Int, calls: Int) {
            self.records = records
            self.calls = calls
        }
    }

    /// The last export's figures by kind (empty before the first).
    public func last() throws(StateError) -> [String: Kind] {
        try database.read { db in
            var out: [String: Kind] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT kind, records, calls FROM export_history WHERE source = ?", arguments: [source])
            {
                out[row["kind"]] = Kind(records: row["records"], calls: row["calls"])
            }
            return out
        }
    }

    /// Records the figures of kinds read completely (others keep their older figures).
    public func record(_ kinds: [String: Kind], at time: String) throws(StateError) {
        try database.write { db in
            for (kind, figures) in kinds {
                try db.execute(
                    sql: """
                        INSERT INTO export_history (source, kind, records, calls, finished_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(source, kind) DO UPDATE SET records = excluded.records, calls = excluded.calls,
                          finished_at = excluded.finished_at
                        """, arguments: [source, kind, figures.records, figures.calls, time])
            }
        }
    }
}
