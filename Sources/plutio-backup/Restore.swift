import ArgumentParser
import Basics
import Catalog
import Foundation
import MongoQuery
import PlutioAPI
import Restore
import Session

/// `plutio-backup restore`: trash-bin rows, chosen records and sub-trees from archives, or earlier values.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring items back: trash-bin rows, chosen records or sub-trees of an archive, or earlier values.",
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

            ARCHIVE --kind K (--id ID ... | --where QUERY) [--with-children] recreates chosen records \
            from ARCHIVE in the account the connection options name, with their blocks; --with-children \
            takes whole sub-trees (a project's boards, groups, tasks, subtasks, comments, time tracks, \
            folders, files and wiki). Owners the account no longer has (the board of a restored task) \
            are recreated too; live ones are linked by id, and records the account still has are kept \
            as they are. Resumable through --state like --trash. A record an earlier restore of the \
            business (either form, same --state) brought back is not brought back twice: a trash row is \
            restored once, and an archive restore keeps that copy while it is live.

            ARCHIVE --kind K --id ID --revert [--fields a,b] [--plan] puts live records back to their \
            values in ARCHIVE by PUT, keeping their ids (the invoice that changed since last week); \
            server-owned fields are never sent, lifecycle states and blocks[] are reported as kept (exit 3). \
            --plan shows each field's live and archived value.

            Safe by default: archives are verified before use, and partial ones are refused (left out \
            of --archives) unless --allow-partial. Before a live record is overwritten (--revert, and \
            the re-pointing of live records), its values go to an undo archive STATE/undo/undo-*.tar.zst, \
            whose path is printed: restore it with --revert to put them back. --purge-trash purges a \
            row only when nothing is lost with it (every record restored, no child of an unknown type, \
            no restored file using the trashed original's binary); otherwise the row stays and the \
            output says why. A kind the workspace will not list is never taken as gone: the restore \
            stops (exit 2) unless --assume-gone KIND. People are restored with invite:false unless \
            --invite.
            """)

    @Argument(help: "The archive to restore records from (or, with --revert, their earlier values).")
    var archive: String?
    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Restore trash-bin rows.") var trash = false
    @Option(help: "With --trash: directory of the business's archives (<business>-<UTC time>.tar.zst).")
    var archives: String?
    @Option(
        help:
            "State directory: journal, report, undo archives (created 0700; --revert: default $XDG_STATE_HOME/plutio-backup)."
    )
    var state: String?
    @Flag(help: "Put live records back to their values in ARCHIVE by PUT, keeping their ids (with --kind, --id).")
    var revert = false
    @Option(help: "With ARCHIVE: the kind of the records (e.g. projects, invoices).") var kind: String?
    @Option(name: .customLong("id"), help: "With ARCHIVE: a record's _id; repeat for several.") var ids: [String] = []
    @Option(
        name: .customLong("where"),
        help: ArgumentHelp(
            "With ARCHIVE: the records of --kind matching a query, e.g. '{\"title\":\"Website\"}'.",
            valueName: "query"))
    var query: String?
    @Flag(help: "With ARCHIVE: whole sub-trees (a project's boards, tasks, comments, time tracks, files, wiki...).")
    var withChildren = false
    @Option(help: "With --revert: only these fields, comma-separated.") var fields: String?
    @Option(help: "Only rows deleted at or after this time (ISO 8601, e.g. 2026-11-29 or 2026-11-29T09:00:00Z).")
    var since: String?
    @Option(name: .customLong("row"), help: "Only this trash-bin row (its _id); repeat for several.") var rows:
        [String] = []
    @Flag(help: "Purge each restored row from the trash bin afterwards, where nothing can be lost with it.")
    var purgeTrash = false
    @Flag(help: "Let Plutio invite the people restored (by default they get invite:false: nobody is emailed).")
    var invite = false
    @Flag(help: "Use partial archives (an export that missed kinds or binaries); left out or refused by default.")
    var allowPartial = false
    @Option(
        help: ArgumentHelp(
            "Take records of KIND as gone where the workspace will not list them (by default the restore stops); repeatable.",
            valueName: "kind"))
    var assumeGone: [String] = []
    @Flag(help: "List what would be restored (with --revert: each field's live and archived value), and write nothing.")
    var plan = false

    func validate() throws {
        for kind in assumeGone where Catalog.standard.kind(named: kind) == nil {
            throw ValidationError("--assume-gone \(kind): unknown kind; kinds are named as in the API, e.g. tasks.")
        }
        if revert {
            guard archive != nil, kind != nil, !ids.isEmpty else {
                throw ValidationError("--revert needs the archive, --kind and at least one --id.")
            }
            guard !trash, archives == nil, rows.isEmpty, since == nil, !purgeTrash, query == nil, !withChildren,
                !invite, assumeGone.isEmpty
            else {
                throw ValidationError(
                    "--revert takes ARCHIVE, --kind, --id, --fields, --allow-partial and --plan, not the --trash or --where options."
                )
            }
            return
        }
        if let archive {
            guard !trash, archives == nil, rows.isEmpty, since == nil, !purgeTrash, fields == nil else {
                throw ValidationError(
                    "ARCHIVE takes --kind with --id or --where, --with-children, --revert, --fields, --state and --plan; --trash restores from --archives DIR instead."
                )
            }
            guard let kind else { throw ValidationError("Give --kind K for the records to restore from \(archive).") }
            guard Catalog.standard.kind(named: kind) != nil else {
                throw ValidationError(
                    "Unknown kind \(kind); kinds are named as in the API, e.g. projects, tasks, invoices.")
            }
            guard ids.isEmpty != (query == nil) else {
                throw ValidationError("Give either --id ID (repeatable) or --where QUERY, not both and not neither.")
            }
            if let query {
                do { _ = try MongoQuery(text: query) } catch {
                    throw ValidationError("--where \(query): \(error)")
                }
            }
            return
        }
        guard trash else {
            throw ValidationError(
                "Give --trash (with --archives and --state), ARCHIVE --kind K (--id ID | --where QUERY), or ARCHIVE --kind K --id ID --revert."
            )
        }
        guard archives != nil, state != nil else {
            throw ValidationError("--trash needs --archives DIR and --state DIR.")
        }
        if let since, Self.date(since) == nil {
            throw ValidationError("--since \(since) is not a date such as 2026-11-29 or 2026-11-29T09:00:00Z")
        }
    }

    static func date(_ text: String) -> Date? { Timestamp.date(text, dateOnly: true) }

    func run() async throws {
        let settings = try connection.settings()
        let session = try RestoreSession(
            settings: settings,
            stateDirectory: state.map { URL(fileURLWithPath: $0) } ?? StateSession.defaultDirectory)
        if revert, let archive, let kind {
            let outcome = try await session.revert(
                archive: URL(fileURLWithPath: archive), kind: kind, ids: ids,
                fields: fields.map { Set($0.split(separator: ",").map(String.init)) }, dryRun: plan,
                allowPartial: allowPartial)
            for r in outcome.results {
                var line = "\(kind) \(r.id): "
                if let missing = r.missing {
                    line += "NOT REVERTED: \(missing)"
                } else if r.changes.isEmpty {
                    line += "already as archived"
                } else {
                    line += "\(plan ? "would revert" : "reverted") "
                    line += r.changes.map { "\($0.field) \($0.old ?? "(none)") -> \($0.new ?? "(none)")" }
                        .joined(separator: "; ")
                }
                for (field, why) in r.kept.sorted(by: { $0.key < $1.key }) { line += "; kept \(field): \(why)" }
                print(line)
            }
            if let undo = outcome.undoArchive {
                print(
                    "the values replaced are kept in \(undo.path); to put them back: plutio-backup restore "
                        + "\(undo.path) --kind \(kind) \(ids.map { "--id \($0)" }.joined(separator: " ")) --revert")
            }
            if outcome.results.contains(where: { $0.missing != nil || !$0.kept.isEmpty }) {
                throw Outcome(status: .partial)
            }
            return
        }
        let options = RestoreOptions(invite: invite, allowPartial: allowPartial, assumeGone: Set(assumeGone))
        if let archive, let kind {
            let selection = ArchiveSelection(
                archive: URL(fileURLWithPath: archive), kind: kind, ids: Set(ids),
                query: try query.map { try MongoQuery(text: $0) }, queryText: query, withChildren: withChildren)
            try report(try await session.restore(selection, plan: plan, options: options), what: kind)
            return
        }
        guard let archives else { return }
        let trashOptions = TrashRestoreOptions(
            archives: URL(fileURLWithPath: archives), rows: rows.isEmpty ? nil : Set(rows),
            since: since.flatMap(Self.date), purge: purgeTrash, restore: options)
        try report(try await session.restoreTrash(trashOptions, plan: plan), what: nil)
    }

    /// Prints a line per row (a trash-bin row, or a chosen record with what came with it), the
    /// summary table and the report's path; exit 3 when something needs attention.
    func report(_ result: TrashRestoreResult, what kind: String?) throws {
        let outcome = result.outcome
        for skipped in outcome.skippedArchives {
            print("left out: \(skipped); --allow-partial uses it")
        }
        if outcome.rows.isEmpty {
            print(kind == nil ? "The trash bin has no row to restore." : "No \(kind ?? "") in the archive matches.")
        }
        for row in outcome.rows {
            var line = "\(kind ?? "row") \(row.id) \"\(row.title)\": \(row.records.count) records"
            if let archive = row.archive {
                if plan {
                    line += ", in \(archive)"
                } else if row.before == row.records.count {
                    line += ", restored before: nothing new" + (row.purged ? "; purged from the trash" : "")
                } else {
                    line += ", restored from \(archive)" + (row.purged ? "; purged from the trash" : "")
                    if kind != nil { line += " (\(row.created) created)" }
                }
                if row.live > 0 { line += "; \(row.live) still live, kept as they are" }
                if row.before > 0 {
                    line +=
                        plan
                        ? "; \(row.before) restored before (kept while live)"
                        : "; \(row.before) restored before, not again"
                }
                if let age = row.archiveAge, age > 0 {
                    line +=
                        "; archive taken \(Self.duration(age)) before the deletion: changes made after it are not in "
                        + "the restored copy"
                }
                if let kept = row.keptInTrash { line += "; KEPT in the trash: \(kept)" }
            } else {
                line +=
                    kind == nil
                    ? ", MISSING: in no archive (newest searched: \(outcome.newestArchive ?? "none"))"
                    : ", MISSING: not in \(outcome.newestArchive ?? "the archive")"
            }
            print(line)
            for child in row.unknownChildren {
                print("  NOT RESTORED: child \(child) is of a type this build does not know; it stays in the trash")
            }
        }
        if plan {
            print("nothing was written; run without --plan to restore")
            return
        }
        if !result.kinds.isEmpty {
            print(ImportReporter.table(result.kinds))
            print(
                "restored records are new records: their creation dates, authors and task numbers are the "
                    + "workspace's (the archive keeps the originals)")
            print("live records pointed at restored ones: \(outcome.repointed)")
            for failure in outcome.repointFailures { print("  NOT RE-POINTED: \(failure)") }
            for undo in outcome.undoArchives {
                print("their values before are kept in \(undo.path) (restore it with --revert to put them back)")
            }
            print("report: \(result.report.path)")
        }
        if result.needsAttention > 0 { throw Outcome(status: .partial) }
    }
}

extension Restore {
    /// `13 h`, `2 d 4 h`, `25 min`: how long, roughly.
    static func duration(_ seconds: TimeInterval) -> String {
        let minutes = Int(seconds / 60)
        if minutes < 60 { return "\(max(1, minutes)) min" }
        let hours = minutes / 60
        if hours < 48 { return "\(hours) h" }
        return "\(hours / 24) d \(hours % 24) h"
    }
}
