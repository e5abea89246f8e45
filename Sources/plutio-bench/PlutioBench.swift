// plutio-bench: measurements for scripts/bench, against a FakePlutio started in-process.
import ArgumentParser
import Catalog
import Export
import FakeHarness
import FakePlutio
import Foundation
import PlutioAPI

@main
struct PlutioBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plutio-bench",
        abstract: "Benchmarks plutio-backup against an in-process fake.",
        subcommands: [Calls.self, ArchiveBench.self, DeltaBench.self, NightlyBench.self])
}

/// Calls used to read a whole seeded workspace, next to the minimum.
struct Calls: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Calls for a full read of a seeded workspace, per kind, next to the minimum ceil(records/cap).")

    @Option(help: "Records to seed.") var records = 5000
    @Option(help: "Silent page caps to measure, comma-separated; `none` for no cap.") var caps = "50,1000"
    @Option(help: "Seed of the workspace.") var seed: UInt64 = 1

    func run() async throws {
        for capText in caps.split(separator: ",").map(String.init) {
            let cap = capText == "none" ? nil : Int(capText)
            let harness = try await FakeHarness.start(records: records, seed: seed) { $0.limitCap = cap }
            let client = try harness.client()
            let summaries = try await WorkspaceReader(client: client, catalog: .standard).read(into: MemoryJournal())
            let log = await harness.fake.requestLog()
            await harness.stop()
            let page = min(cap ?? client.pageLimit, client.pageLimit)
            let tokens = log.filter { $0.path.hasSuffix("/oauth/token") }.count
            var minimum = tokens
            var overOne = 0
            print("cap \(capText): \(records) seeded records, page \(page)")
            print("  kind                     records  calls  minimum")
            for s in summaries {
                let kindMinimum = (s.records + page - 1) / page
                minimum += kindMinimum
                if s.calls > kindMinimum + 1 { overOne += 1 }
                let name = s.kind.padding(toLength: 24, withPad: " ", startingAt: 0)
                print("  \(name) \(pad(s.records, 7))  \(pad(s.calls, 5))  \(pad(kindMinimum, 7))")
            }
            let used = log.count
            print(
                "cap \(capText): \(used) calls used, minimum \(minimum) (\(tokens) token), minimum + kinds = \(minimum + summaries.count); "
                    + "\(overOne) kinds used more than minimum + 1")
            // A nightly run knows the last export's sizes and reads the largest kind first.
            let again = try await FakeHarness.start(records: records, seed: seed) { $0.limitCap = cap }
            var informed = WorkspaceReader(client: try again.client(), catalog: .standard)
            informed.expectedRecords = Dictionary(uniqueKeysWithValues: summaries.map { ($0.kind, $0.records) })
            _ = try await informed.read(into: MemoryJournal())
            let repeatCalls = await again.fake.requestLog().count
            await again.stop()
            print(
                "cap \(capText): \(repeatCalls) calls used by a repeat export (largest kind first, sizes from the last one)"
            )
            try await refusedBatch(cap: cap, capText: capText, page: page)
        }
    }

    /// The variant where `/comments` refuses batched parent scopes (contract §10): one call per parent.
    /// Its minimum is one call per parent that may hold comments (live parents, and trashed parents
    /// whose kind does not take its comments into the trash), plus the extra pages of parents with
    /// more comments than a page.
    func refusedBatch(cap: Int?, capText: String, page: Int) async throws {
        let harness = try await FakeHarness.start(records: records, seed: seed) {
            $0.limitCap = cap
            $0.acceptsBatchedCommentScopes = false
        }
        let summaries = try await WorkspaceReader(client: try harness.client(), catalog: .standard)
            .read(into: MemoryJournal())
        let ws = await harness.fake.workspace("acme")!
        await harness.stop()
        let catalog = Catalog.standard
        guard let comments = catalog.kind(named: "comments"),
            let summary = summaries.first(where: { $0.kind == "comments" })
        else { return }
        var perParent: [String: Int] = [:]
        for comment in ws.objects(kind: "comments") {
            if let parent = comment["entityId"]?.stringValue { perParent[parent, default: 0] += 1 }
        }
        var parents = Set<String>()
        for kind in comments.parents {
            for record in ws.objects(kind: kind) { if let id = record["_id"]?.stringValue { parents.insert(id) } }
        }
        for (kind, record) in ws.trashedObjects() where comments.parents.contains(kind) {
            let cascades = catalog.kind(named: kind)?.cascade.contains { $0.kind == "comments" } ?? false
            if !cascades, let id = record["_id"]?.stringValue { parents.insert(id) }
        }
        let extraPages = parents.reduce(0) { $0 + max(0, ((perParent[$1] ?? 0) + page - 1) / page - 1) }
        let minimum = parents.count + extraPages
        print(
            "cap \(capText), batched comment scopes refused: comments \(summary.records) records in \(summary.calls) calls, "
                + "minimum \(minimum) (\(parents.count) parents that may hold comments, \(extraPages) extra pages)")
    }

    func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }
}
