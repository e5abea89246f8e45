import Catalog
import Foundation
import Import
import PlutioAPI
import StateStore

/// Brings trash-bin rows back from archives: reads the rows (`TrashRows`), recreates each row's
/// root and cascaded children (`Recreator`), and, when asked, purges each row that is safe to
/// purge (`PurgeRules`), so that the UI cannot bring back a second copy.
public struct TrashRestorer: Sendable {
    public var recreator: Recreator
    /// Only these rows (trash-bin `_id`s); nil: every row.
    public var rowIDs: Set<String>?
    /// Only rows deleted at or after this time.
    public var since: Date?
    /// Purge each fully restored row (only where that is safe: see `PurgeRules`).
    public var purge = false

    public init(recreator: Recreator) { self.recreator = recreator }

    public init(client: PlutioClient, catalog: Catalog, journal: ImportJournal, scratch: URL) {
        self.init(recreator: Recreator(client: client, catalog: catalog, journal: journal, scratch: scratch))
    }

    var rows: TrashRows {
        TrashRows(client: recreator.client, catalog: recreator.catalog, rowIDs: rowIDs, since: since)
    }

    /// The rows to restore, and where each one's records are; writes nothing to the workspace.
    public func plan(archives: [URL]) async throws -> RestoreOutcome {
        .found(try recreator.locate(try await rows.read(), in: archives), newest: archives.first)
    }

    /// Restores the rows from `archives` (newest first), then purges what is safe to purge.
    public func run(archives: [URL]) async throws -> RestoreOutcome {
        var outcome = try await recreator.restore(try await rows.read(), from: archives)
        if purge { try await purgeRows(&outcome.rows) }
        return outcome
    }

    /// Purges each restored row nothing would be lost with; says why of the others.
    func purgeRows(_ rows: inout [RestoreRow]) async throws {
        let rules = PurgeRules(journal: recreator.journal, set: recreator.set, liveness: recreator.liveness)
        let binaries = try rules.filesWithBinaries()
        for i in rows.indices where rows[i].archive != nil {
            if let blocker = try await rules.blocker(rows[i], binaries: binaries) {
                rows[i].keptInTrash = blocker
                continue
            }
            // A row purged already (a rerun) answers 404: it is gone either way.
            _ = try await recreator.client.delete("trash-bin", id: rows[i].id)
            rows[i].purged = true
        }
    }
}
