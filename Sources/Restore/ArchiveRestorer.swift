import Foundation
import Import

/// Brings back the records an archive selection chooses (`restore ARCHIVE --kind ...`), into
/// the workspace the archive came from or another: records the target still has are kept as
/// they are, owners it lacks are recreated too, and live records that name a recreated record's
/// old id are pointed at the new one.
struct ArchiveRestorer: Sendable {
    var recreator: Recreator
    let selection: ArchiveSelection

    /// The rows the selection makes, where their records are, how many are live and how many an
    /// earlier restore brought back; writes nothing.
    func plan() async throws -> RestoreOutcome {
        var rows = try await rows()
        try recreator.set.collect(&rows, from: [selection.archive], writing: false)
        for i in rows.indices where rows[i].archive != nil {
            rows[i].live = try await recreator.liveness.live(rows[i].records).count
            // Brought back by an earlier restore: kept while that copy is live (the run checks).
            if let earlier = recreator.earlierRuns {
                for record in rows[i].records
                where try recreator.journal.earlier(record.kind, record.id, runsStartingWith: earlier).first?
                    .targetID != nil
                {
                    rows[i].before += 1
                }
            }
        }
        return .found(rows, newest: selection.archive)
    }

    /// The rows the selection makes (see `ArchiveSelection.rows`).
    func rows() async throws -> [RestoreRow] { try await selection.rows(live: recreator.liveness.live) }

    /// Recreates the records of the selection's rows.
    func run(_ rows: [RestoreRow]) async throws -> RestoreOutcome {
        try await recreator.restore(rows, from: [selection.archive], keepingLiveMembers: true)
    }
}
