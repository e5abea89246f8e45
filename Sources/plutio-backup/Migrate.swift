import ArchiveChecks
import ArgumentParser
import Export
import Foundation
import Import
import PlutioAPI
import Session

/// `plutio-backup migrate`: export the source, keep the archive, import it into the target.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Copy a workspace into another: export the source into DIR, then import that archive into the target.",
        discussion: """
            The archive is kept in DIR. Each side has its own API client and rate budget (one client \
            used for both shares one budget). Rerun with the same arguments after a kill or a failure: \
            the export resumes, and once it is written the import resumes from the journal in the state \
            directory, with the same archive, creating nothing twice. See `import --help` for the report \
            and the exit codes.

            Cutover: a migration that finished, run again, exports the source anew and applies only what \
            changed since (a delta): new records created, changed ones updated or moved, records gone \
            from the source deleted in the target (--keep-deleted leaves them), conflicts with edits made \
            in the target kept and reported (--prefer source overwrites them). --plan exports, then shows \
            what the import (or the delta) will do and cost, writing nothing in the target; the next run \
            applies that archive.

            A new migration first checks the target: one that already holds records of the kinds a \
            migration creates (beyond a fresh account's own) stops before exporting (exit 2) unless \
            --merge. A partial export is not imported unless --allow-partial. People are created with \
            invite:false unless --invite.
            """)

    @OptionGroup(title: "Source") var source: Connection<SourceWorkspace>
    @OptionGroup(title: "Target") var target: Connection<TargetWorkspace>
    @Option(help: "Directory for the archive (created 0700 if missing).") var output: String
    @Option(help: "State directory: checkpoints, journal, report (created 0700).") var state: String
    @Option(help: "Opt-in kinds to import as well, comma-separated (automations).") var include: String?
    @OptionGroup var safety: ImportSafetyOptions
    @OptionGroup(title: "Run again after it finished (a delta)") var delta: DeltaFlags
    @Flag(help: "Export, then print what the import (or the delta) will do and cost; write nothing in the target.")
    var plan = false
    @Flag(help: "Do not download file binaries into the archive (files are recreated as links either way).")
    var noFiles = false
    @Flag(help: "Print JSON progress events and summaries on stdout.") var json = false
    @OptionGroup var ledger: LedgerOption

    func validate() throws { _ = try includedKinds(include) }

    func run() async throws {
        var sourceSettings = try source.settings()
        var targetSettings = try target.settings()
        sourceSettings.ledgerDirectory = ledger.directory
        targetSettings.ledgerDirectory = ledger.directory
        let stateURL = URL(fileURLWithPath: state)
        // One migration at a time per state directory: two would export twice and import twice.
        let lock = try StateLock(stateURL.appendingPathComponent("migrate.lock"))
        defer { lock.release() }
        let session = try ImportSession(settings: targetSettings, stateDirectory: stateURL)
        var options = ImportOptions(
            archive: URL(fileURLWithPath: output), include: try includedKinds(include), invite: safety.invite,
            merge: safety.merge)
        options.allowPartial = safety.allowPartial
        options.delta = delta.options
        // A new migration checks its target before the export, not hours later: the import would
        // stop there anyway.
        if try MigrationRecord.archive(in: stateURL) == nil, !options.merge {
            try await session.checkTarget(options)
        }
        options.archive = try await exportedArchive(sourceSettings, state: stateURL, session: session)
        let archive = options.archive
        if plan {
            ImportReporter.printPlan(try await session.plan(options), budget: targetSettings.rate, json: json)
            return
        }
        let reporter = ImportReporter(
            json: json, budget: targetSettings.rate, expected: try session.expectedRecords(options),
            callsMade: { session.callsMade }, callsInWindow: { session.callsInWindow() })
        let result = try await session.run(options) { reporter.report($0) }
        reporter.summary(result)
        let exportPartial = try ArchiveInspector(url: archive).manifest().complete == false
        if exportPartial {
            FileHandle.standardError.write(
                Data("The archive is partial (its manifest names what is missing): exit 3.\n".utf8))
        }
        // The archive's path is the last line, as export prints it (JSON lines end with the summary).
        if !json { print(archive.path) }
        if result.needsAttention > 0 || exportPartial { throw Outcome(status: .partial) }
    }

    /// The archive of this migration: the one an earlier run wrote (named in STATE/migrate.json)
    /// while its import has not finished; else a new export of the source (a first run, or a
    /// cutover: the import then applies what changed since).
    func exportedArchive(_ settings: ConnectionSettings, state: URL, session: ImportSession) async throws -> URL {
        if let archive = try MigrationRecord.archive(in: state), try !session.hasFinished(archive: archive) {
            return archive
        }
        let session = try ExportSession(settings: settings, stateDirectory: state)
        let reporter = ProgressReporter(json: json, budget: settings.rate) { session.callsInWindow() }
        var options = ExportOptions(output: URL(fileURLWithPath: output), toolVersion: PlutioBackup.version)
        options.downloadFiles = !noFiles
        let result = try await session.export(options) { reporter.report($0, calls: session.callsMade) }
        reporter.summary(result)
        try MigrationRecord.save(archive: result.archive, in: state)
        return result.archive
    }
}
