import ArchiveChecks
import ArgumentParser
import FakeHarness
import FakePlutio
import Foundation
import Import
import PlutioAPI

/// A delta migration's cost: a seeded workspace imported into an empty one, a share of its
/// records changed through the API, a second export, and the delta: its calls next to the plan's
/// and to the records that changed.
struct DeltaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delta",
        abstract:
            "Calls of a delta import after a share of a seeded workspace changed, next to the plan and the changes.")

    @Option(help: "Records to seed.") var records = 20000
    @Option(help: "Share of the records changed at the source, in percent.") var changed = 1.0
    @Option(help: "Seed of the workspace and of the changes.") var seed: UInt64 = 1
    @Option(help: "Budget the wall time is worked out at, as N/DURATION.") var rate = "1000/1h"

    func run() async throws {
        guard let budget = RateBudget(parsing: rate) else {
            throw ValidationError("--rate: give N/DURATION, such as 1000/1h")
        }
        let h = try await FakeHarness.start(
            accounts: [FakeHarness.acme, FakeHarness.globex], records: records, seed: seed)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let state = out.appendingPathComponent("import")
            func session() throws -> ImportSession { try h.importSession(state: state) }
            let clock = ContinuousClock()
            let (first, _) = try await FakeHarness.exportAcme(h, to: out)
            let firstImport = try session()
            let started = clock.now
            let initial = try await firstImport.run(ImportOptions(archive: first))
            let initialSeconds = (clock.now - started).seconds
            let seeded = initial.kinds.reduce(0) { $0 + $1.records }
            print("delta: \(seeded) records imported in \(format(initialSeconds)) s, \(firstImport.callsMade) calls")

            let count = Int((Double(records) * changed / 100).rounded())
            let edits = try await h.editSource(count: count, seed: seed)
            let (second, _) = try await FakeHarness.exportAcme(h, to: out)
            var differ = 0
            _ = try ArchiveDiff(scratch: out.appendingPathComponent("diff")).run(old: first, new: second) { change in
                if change.kind != "trash-bin" { differ += 1 }
            }
            print(
                "delta: \(edits.total) changes through the API (\(edits.edited) edits, \(edits.created) new records, "
                    + "\(edits.moved) moves, \(edits.archived) archived, \(edits.trashed) trashed, one of them a project); "
                    + "\(differ) records differ between the two archives (trash rows left out)")

            guard let plan = try await session().plan(ImportOptions(archive: second)).delta else {
                throw ValidationError("the second archive was not planned as a delta")
            }
            let delta = try session()
            let deltaStart = clock.now
            let result = try await delta.run(ImportOptions(archive: second))
            let seconds = (clock.now - deltaStart).seconds
            let used = delta.callsMade
            let total = { (f: (ImportKindSummary) -> Int) in result.kinds.reduce(0) { $0 + f($1) } }
            print(
                "delta: \(total(\.created)) created, \(total(\.updated)) updated, \(total(\.moved)) moved, "
                    + "\(total(\.deleted)) deleted, \(total(\.conflicts)) conflicts, \(total(\.failed)) failed, "
                    + "\(total(\.unchanged)) unchanged, in \(format(seconds)) s")
            let reads = plan.targetReads + 1
            let writes = used - reads
            let off = Double(used - plan.calls) / Double(max(1, plan.calls)) * 100
            print(
                "delta: \(used) calls used, \(plan.calls) planned (\(String(format: "%+.1f", off))%; goal within 2%): "
                    + "\(reads) reads (token, step 0's lists, the target records the delta touches by $in) and "
                    + "\(writes) writes")
            print(
                "delta: \(String(format: "%.2f", Double(writes) / Double(max(1, differ)))) writes per changed record "
                    + "(goal at most 1.2); the first import took \(firstImport.callsMade) calls, the delta "
                    + "\(String(format: "%.1f", Double(used) / Double(firstImport.callsMade) * 100))% of that")
            // Calls beyond one window's allowance wait for it; a fresh window takes the rest at once.
            func hours(_ calls: Int) -> Double {
                Double(max(0, calls - budget.limit)) * budget.window.seconds / Double(budget.limit) / 3600
            }
            print(
                "delta: at \(rate) the delta's \(used) calls "
                    + (used <= budget.limit
                        ? "fit in one window: it runs at the server's pace (\(format(seconds)) s here)"
                        : "take about \(format(hours(used))) h")
                    + "; the first import's \(firstImport.callsMade) take about \(format(hours(firstImport.callsMade))) h"
            )
        }
    }

    func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
