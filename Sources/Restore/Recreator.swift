import Archive
import ArchiveChecks
import Catalog
import Foundation
import Import
import JSONCore
import PlutioAPI
import StateStore

/// Recreates rows' records from archives (contract §5.1: there is no restore route).
///
/// Each row's records are taken from the newest archive that holds each (`RestoredSet`),
/// recreated under new ids by the importer (references within the restored set remapped,
/// references to live records kept as they are), and the live records that still name an old id
/// are pointed at the new one (`Repointer`). The journal makes every step resumable: a rerun after
/// a kill creates nothing twice. `TrashRestorer` feeds it trash rows, `ArchiveRestorer` archive
/// selections.
public struct Recreator: Sendable {
    /// The target, the catalogue, the request's journal run and where the restored set is written.
    let context: RunContext
    var client: PlutioClient { context.client }
    var catalog: Catalog { context.catalog }
    var journal: ImportJournal { context.journal }
    var scratch: URL { context.scratch }
    /// Let Plutio invite the people restored (by default they get `invite:false`).
    public var invites = false
    /// Kinds that count as gone where the workspace will not list them (`--assume-gone`); any
    /// other kind it refuses to list stops a restore that would otherwise recreate live records.
    public var assumeGone: Set<String> = []
    /// Archives (paths) the caller has verified already; the others are verified before use.
    public var verified: Set<String> = []
    /// Where the current values of live records go before they are overwritten (`UndoArchive`).
    public var undoDirectory: URL?
    /// How long after a lost answer a late apply is looked for (`Importer.lateApplyWindow`).
    public var lateApplyWindow: TimeInterval = 60
    /// The runs of this business's earlier restores start with this: a record one of them
    /// brought back is not brought back twice.
    public var earlierRuns: String?

    public init(client: PlutioClient, catalog: Catalog, journal: ImportJournal, scratch: URL) {
        context = RunContext(client: client, catalog: catalog, journal: journal, scratch: scratch)
    }

    var set: RestoredSet { RestoredSet(scratch: scratch) }
    var liveness: Liveness { Liveness(client: client, catalog: catalog, assumeGone: assumeGone) }
    var repointer: Repointer {
        Repointer(context: context, set: set, liveness: liveness, undoDirectory: undoDirectory)
    }

    /// Finds where each row's records are (a row whose every record is in no archive has none),
    /// verifying the archives they come from; writes nothing.
    func locate(_ rows: [RestoreRow], in archives: [URL]) throws -> [RestoreRow] {
        var rows = rows
        try set.collect(&rows, from: archives, writing: false)
        try verify(archives.filter { archive in rows.contains { $0.archives.contains(archive.lastPathComponent) } })
        return rows
    }

    /// Recreates the records of `rows` from `archives` (newest first). With `keepingLiveMembers`,
    /// records of the rows that the target still has are kept as they are (an archive restore
    /// into the workspace it came from); trash rows are never live.
    func restore(
        _ rows: [RestoreRow], from archives: [URL], keepingLiveMembers: Bool = false
    ) async throws -> RestoreOutcome {
        // Only rows whose every record is in an archive (a half row would come back half), from
        // archives verified before anything is written from them.
        var rows = try locate(rows, in: archives)
        var restorable = rows.filter { $0.archive != nil }
        guard !restorable.isEmpty else { return .found(rows, newest: archives.first) }
        let kinds = try set.collect(&restorable, from: archives, writing: true)
        // The restored set, by kind: every record of a restorable row is in the scratch files.
        let members = Dictionary(grouping: restorable.flatMap(\.records), by: \.kind).mapValues { Set($0.map(\.id)) }
        let replaced = try await matchEarlierRestores(members, checkingLiveness: keepingLiveMembers)
        if keepingLiveMembers { try await mapLiveMembers(members) }
        try await mapLiveReferences(members)
        var importer = Importer(context: context)
        importer.keepsFileHandles = true
        importer.invites = invites
        importer.lateApplyWindow = lateApplyWindow
        let tally = Repointer.Tally()
        let repointer = repointer
        // Live records (blocks of a restored invoice, time tracks of a project) are pointed at the
        // new ids before the second pass, so that a document's blocks[] can be set.
        importer.afterCreates = {
            tally.add(try await repointer.repoint(using: archives, replaced: replaced, tally: tally))
        }
        let summary = try await importer.run(extracted: kinds)
        try count(&rows)
        var outcome = RestoreOutcome.found(rows, newest: archives.first)
        outcome.importSummary = summary
        outcome.repointed = tally.count
        outcome.repointFailures = tally.failures
        outcome.undoArchives = try journal.steps(startingWith: Repointer.undoStep).map {
            URL(fileURLWithPath: String($0.dropFirst(Repointer.undoStep.count)))
        }
        return outcome
    }

    /// Counts each row's records: created, kept live, brought back by an earlier restore.
    func count(_ rows: inout [RestoreRow]) throws {
        for i in rows.indices where rows[i].archive != nil {
            for record in rows[i].records {
                let entry = try journal.entry(record.kind, record.id)
                switch entry?.status {
                case .created: rows[i].created += 1
                case .matched where entry?.notes.contains(.restoredBefore) == true: rows[i].before += 1
                case .matched: rows[i].live += 1
                default: break
                }
            }
        }
    }

    /// Verifies each archive the caller has not (see `ArchiveGate`); partial ones were chosen
    /// or left out before. One that does not verify stops the restore (`UnusableArchive`).
    func verify(_ archives: [URL]) throws {
        for archive in archives where !verified.contains(archive.path) {
            do { try ArchiveGate.check(archive, allowPartial: true) } catch let error as ArchiveError {
                throw UnusableArchive(path: archive.path, reason: error.localizedDescription)
            }
        }
    }
}
