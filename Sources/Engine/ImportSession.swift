import Archive
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import StateStore

/// How far an import is: records of a kind settled in a phase.
public struct ImportProgress: Sendable, Equatable {
    public enum Phase: String, Sendable {
        /// Creating, or matching onto the target.
        case create
        /// Setting second-pass references by PUT.
        case link
    }
    public var phase: Phase
    public var kind: String
    public var done: Int
}

/// What `import` asks for.
public struct ImportOptions: Sendable {
    public var archive: URL
    /// Opt-in kinds to import (`--include automations`).
    public var include: Set<String>
    /// Let Plutio invite the people created (`--invite`); by default none is emailed.
    public var invite = false
    /// Import beside records the target already holds (`--merge`); by default an import into a
    /// target holding records of the kinds it creates stops before its first write.
    public var merge = false
    /// Import an archive whose export was partial (`--allow-partial`).
    public var allowPartial = false

    public init(archive: URL, include: Set<String> = [], invite: Bool = false, merge: Bool = false) {
        self.archive = archive
        self.include = include
        self.invite = invite
        self.merge = merge
    }
}

/// What an import run ended with.
public struct ImportResult: Sendable {
    /// Per kind, in import order.
    public var kinds: [ImportKindSummary]
    /// `report.ndjson`: one line per source record.
    public var report: URL
    /// The run had finished before: nothing was sent.
    public var alreadyFinished: Bool
    /// Lost create answers found applied on resume.
    public var reconciled: Int
    /// Second records that lost creates made later than their lookup, found and deleted.
    public var lateDuplicatesDeleted = 0

    /// Records failed, or skipped although the import should have carried them (exit 3).
    public var needsAttention: Int { kinds.reduce(0) { $0 + $1.failed + ($1.skipExpected ? 0 : $1.skipped) } }
}

/// One kind's line of the import summary.
public struct ImportKindSummary: Sendable, Codable, Equatable {
    public var kind: String
    public var records = 0
    public var created = 0
    public var matched = 0
    public var skipped = 0
    public var failed = 0
    /// Why records were skipped (the plan's reason), when some were.
    public var skipReason: String?
    /// Skipped by design (login accounts, derived and metadata kinds, opt-in kinds not chosen).
    public var skipExpected = true
    /// References dropped because they resolved neither in the archive nor in the target.
    public var droppedReferences = 0

    public init(kind: String) { self.kind = kind }
}

/// What one import needs, opened once: the state directory (journal, rate ledger, report), a
/// client of the target paced by the ledger every process of the API client shares, and the
/// importer.
///
/// One state directory holds one import at a time (a lock file says so); a rerun with the same
/// archive and target resumes the journal, and a finished run does nothing.
public struct ImportSession: Sendable {
    let settings: ConnectionSettings
    let client: PlutioClient
    let ledger: RateLedger
    let database: StateDatabase
    let directory: URL

    public init(settings: ConnectionSettings, stateDirectory: URL, retry: RetryPolicy = .standard) throws {
        try makePrivateDirectory(stateDirectory)
        self.settings = settings
        directory = stateDirectory
        database = try StateDatabase(url: stateDirectory.appendingPathComponent("state.sqlite"))
        let shared = try StateDatabase.ledger(settings.ledgerDirectory, besides: database)
        ledger = RateLedger(database: shared, scope: settings.ledgerScope)
        // The write routes a server takes are the user's knowledge, like its budget.
        client = PlutioClient(
            settings: settings, http: AsyncHTTPTransport(), ledger: ledger, retry: retry,
            routes: WriteRouteBook(database: shared, scope: settings.apiURL.absoluteString))
    }

    /// HTTP calls this process has made (token calls and retries included).
    public var callsMade: Int { client.callsMade }

    /// Calls the ledger holds inside the budget's current window, from every process of this API client.
    public func callsInWindow() -> Int? {
        try? ledger.calls(since: Date().addingTimeInterval(-settings.rate.window.seconds)).count
    }

    /// The report of the run, `report.ndjson` in the state directory.
    public var reportURL: URL { directory.appendingPathComponent("report.ndjson") }
    var summaryURL: URL { directory.appendingPathComponent("summary.json") }

    /// What the import would do and cost; reads the target (step 0, and the check for records
    /// it would duplicate) and writes nothing.
    public func plan(_ options: ImportOptions) async throws -> ImportPlan {
        let checked = try check(options)
        var planner = ImportPlanner(catalog: .standard)
        planner.include = options.include
        planner.bulkUpdates = Set(Catalog.standard.kinds.map(\.name).filter { client.takesBulk($0) })
        let importer = try importer(options, run: "plan")
        let read = try await importer.readTargetRecords()
        var plan = try planner.plan(
            archive: options.archive, target: read.records.mapValues { $0.map(JSONValue.object) })
        plan.unlistable = read.unlistable.sorted()
        let journal = ImportJournal(database: database, run: runID(checked.manifest))
        if !options.merge, try !journal.hasBegun() {
            plan.holdings = try await importer.holdings(
                creating: checked.kinds, stepZero: read, archiveKeys: checked.keys)
            plan.targetReads += try importer.holdingsReads(creating: checked.kinds)
        }
        return plan
    }

    /// Imports the archive (see `Importer`), then writes the report and the summary. A rerun of a
    /// finished import sends nothing and answers the summary it wrote.
    ///
    /// Before anything else the archive is verified (and refused when partial, unless asked). A
    /// new import then reads the target and stops, writing nothing, when the target holds records
    /// of the kinds it would create (`TargetNotEmpty`), unless `merge`; a resumed one goes on.
    public func run(
        _ options: ImportOptions, progress: (@Sendable (ImportProgress) -> Void)? = nil
    ) async throws -> ImportResult {
        let lock = try StateLock(directory.appendingPathComponent("import.lock"))
        defer { lock.release() }
        let checked = try check(options)
        let run = runID(checked.manifest)
        let journal = ImportJournal(database: database, run: run)
        if try journal.finishedAt() != nil, let data = try? Data(contentsOf: summaryURL),
            let kinds = try? JSONDecoder().decode([ImportKindSummary].self, from: data)
        {
            return ImportResult(kinds: kinds, report: reportURL, alreadyFinished: true, reconciled: 0)
        }
        let target = "\(settings.apiURL.absoluteString) \(settings.business)"
        // A second archive into the same target would create every record again.
        if let other = try journal.otherRun(into: target) {
            throw AnotherImport(
                state: directory.path, archive: other.archive, target: settings.business, startedAt: other.startedAt)
        }
        var importer = try importer(options, run: run)
        if try !journal.hasBegun(), !options.merge {
            let read = try await importer.readTargetRecords()
            let holdings = try await importer.holdings(
                creating: checked.kinds, stepZero: read, archiveKeys: checked.keys)
            guard holdings.isEmpty else { throw TargetNotEmpty(business: settings.business, holdings: holdings) }
            importer.preread = read
        }
        try journal.begin(archive: options.archive.lastPathComponent, target: target, at: Exporter.timestamp(Date()))
        importer.progress = progress
        let summary = try await importer.run(verifiedArchive: options.archive)
        let kinds = try importer.writeReport(to: reportURL)
        try writePrivately(JSONEncoder.sorted.encode(kinds), to: summaryURL)
        try journal.finish(at: Exporter.timestamp(Date()))
        try? FileManager.default.removeItem(at: importer.scratch)
        var result = ImportResult(
            kinds: kinds, report: reportURL, alreadyFinished: false, reconciled: summary.reconciled)
        result.lateDuplicatesDeleted = summary.lateDuplicatesDeleted
        return result
    }

    /// A migration's early check of its target, before it exports: what the target holds of the
    /// kinds an import creates that step 0 does not map (projects, tasks, invoices, ...). People,
    /// custom fields, statuses and categories may match the archive's, which is not there yet:
    /// the import checks them, and everything again, once the archive is.
    public func checkTarget(_ options: ImportOptions) async throws {
        let importer = try importer(options, run: "check")
        let kinds = Set(try importer.importOrder().map(\.name)).subtracting(ImportPlanner.targetKinds)
        let holdings = try await importer.holdings(creating: kinds, stepZero: .init(), archiveKeys: nil)
        guard holdings.isEmpty else { throw TargetNotEmpty(business: settings.business, holdings: holdings) }
    }

    /// The journal run of an archive into this target.
    func runID(_ manifest: Manifest) -> String {
        String(
            sha256Hex(
                Array(
                    [
                        manifest.source.apiBase, manifest.source.business, manifest.startedAt,
                        settings.apiURL.absoluteString, settings.business,
                    ].joined(separator: "\n").utf8)
            ).prefix(16))
    }

    /// What the archive check found: the manifest, the kinds with records, and the match keys
    /// of the records of step 0's kinds.
    struct CheckedArchive {
        var manifest: Manifest
        var kinds: Set<String>
        var keys: [String: Set<String>]
    }

    /// Verifies the archive before anything else (see `ArchiveGate`), noting on the way what the
    /// check of the target needs.
    func check(_ options: ImportOptions) throws -> CheckedArchive {
        let catalog = Catalog.standard
        let planner = ImportPlanner(catalog: catalog)
        var keys: [String: Set<String>] = [:]
        let manifest = try ArchiveGate.check(options.archive, allowPartial: options.allowPartial) { line in
            guard ImportPlanner.targetKinds.contains(line.kind), let kind = catalog.kind(named: line.kind),
                let key = planner.matchKey(kind, line.members)
            else { return }
            keys[line.kind, default: []].insert(key)
        }
        return CheckedArchive(
            manifest: manifest, kinds: Set(manifest.kinds.filter { $0.value.records > 0 }.keys), keys: keys)
    }

    func importer(_ options: ImportOptions, run: String) throws -> Importer {
        var importer = Importer(
            client: client, catalog: .standard, journal: ImportJournal(database: database, run: run),
            scratch: directory.appendingPathComponent("import-\(run)"), include: options.include)
        importer.invites = options.invite
        importer.lateApplyWindow = lateApplyWindow
        return importer
    }

    /// How long after a lost answer a late apply is looked for (`Importer.lateApplyWindow`):
    /// `PLUTIO_LATE_APPLY_WINDOW` seconds, else 60.
    public var lateApplyWindow: TimeInterval {
        ProcessInfo.processInfo.environment["PLUTIO_LATE_APPLY_WINDOW"].flatMap(TimeInterval.init).map { max(0, $0) }
            ?? 60
    }
}

extension JSONEncoder {
    /// Sorted keys, for files people read and diff.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}

/// Writes `data` to `url` (0600) through a temporary file and a rename.
func writePrivately(_ data: Data, to url: URL) throws {
    let temporary = url.appendingPathExtension("tmp")
    _ = FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600])
    guard rename(temporary.path, url.path) == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
    }
}

/// The state directory already holds an import of another archive into the same target.
public struct AnotherImport: Error, LocalizedError {
    public let state: String
    public let archive: String
    public let target: String
    public let startedAt: String
    public var errorDescription: String? {
        "The state directory \(state) already holds an import of \(archive) into \(target) (started \(startedAt)). "
            + "A second archive into the same target would create its records again: rerun that import with its "
            + "archive to finish it, or give a new --state to import into a target the import has not touched."
    }
}

/// An exclusive lock on a file, held while one command works in a state directory.
public struct StateLock: ~Copyable {
    let descriptor: Int32

    /// Takes the lock (creating the directory 0700 and the file 0600), or throws `StateBusy`.
    public init(_ url: URL) throws {
        try makePrivateDirectory(url.deletingLastPathComponent())
        let fd = open(url.path, O_CREAT | O_RDWR, 0o600)
        guard fd >= 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StateBusy(path: url.deletingLastPathComponent().path)
        }
        descriptor = fd
    }

    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Another process works in the state directory.
public struct StateBusy: Error, LocalizedError {
    public let path: String
    public var errorDescription: String? {
        "Another plutio-backup run (import, migrate, restore or backup) is using the state directory \(path); wait for it, or use another --state."
    }
}

extension ImportSession {
    /// Records per kind the run will create or match, in import order, from the archive's
    /// manifest: what a status line counts down (one create call each at most).
    public func expectedRecords(_ options: ImportOptions) throws -> [(kind: String, records: Int)] {
        let manifest = try ArchiveVerifier.manifest(of: options.archive)
        let importer = try importer(options, run: "plan")
        return try importer.importOrder().compactMap { kind in
            guard let records = manifest.kinds[kind.name]?.records, records > 0 else { return nil }
            if case .skip = importer.planner.decision(kind) { return nil }
            return (kind.name, records)
        }
    }
}

extension ImportSession {
    /// Kinds imported only when asked for (`--include`).
    public static var optInKinds: Set<String> { Set(Catalog.standard.kinds.filter(\.importOptIn).map(\.name)) }
}

/// `STATE/migrate.json`: the archive a migration exported, so that a rerun imports the same
/// archive (a second export would start a second import and duplicate the workspace).
public enum MigrationRecord {
    struct Record: Codable { var archive: String }

    /// The archive an earlier run of the migration wrote, or nil.
    public static func archive(in state: URL) throws -> URL? {
        let url = state.appendingPathComponent("migrate.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        let archive = URL(fileURLWithPath: try JSONDecoder().decode(Record.self, from: data).archive)
        guard FileManager.default.fileExists(atPath: archive.path) else {
            throw CocoaError(
                .fileNoSuchFile,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "This migration's archive \(archive.path) (named in \(url.path)) is gone; put it back, or start over with a new --state."
                ])
        }
        return archive
    }

    public static func save(archive: URL, in state: URL) throws {
        try makePrivateDirectory(state)
        try writePrivately(
            JSONEncoder.sorted.encode(Record(archive: archive.standardizedFileURL.path)),
            to: state.appendingPathComponent("migrate.json"))
    }
}

/// A restore stopped before it learned whether a create was applied; another restore of the
/// same records must not guess.
public struct InterruptedRestore: Error, LocalizedError {
    public let kind: String
    public let id: String

    public var errorDescription: String? {
        "An earlier restore of this business was interrupted while creating \(kind) \(id) and not run again: "
            + "run that restore again with the same arguments first (it finds out whether the record was made), "
            + "then this one. Nothing was created."
    }
}

/// What every restore may be asked to allow: each switch makes possible on purpose what is
/// refused by default.
public struct RestoreOptions: Sendable {
    /// Let Plutio invite the people restored (`--invite`).
    public var invite = false
    /// Use partial archives (`--allow-partial`).
    public var allowPartial = false
    /// Kinds whose records count as gone where the workspace will not list them (`--assume-gone`).
    public var assumeGone: Set<String> = []

    public init(invite: Bool = false, allowPartial: Bool = false, assumeGone: Set<String> = []) {
        self.invite = invite
        self.allowPartial = allowPartial
        self.assumeGone = assumeGone
    }
}

/// What `restore --trash` asks for.
public struct TrashRestoreOptions: Sendable {
    /// The directory holding the business's archives.
    public var archives: URL
    public var rows: Set<String>?
    public var since: Date?
    public var purge = false
    public var restore = RestoreOptions()

    public init(
        archives: URL, rows: Set<String>? = nil, since: Date? = nil, purge: Bool = false,
        restore: RestoreOptions = .init()
    ) {
        self.archives = archives
        self.rows = rows
        self.since = since
        self.purge = purge
        self.restore = restore
    }
}

/// What a trash restore did.
public struct TrashRestoreResult: Sendable {
    public var outcome: TrashRestorer.Outcome
    /// Per kind, for the restored records.
    public var kinds: [ImportKindSummary]
    public var report: URL
    /// Rows in no archive, children not restored, records not restored, live records not
    /// re-pointed (exit 3).
    public var needsAttention: Int {
        outcome.missing.count + outcome.repointFailures.count + kinds.reduce(0) { $0 + $1.failed + $1.skipped }
            + outcome.rows.reduce(0) { $0 + $1.unknownChildren.count }
    }
}

extension ImportSession {
    /// The business's archives in `directory`, newest first: exactly `<business>-<UTC time>.tar.zst`
    /// (not another business whose name starts alike, not a `.partial`). Each one's manifest is
    /// read first (format version included): one that cannot be read stops the restore before any
    /// call; a partial one is left out unless `allowPartial` (answered with what it lacks).
    func archives(in directory: URL, allowPartial: Bool) throws -> (use: [URL], skipped: [String]) {
        let all = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { Pruner.parse($0.lastPathComponent)?.0 == settings.business }
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
        let lock = try StateLock(directory.appendingPathComponent("import.lock"))
        defer { lock.release() }
        let (archives, skipped) = try archives(in: options.archives, allowPartial: options.restore.allowPartial)
        let request = [
            "trash", options.rows.map { $0.sorted().joined(separator: ",") } ?? "*",
            options.since.map { Exporter.timestamp($0) } ?? "-", options.archives.standardizedFileURL.path,
        ].joined(separator: "\n")
        var restorer = try restorer(request: request, options: options.restore)
        // The newest archive is read in every case (who names a restored record): verified before
        // any call; the others before anything is written from them.
        if let newest = archives.first {
            try restorer.verify([newest])
            restorer.verified.insert(newest.path)
        }
        restorer.rowIDs = options.rows
        restorer.since = options.since
        restorer.purge = options.purge
        if plan {
            var outcome = try await restorer.plan(archives: archives)
            outcome.skippedArchives = skipped
            return TrashRestoreResult(outcome: outcome, kinds: [], report: reportURL)
        }
        try restorer.journal.begin(
            archive: options.archives.lastPathComponent, target: "trash \(settings.business)",
            at: Exporter.timestamp(Date()))
        var result = try finish(restorer, try await restorer.run(archives: archives))
        result.outcome.skippedArchives = skipped
        return result
    }

    /// A restorer of this business for one request (the command's arguments).
    ///
    /// Each request has a journal run of its own, `restore-<business>-<request>-<n>`: a rerun
    /// after a kill resumes it, and a rerun after it finished starts the next one. A record an
    /// earlier run of the business brought back is not brought back twice (see
    /// `TrashRestorer.matchEarlierRestores`).
    func restorer(request: String, options: RestoreOptions) throws -> TrashRestorer {
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
        var restorer = TrashRestorer(
            client: client, catalog: .standard, journal: ImportJournal(database: database, run: run),
            scratch: directory.appendingPathComponent("restore-\(run)"))
        restorer.earlierRuns = business
        restorer.invites = options.invite
        restorer.assumeGone = options.assumeGone
        restorer.undoDirectory = undoDirectory
        restorer.lateApplyWindow = lateApplyWindow
        return restorer
    }

    /// Reports a restore, then ends the request's run (a kill in between: the rerun resumes it
    /// and reports again) and removes its restored set. A run with a create whose outcome is
    /// still unknown stays open: its rerun finds that out first.
    func finish(_ restorer: TrashRestorer, _ outcome: TrashRestorer.Outcome) throws -> TrashRestoreResult {
        var kinds: [ImportKindSummary] = []
        if outcome.rows.contains(where: { $0.archive != nil }) {
            let importer = Importer(
                client: client, catalog: .standard, journal: restorer.journal, scratch: restorer.scratch)
            kinds = try importer.writeReport(to: reportURL)
        }
        if try restorer.journal.pendingIntents().isEmpty {
            try restorer.journal.finish(at: Exporter.timestamp(Date()))
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
        let lock = try StateLock(directory.appendingPathComponent("import.lock"))
        defer { lock.release() }
        // Before any call: the archive is verified, and refused when partial unless allowed.
        try ArchiveGate.check(selection.archive, allowPartial: options.allowPartial)
        let request = [
            "archive", selection.archive.standardizedFileURL.path, selection.kind,
            selection.ids.sorted().joined(separator: ","), selection.queryText ?? "-", "\(selection.withChildren)",
        ].joined(separator: "\n")
        var restorer = try restorer(request: request, options: options)
        restorer.verified = [selection.archive.path]
        var rows = try await selection.rows(live: restorer.live)
        if plan {
            try restorer.collect(&rows, from: [selection.archive], writing: false)
            for i in rows.indices where rows[i].archive != nil {
                rows[i].live = try await restorer.live(rows[i].records).count
                // Brought back by an earlier restore: kept while that copy is live (the run checks).
                if let earlier = restorer.earlierRuns {
                    for record in rows[i].records
                    where try restorer.journal.earlier(record.kind, record.id, runsStartingWith: earlier).first?
                        .targetID != nil
                    {
                        rows[i].before += 1
                    }
                }
            }
            return TrashRestoreResult(
                outcome: .init(
                    rows: rows, newestArchive: selection.archive.lastPathComponent, importSummary: .init(),
                    repointed: 0),
                kinds: [], report: reportURL)
        }
        try restorer.journal.begin(
            archive: selection.archive.lastPathComponent, target: "restore \(settings.business)",
            at: Exporter.timestamp(Date()))
        return try finish(
            restorer, try await restorer.restore(rows, from: [selection.archive], keepingLiveMembers: true))
    }
}

extension ImportSession {
    /// The default state directory (`$XDG_STATE_HOME/plutio-backup`): the rate ledger of a
    /// command that keeps no journal.
    public static var defaultStateDirectory: URL { StateDatabase.defaultURL().deletingLastPathComponent() }

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
    public var undoDirectory: URL { directory.appendingPathComponent("undo") }
}

/// An archive of the `--archives` directory cannot be read.
public struct UnusableArchive: Error, LocalizedError, Sendable {
    public let path: String
    public let reason: String

    public var errorDescription: String? {
        "\(reason) It is in the --archives directory: move it out (or replace it) and run again. Nothing was restored."
    }
}
