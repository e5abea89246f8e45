import Archive
import ArchiveChecks
import Basics
import Catalog
import Foundation
import Import
import JSONCore
import PlutioAPI
import Session
import StateStore

/// What a restore needs, opened once (see `StateSession`): trash rows and archive selections
/// recreated through the importer, and reverts. One state directory holds one import or restore
/// at a time; each request is resumable through its journal run.
public struct RestoreSession: Sendable {
    let session: StateSession
    var settings: ConnectionSettings { session.settings }
    var client: PlutioClient { session.client }
    var database: StateDatabase { session.database }
    var directory: URL { session.directory }
    var reportURL: URL { session.reportURL }

    public init(settings: ConnectionSettings, stateDirectory: URL, retry: RetryPolicy = .standard) throws {
        session = try StateSession(settings: settings, stateDirectory: stateDirectory, retry: retry)
    }

    /// The business's archives in `directory`, newest first: exactly `<business>-<UTC time>.tar.zst`
    /// (not another business whose name starts alike, not a `.partial`). Each one's manifest is
    /// read first (format version included): one that cannot be read stops the restore before any
    /// call; a partial one is left out unless `allowPartial` (answered with what it lacks).
    func archives(in directory: URL, allowPartial: Bool) throws -> (use: [URL], skipped: [String]) {
        let all = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { ArchiveName.parse($0.lastPathComponent)?.0 == settings.business }
            .sorted { $0.lastPathComponent > $1.lastPathComponent }
        var use: [URL] = []
        var skipped: [String] = []
        for archive in all {
            let manifest: Manifest
            do { manifest = try ArchiveGate.manifest(of: archive) } catch {
                throw UnusableArchive(path: archive.path, reason: error.localizedDescription)
            }
            if !allowPartial, let partial = PartialArchive(manifest, archive) {
                skipped.append("\(archive.lastPathComponent) (partial: lacks \(partial.lacks))")
                continue
            }
            use.append(archive)
        }
        return (use, skipped)
    }

    /// Recreates trash-bin rows of the business from its archives (see `TrashRestorer`); with
    /// `plan`, only finds them. Resumable: the journal's run is the business and the rows.
    public func restoreTrash(_ options: TrashRestoreOptions, plan: Bool) async throws -> TrashRestoreResult {
        let lock = try session.lock()
        defer { lock.release() }
        let (archives, skipped) = try archives(in: options.archives, allowPartial: options.restore.allowPartial)
        let request = [
            "trash", options.rows.map { $0.sorted().joined(separator: ",") } ?? "*",
            options.since.map { Timestamp.string($0) } ?? "-", options.archives.standardizedFileURL.path,
        ].joined(separator: "\n")
        var recreator = try recreator(request: request, options: options.restore)
        // The newest archive is read in every case (who names a restored record): verified before
        // any call; the others before anything is written from them.
        if let newest = archives.first {
            try recreator.verify([newest])
            recreator.verified.insert(newest.path)
        }
        var restorer = TrashRestorer(recreator: recreator)
        restorer.rowIDs = options.rows
        restorer.since = options.since
        restorer.purge = options.purge
        if plan {
            var outcome = try await restorer.plan(archives: archives)
            outcome.skippedArchives = skipped
            return TrashRestoreResult(outcome: outcome, kinds: [], report: reportURL)
        }
        try recreator.journal.begin(
            archive: options.archives.lastPathComponent, target: "trash \(settings.business)",
            at: Timestamp.string(Date()))
        var result = try finish(recreator, try await restorer.run(archives: archives))
        result.outcome.skippedArchives = skipped
        return result
    }

    /// A recreator of this business for one request (the command's arguments).
    ///
    /// Each request has a journal run of its own, `restore-<business>-<request>-<n>`: a rerun
    /// after a kill resumes it, and a rerun after it finished starts the next one. A record an
    /// earlier run of the business brought back is not brought back twice (see
    /// `Recreator.matchEarlierRestores`).
    func recreator(request: String, options: RestoreOptions) throws -> Recreator {
        let business =
            "restore-"
            + sha256Hex(Array("\(settings.apiURL.absoluteString)\n\(settings.business)".utf8))
            .prefix(16) + "-"
        let prefix = business + sha256Hex(Array(request.utf8)).prefix(16) + "-"
        var generation = 1
        if let latest = try ImportJournal.latestRun(prefix: prefix, in: database),
            let n = Int(latest.run.dropFirst(prefix.count))
        {
            generation = latest.finished ? n + 1 : n
        }
        let run = prefix + String(generation)
        // The restored set of a finished run killed before it was removed.
        if generation > 1 {
            try? FileManager.default.removeItem(
                at: directory.appendingPathComponent("restore-\(prefix)\(generation - 1)"))
        }
        var recreator = Recreator(
            client: client, catalog: .standard, journal: ImportJournal(database: database, run: run),
            scratch: directory.appendingPathComponent("restore-\(run)"))
        recreator.earlierRuns = business
        recreator.invites = options.invite
        recreator.assumeGone = options.assumeGone
        recreator.undoDirectory = undoDirectory
        recreator.lateApplyWindow = session.lateApplyWindow
        return recreator
    }

    /// Reports a restore, then ends the request's run (a kill in between: the rerun resumes it
    /// and reports again) and removes its restored set. A run with a create whose outcome is
    /// still unknown stays open: its rerun finds that out first.
    func finish(_ restorer: Recreator, _ outcome: RestoreOutcome) throws -> TrashRestoreResult {
        var kinds: [ImportKindSummary] = []
        if outcome.rows.contains(where: { $0.archive != nil }) {
            kinds = try Importer(context: restorer.context).writeReport(to: reportURL)
        }
        if try restorer.journal.pendingIntents().isEmpty {
            try restorer.journal.finish(at: Timestamp.string(Date()))
            try? FileManager.default.removeItem(at: restorer.scratch)
        }
        return TrashRestoreResult(outcome: outcome, kinds: kinds, report: reportURL)
    }

    /// Recreates the records `selection` chooses from its archive (see `ArchiveSelection`):
    /// records the target still has are kept, owners it lacks are recreated too, and live records
    /// that name a recreated record's old id are pointed at the new one. With `plan`, only finds
    /// them and counts the live ones.
    public func restore(
        _ selection: ArchiveSelection, plan: Bool, options: RestoreOptions = .init()
    ) async throws -> TrashRestoreResult {
        let lock = try session.lock()
        defer { lock.release() }
        // Before any call: the archive is verified, and refused when partial unless allowed.
        try ArchiveGate.check(selection.archive, allowPartial: options.allowPartial)
        let request = [
            "archive", selection.archive.standardizedFileURL.path, selection.kind,
            selection.ids.sorted().joined(separator: ","), selection.queryText ?? "-", "\(selection.withChildren)",
        ].joined(separator: "\n")
        var recreator = try recreator(request: request, options: options)
        recreator.verified = [selection.archive.path]
        let restorer = ArchiveRestorer(recreator: recreator, selection: selection)
        if plan { return TrashRestoreResult(outcome: try await restorer.plan(), kinds: [], report: reportURL) }
        let rows = try await restorer.rows()
        try recreator.journal.begin(
            archive: selection.archive.lastPathComponent, target: "restore \(settings.business)",
            at: Timestamp.string(Date()))
        return try finish(recreator, try await restorer.run(rows))
    }

    /// Reverts live records to their values in `archive` (see `Reverter`), after verifying it;
    /// their values before go to an undo archive under `STATE/undo/`.
    public func revert(
        archive: URL, kind: String, ids: [String], fields: Set<String>?, dryRun: Bool, allowPartial: Bool = false
    ) async throws -> Reverter.Outcome {
        try ArchiveGate.check(archive, allowPartial: allowPartial)
        return try await Reverter(client: client).revert(
            archive: archive, kind: kind, ids: ids, fields: fields, dryRun: dryRun, undoDirectory: undoDirectory)
    }

    /// Where undo archives go (`UndoArchive`).
    public var undoDirectory: URL { session.undoDirectory }
}
