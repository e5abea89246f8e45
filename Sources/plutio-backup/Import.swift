import ArgumentParser
import Foundation
import Import
import PlutioAPI

/// `plutio-backup import`: rebuilds an archive's records in the workspace the connection options name.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild an archive's records in a workspace (another account, or the same one).",
        discussion: """
            Kinds are created in dependency order (businesses, people, projects, task groups, tasks, ...) \
            with every reference remapped to the new ids; what the target already has (its business, \
            dashboards, roles, owner, custom fields, statuses and categories with equal titles) is mapped, \
            never duplicated. The state directory holds the journal: a killed or failed import, rerun \
            with the same arguments, resumes without creating anything twice, and a finished one does \
            nothing. Start with --plan: it reads the target and prints what the import will do and cost, \
            writing nothing.

            Safe by default: the archive is verified first, and a partial one (an export that missed \
            kinds or binaries) is refused unless --allow-partial. A new import stops before its first \
            write (exit 2) when the target already holds records of the kinds it creates, beyond a fresh \
            account's own and what it matches by email or title: into the archive's own workspace it \
            would make every record twice. --merge imports beside them on purpose. People are created \
            with invite:false, so nobody is emailed, unless --invite. What no import can carry (creation \
            dates, authors, task numbers, lifecycle states, binaries) is listed by --plan.

            A newer archive of the same source into the same state directory, once the earlier import \
            finished, applies the delta: records new at the source are created, changed ones get their \
            changed fields (a new parent through /move), records gone from the source are deleted in the \
            target (into its trash bin; --keep-deleted leaves them), and unchanged ones cost nothing. A \
            field changed in the target since the import wrote it is kept and reported as a conflict \
            (--prefer source overwrites it). An older archive is refused. --plan shows the delta first.

            STATE/report.ndjson gets one line per source record (kind, sourceId, targetId, outcome, \
            reason, dropped), for a delta one per record it touched (created, updated, moved, deleted, \
            conflict, with the fields); STATE/summary.json the summary per kind. Exit 3 when records \
            failed, were skipped although the import should carry them, or were left in conflict.
            """)

    @Argument(help: "The archive (.tar.zst) to import; it is verified first.") var archive: String
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "State directory: journal, report (created 0700).") var state: String
    @Flag(help: "Print what the import will do and cost, and write nothing.") var plan = false
    @Option(help: "Opt-in kinds to import as well, comma-separated (automations).") var include: String?
    @OptionGroup var safety: ImportSafetyOptions
    @OptionGroup(title: "A newer archive (a delta)") var delta: DeltaFlags
    @Flag(help: "Print JSON (the plan, or progress events and the summary) on stdout.") var json = false

    func validate() throws {
        _ = try includedKinds(include)
        guard FileManager.default.fileExists(atPath: archive) else {
            throw ValidationError("No archive at \(archive); give the path of a .tar.zst that export wrote.")
        }
    }

    func run() async throws {
        let settings = try connection.settings()
        let session = try ImportSession(settings: settings, stateDirectory: URL(fileURLWithPath: state))
        var options = ImportOptions(
            archive: URL(fileURLWithPath: archive), include: try includedKinds(include), invite: safety.invite,
            merge: safety.merge)
        options.allowPartial = safety.allowPartial
        options.delta = delta.options
        if plan {
            ImportReporter.printPlan(try await session.plan(options), budget: settings.rate, json: json)
            return
        }
        let reporter = ImportReporter(
            json: json, budget: settings.rate, expected: try session.expectedRecords(options),
            callsMade: { session.callsMade }, callsInWindow: { session.callsInWindow() })
        let result = try await session.run(options) { reporter.report($0) }
        reporter.summary(result)
        if result.needsAttention > 0 { throw Outcome(status: .partial) }
    }
}

/// The kinds named by `--include`, checked against the catalogue's opt-in kinds.
func includedKinds(_ text: String?) throws -> Set<String> {
    guard let text else { return [] }
    let names = Set(text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
    let optIn = ImportSession.optInKinds
    let unknown = names.subtracting(optIn)
    if !unknown.isEmpty {
        throw ValidationError(
            "--include: \(unknown.sorted().joined(separator: ", ")) is not an opt-in kind; opt-in kinds: \(optIn.sorted().joined(separator: ", "))"
        )
    }
    return names
}

/// The safety switches of the commands that write to a workspace: each one makes possible on
/// purpose what is refused by default.
struct ImportSafetyOptions: ParsableArguments {
    @Flag(help: "Let Plutio invite the people created (by default they get invite:false: nobody is emailed).")
    var invite = false
    @Flag(help: "Import beside the records the target already holds (by default such an import stops, exit 2).")
    var merge = false
    @Flag(help: "Use an archive whose export was partial (lacking kinds or binaries); refused by default.")
    var allowPartial = false
}

/// How a newer archive of an imported source is applied (a delta).
struct DeltaFlags: ParsableArguments {
    enum Side: String, ExpressibleByArgument, CaseIterable { case target, source }

    @Flag(help: "Leave records gone from the source in the target (by default a delta deletes them into its trash).")
    var keepDeleted = false
    @Option(
        help: ArgumentHelp(
            "Whose side a conflict takes: target (keep what was changed there since the import, and report it) or source.",
            valueName: "side"))
    var prefer: Side = .target

    var options: DeltaOptions { DeltaOptions(keepDeleted: keepDeleted, preferSource: prefer == .source) }
}
