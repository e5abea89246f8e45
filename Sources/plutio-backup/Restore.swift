import ArgumentParser
import Basics
import Engine
import Foundation
import PlutioAPI

/// `plutio-backup restore --trash`: recreates trash-bin rows from archives.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring items back from Plutio's trash bin, recreated from archives.",
        discussion: """
            Plutio has no restore route, so --trash recreates each trash-bin row (a deleted record and \
            the children that went with it) from the newest archive in --archives that holds it, under \
            new ids: references within the row are remapped, references to live records keep their ids, \
            and live records that still name an old id (time tracks, invoices, events of a restored \
            project, ...) are pointed at the new one, that field only. A row found in no archive is \
            listed with the newest archive searched. --purge-trash then purges each restored row, so the \
            UI cannot bring back a second copy. Rerun after a kill with the same arguments: nothing is \
            created twice. STATE/report.ndjson has a line per restored record; exit 3 when a row is in \
            no archive or a record failed.

            ARCHIVE --kind K --id ID --revert [--fields a,b] [--plan] puts live records back to their \
            values in ARCHIVE by PUT, keeping their ids (the invoice that changed since last week); \
            server-owned fields are never sent, lifecycle states and blocks[] are reported as kept (exit 3).
            """)

    @Argument(help: "With --revert: the archive holding the records' earlier values.") var archive: String?
    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Restore trash-bin rows.") var trash = false
    @Option(help: "With --trash: directory of the business's archives (<business>-<UTC time>.tar.zst).")
    var archives: String?
    @Option(
        help:
            "State directory: journal, rate ledger, report (created 0700; --revert: default $XDG_STATE_HOME/plutio-backup)."
    )
    var state: String?
    @Flag(help: "Put live records back to their values in ARCHIVE by PUT, keeping their ids (with --kind, --id).")
    var revert = false
    @Option(help: "With --revert: the kind of the records (e.g. invoices).") var kind: String?
    @Option(name: .customLong("id"), help: "With --revert: a record's _id; repeat for several.") var ids: [String] = []
    @Option(help: "With --revert: only these fields, comma-separated.") var fields: String?
    @Option(help: "Only rows deleted at or after this time (ISO 8601, e.g. 2026-11-29 or 2026-11-29T09:00:00Z).")
    var since: String?
    @Option(name: .customLong("row"), help: "Only this trash-bin row (its _id); repeat for several.") var rows:
        [String] = []
    @Flag(help: "Purge each restored row from the trash bin afterwards.") var purgeTrash = false
    @Flag(help: "List the rows and the archive that holds each, and write nothing.") var plan = false

    func validate() throws {
        if revert {
            guard archive != nil, kind != nil, !ids.isEmpty else {
                throw ValidationError("--revert needs the archive, --kind and at least one --id.")
            }
            guard !trash, archives == nil, rows.isEmpty, since == nil, !purgeTrash else {
                throw ValidationError(
                    "--revert takes ARCHIVE, --kind, --id, --fields and --plan, not the --trash options.")
            }
            return
        }
        guard trash else {
            throw ValidationError(
                "Give --trash (with --archives and --state), or ARCHIVE --kind K --id ID --revert: recreating chosen records or sub-trees from an archive is not in this version yet."
            )
        }
        guard archives != nil, state != nil else {
            throw ValidationError("--trash needs --archives DIR and --state DIR.")
        }
        if let since, Self.date(since) == nil {
            throw ValidationError("--since \(since) is not a date such as 2026-11-29 or 2026-11-29T09:00:00Z")
        }
    }

    static func date(_ text: String) -> Date? { parseISODate(text, dateOnly: true) }

    func run() async throws {
        let settings = try connection.settings()
        let session = try ImportSession(
            settings: settings,
            stateDirectory: state.map { URL(fileURLWithPath: $0) } ?? ImportSession.defaultStateDirectory)
        if revert, let archive, let kind {
            let results = try await session.revert(
                archive: URL(fileURLWithPath: archive), kind: kind, ids: ids,
                fields: fields.map { Set($0.split(separator: ",").map(String.init)) }, dryRun: plan)
            for r in results {
                var line = "\(kind) \(r.id): "
                if let missing = r.missing {
                    line += "NOT REVERTED: \(missing)"
                } else {
                    line +=
                        r.reverted.isEmpty
                        ? "already as archived"
                        : "\(plan ? "would revert" : "reverted") \(r.reverted.joined(separator: ", "))"
                }
                for (field, why) in r.kept.sorted(by: { $0.key < $1.key }) { line += "; kept \(field): \(why)" }
                print(line)
            }
            if results.contains(where: { $0.missing != nil || !$0.kept.isEmpty }) { throw Outcome(status: .partial) }
            return
        }
        guard let archives else { return }
        let options = TrashRestoreOptions(
            archives: URL(fileURLWithPath: archives), rows: rows.isEmpty ? nil : Set(rows),
            since: since.flatMap(Self.date),
            purge: purgeTrash)
        let result = try await session.restoreTrash(options, plan: plan)
        let outcome = result.outcome
        if outcome.rows.isEmpty { print("The trash bin has no row to restore.") }
        for row in outcome.rows {
            var line = "row \(row.id) \"\(row.title)\": \(row.records.count) records"
            if let archive = row.archive {
                line +=
                    plan
                    ? ", in \(archive)" : ", restored from \(archive)" + (row.purged ? "; purged from the trash" : "")
            } else {
                line += ", MISSING: in no archive (newest searched: \(outcome.newestArchive ?? "none"))"
            }
            print(line)
        }
        if plan {
            print("nothing was written; run without --plan to restore")
            return
        }
        if !result.kinds.isEmpty {
            print(ImportReporter.table(result.kinds))
            print("live records pointed at restored ones: \(outcome.repointed)")
            print("report: \(result.report.path)")
        }
        if result.needsAttention > 0 { throw Outcome(status: .partial) }
    }
}
