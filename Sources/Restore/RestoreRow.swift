import Foundation
import Import

/// One record of a restore, by kind and source id.
public struct RestoreRecord: Sendable, Hashable {
    public var kind: String
    public var id: String
}

/// What a restore brings back together: a trash-bin row (a root and its cascaded children), or a
/// record an archive selection chose with what it needs; and what became of it.
public struct RestoreRow: Sendable, Equatable {
    public var id: String
    public var title: String
    /// The records of the row (root first), by kind and id.
    public var records: [RestoreRecord]
    /// The archive the row's records came from (the oldest, when several), nil when no
    /// archive holds them all.
    public var archive: String?
    /// Every archive the row's records come from.
    public var archives: Set<String> = []
    /// When the row was deleted (a trash row's `createdAt`).
    public var deletedAt: Date?
    /// How long before the deletion the (oldest) archive was taken: edits made in between are
    /// not in the restored copy.
    public var archiveAge: TimeInterval?
    /// Children whose `entityType` the catalogue does not know: not restored, and they keep
    /// the row from being purged.
    public var unknownChildren: [String] = []
    public var purged = false
    /// Why the row was kept in the trash although purging was asked for.
    public var keptInTrash: String?
    /// Records recreated, records kept because the target still has them, and records an
    /// earlier restore of this business brought back already.
    public var created = 0
    public var live = 0
    public var before = 0
}

/// What a restore did, row by row.
public struct RestoreOutcome: Sendable {
    public var rows: [RestoreRow]
    /// Rows whose records are in no archive, with the newest archive searched.
    public var missing: [RestoreRow] { rows.filter { $0.archive == nil } }
    public var newestArchive: String?
    public var importSummary: Importer.Summary
    /// Live records pointed from an old id to a restored record's new one.
    public var repointed: Int
    /// Live records the target would not let be pointed at a new id, with why.
    public var repointFailures: [String] = []
    /// Partial archives of the directory left out (without `--allow-partial`), with what they lack.
    public var skippedArchives: [String] = []
    /// Where the values of the live records this request overwrote were kept (one archive
    /// per run of it that re-pointed something, a rerun after a kill included).
    public var undoArchives: [URL] = []

    /// Rows found, nothing restored (a plan, or nothing restorable).
    static func found(_ rows: [RestoreRow], newest: URL?) -> RestoreOutcome {
        RestoreOutcome(rows: rows, newestArchive: newest?.lastPathComponent, importSummary: .init(), repointed: 0)
    }
}
