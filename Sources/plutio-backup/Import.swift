import ArgumentParser
import Engine
import Foundation
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

            STATE/report.ndjson gets one line per source record (kind, sourceId, targetId, outcome, \
            reason, dropped); STATE/summary.json the summary per kind. Exit 3 when records failed, or were \
            skipped although the import should carry them.
            """)

    @Argument(help: "The archive (.tar.zst) to import; it is verified first.") var archive: String
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "State directory: journal, rate ledger, report (created 0700).") var state: String
    @Flag(help: "Print what the import will do and cost, and write nothing.") var plan = false
    @Option(help: "Opt-in kinds to import as well, comma-separated (automations).") var include: String?
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
        let options = ImportOptions(archive: URL(fileURLWithPath: archive), include: try includedKinds(include))
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
