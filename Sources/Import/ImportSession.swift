import Archive
import ArchiveChecks
import Basics
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import Session
import StateStore

/// What one import needs, opened once: the state directory (journal, rate ledger, report), a
/// client of the target paced by the ledger every process of the API client shares, and the
/// importer.
///
/// One state directory holds one import at a time (a lock file says so); a rerun with the same
/// archive and target resumes the journal, and a finished run does nothing.
public struct ImportSession: Sendable {
    let session: StateSession
    var settings: ConnectionSettings { session.settings }
    var client: PlutioClient { session.client }
    var database: StateDatabase { session.database }

    /// How long after a lost create answer a late apply is looked for (`Importer.lateApplyWindow`).
    package var lateApplyWindow: TimeInterval

    public init(settings: ConnectionSettings, stateDirectory: URL, retry: RetryPolicy = .standard) throws {
        session = try StateSession(settings: settings, stateDirectory: stateDirectory, retry: retry)
        lateApplyWindow = session.lateApplyWindow
    }

    /// HTTP calls this process has made (token calls and retries included).
    public var callsMade: Int { session.callsMade }

    /// Calls the ledger holds inside the budget's current window, from every process of this API client.
    public func callsInWindow() -> Int? { session.callsInWindow() }

    /// The report of the run, `report.ndjson` in the state directory.
    public var reportURL: URL { session.reportURL }
    var summaryURL: URL { session.directory.appendingPathComponent("summary.json") }

    /// What the import would do and cost; reads the target (step 0, and the check for records
    /// it would duplicate) and writes nothing.
    public func plan(_ options: ImportOptions) async throws -> ImportPlan {
        let checked = try check(options)
        // A newer archive of what this state imported: the delta's plan, against the rows it
        // builds on (a resumed delta's own).
        let current = ImportJournal(database: database, run: runID(checked.manifest))
        if let base = try deltaBase(current, manifest: checked.manifest, archive: options.archive) {
            let compared = try current.hasBegun() ? current.run : base
            var importer = try importer(options, run: compared, scratch: "plan-\(compared)")
            importer.delta = options.delta
            let name = try ImportJournal(database: database, run: base).info()?.archive ?? base
            var plan = ImportPlan(kinds: [], targetReads: 0, targetHad: [:])
            plan.delta = try await importer.planDelta(
                archive: options.archive, base: name, ownRows: compared == current.run)
            return plan
        }
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
        let lock = try session.lock()
        defer { lock.release() }
        let checked = try check(options)
        let run = runID(checked.manifest)
        let journal = ImportJournal(database: database, run: run)
        if try journal.finishedAt() != nil {
            // An archive imported before a newer one: the target is past it.
            if let latest = try ImportJournal.runs(into: targetName, in: database).last, latest.run != run {
                throw DeltaRefused(
                    reason: "\(session.directory.path) imported \(latest.archive) after this archive: the target "
                        + "holds a newer state of the source",
                    advice: "import an archive exported later than \(latest.archive) to bring the target up to date")
            }
            if let data = try? Data(contentsOf: summaryURL),
                let kinds = try? JSONDecoder().decode([ImportKindSummary].self, from: data)
            {
                var result = ImportResult(kinds: kinds, report: reportURL, alreadyFinished: true, reconciled: 0)
                result.isDelta = try journal.info()?.baseRun != nil
                return result
            }
        }
        let target = targetName
        // A newer archive of the source a finished run imported is a delta on top of that run.
        let base = try deltaBase(journal, manifest: checked.manifest, archive: options.archive)
        var importer = try importer(options, run: run)
        if base == nil, try !journal.hasBegun(), !options.merge {
            let read = try await importer.readTargetRecords()
            let holdings = try await importer.holdings(
                creating: checked.kinds, stepZero: read, archiveKeys: checked.keys)
            guard holdings.isEmpty else { throw TargetNotEmpty(business: settings.business, holdings: holdings) }
            importer.preread = read
        }
        try journal.begin(archive: options.archive.lastPathComponent, target: target, at: Timestamp.string(Date()))
        try journal.describe(
            source: Self.sourceName(checked.manifest), archiveStartedAt: checked.manifest.startedAt, base: base)
        if let base {
            try journal.carry(from: base)
            importer.delta = options.delta
        }
        importer.progress = progress
        let summary = try await importer.run(verifiedArchive: options.archive)
        try importer.rememberSources()
        let kinds = try importer.writeReport(to: reportURL)
        try writePrivately(JSONEncoder.sorted.encode(kinds), to: summaryURL)
        try journal.finish(at: Timestamp.string(Date()))
        if let base { try ImportJournal(database: database, run: base).releaseSources() }
        try? FileManager.default.removeItem(at: importer.scratch)
        var result = ImportResult(
            kinds: kinds, report: reportURL, alreadyFinished: false, reconciled: summary.reconciled)
        result.lateDuplicatesDeleted = summary.lateDuplicatesDeleted
        result.isDelta = base != nil
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

    /// This target, as the journal names it.
    var targetName: String { "\(settings.apiURL.absoluteString) \(settings.business)" }

    /// The source workspace of an archive, as the journal names it.
    static func sourceName(_ manifest: Manifest) -> String { "\(manifest.source.apiBase) \(manifest.source.business)" }

    /// The run a new import of `manifest`'s archive builds on: the latest finished import into
    /// this target, when it imported an older archive of the same source (a delta); nil when no
    /// import into this target is recorded (a first import), or for a resumed run, what it began
    /// with.
    ///
    /// Refused: an unfinished import of another archive (finish it first), an import of another
    /// source, an archive not newer than the one imported, and a run of an earlier build (which
    /// kept no copy of the records it imported) whose archive is not beside this one.
    func deltaBase(_ journal: ImportJournal, manifest: Manifest, archive: URL) throws -> String? {
        if let info = try journal.info() { return info.baseRun }
        let runs = try ImportJournal.runs(into: targetName, in: database).filter { $0.run != journal.run }
        guard var latest = runs.last else { return nil }
        let state = session.directory.path
        guard latest.finishedAt != nil else {
            throw AnotherImport(
                state: state, archive: latest.archive, target: settings.business, startedAt: latest.startedAt)
        }
        if try latest.source == nil || latest.archiveStartedAt == nil
            || !ImportJournal(database: database, run: latest.run).keepsSources()
        {
            guard try adopt(latest, besides: archive),
                let info = try ImportJournal(database: database, run: latest.run).info()
            else {
                throw DeltaRefused(
                    reason: "the import of \(latest.archive) in \(state) was made by an earlier version of "
                        + "plutio-backup, which kept no copy of the records it imported, and that archive is not "
                        + "beside this one, so what changed since cannot be told",
                    advice: "put \(latest.archive) in the directory of this archive and run again")
            }
            latest = info
        }
        guard let source = latest.source, let imported = latest.archiveStartedAt else { return nil }
        guard source == Self.sourceName(manifest) else {
            throw DeltaRefused(
                reason: "\(state) holds an import of \(latest.archive), from \(source), into \(settings.business); "
                    + "this archive is of \(Self.sourceName(manifest))",
                advice: "give a new --state to import another workspace's archive")
        }
        guard manifest.startedAt > imported else {
            throw DeltaRefused(
                reason: "this archive's export started \(manifest.startedAt), not after that of \(latest.archive) "
                    + "(\(imported)), which \(state) imported last: it would take the target back in time",
                advice: "give an archive exported after \(imported)")
        }
        return latest.run
    }

    /// Gives a finished run of an earlier build what a delta needs (which source and export it
    /// imported, and each record as it was applied) from its archive, when that archive lies
    /// beside `archive` and is the one the run imported (same run id). False when it is not there.
    func adopt(_ run: ImportJournal.RunInfo, besides archive: URL) throws -> Bool {
        let candidate = archive.deletingLastPathComponent().appendingPathComponent(run.archive)
        guard candidate.standardizedFileURL.path != archive.standardizedFileURL.path,
            FileManager.default.fileExists(atPath: candidate.path)
        else { return false }
        let manifest = try ArchiveGate.check(candidate, allowPartial: true)
        guard runID(manifest) == run.run else { return false }
        let journal = ImportJournal(database: database, run: run.run)
        let scratch = session.directory.appendingPathComponent("adopt-\(run.run)")
        try makePrivateDirectory(scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let importer = Importer(client: client, catalog: .standard, journal: journal, scratch: scratch)
        for kind in try importer.extract(candidate) {
            var records: [(sourceID: String, bytes: [UInt8], written: Bool)] = []
            try NDJSONFile.forEachLine(scratch.appendingPathComponent("\(kind).ndjson")) { line in
                if let id = NDJSONFile.id(of: line) { records.append((id, line, false)) }
            }
            // No time of writing is known: a delta compares every field it sends with the target's.
            try journal.remember(kind, records, writtenAt: "")
        }
        try journal.describe(
            source: Self.sourceName(manifest), archiveStartedAt: manifest.startedAt, base: run.baseRun)
        return true
    }

    /// Whether the import of this archive into this target finished (a migration run again then
    /// exports anew and applies the delta).
    public func hasFinished(archive: URL) throws -> Bool {
        let manifest = try ArchiveVerifier.manifest(of: archive)
        return try ImportJournal(database: database, run: runID(manifest)).finishedAt() != nil
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

    func importer(_ options: ImportOptions, run: String, scratch: String? = nil) throws -> Importer {
        var importer = Importer(
            client: client, catalog: .standard, journal: ImportJournal(database: database, run: run),
            scratch: session.directory.appendingPathComponent(scratch ?? "import-\(run)"), include: options.include)
        importer.invites = options.invite
        importer.lateApplyWindow = lateApplyWindow
        return importer
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

/// A newer archive cannot be applied as a delta onto what the state directory imported.
public struct DeltaRefused: Error, LocalizedError {
    public let reason: String
    public let advice: String
    public var errorDescription: String? {
        "Cannot apply this archive as a delta: \(reason). Nothing was written; \(advice)."
    }
}

/// The state directory already holds an unfinished import of another archive into the same target.
public struct AnotherImport: Error, LocalizedError {
    public let state: String
    public let archive: String
    public let target: String
    public let startedAt: String
    public var errorDescription: String? {
        "The state directory \(state) already holds an import of \(archive) into \(target) (started \(startedAt)). "
            + "It has not finished: rerun that import with its archive to finish it (a newer archive is applied "
            + "as a delta once it has), or give a new --state to import into a target the import has not touched."
    }
}
