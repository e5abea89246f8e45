import Catalog
import Export
import FakeHarness
import FakePlutio
import Foundation
import PlutioAPI
import StateStore
import Testing

/// Whole-workspace reads: complete, exact and duplicate-free under every list variant, and
/// missing no survivor while records change and the server fails.
@Suite(.timeLimit(.minutes(10))) struct WorkspaceReaderTests {
    static func readAll(_ client: PlutioClient) async throws -> ([String: [RawRecord]], [KindSummary]) {
        let journal = MemoryJournal()
        let summaries = try await WorkspaceReader(client: client, catalog: .standard).read(into: journal)
        return (await journal.held, summaries)
    }

    static let variants: [(cap: Int?, defaultLimit: Int?)] = [
        (7, 20), (50, 20), (1000, 20), (nil, 20), (7, nil), (50, nil), (1000, nil), (nil, nil),
    ]

    @Test(arguments: variants)
    func readsEveryKindCompletelyAndExactly(cap: Int?, defaultLimit: Int?) async throws {
        let h = try await FakeHarness.start(records: 700) {
            $0.limitCap = cap
            $0.defaultLimit = defaultLimit
        }
        try await h.stopAfter {
            let (walked, summaries) = try await Self.readAll(try h.client())
            let expected = await h.serverRecords()
            #expect(Set(summaries.map(\.kind)) == Set(expected.keys))
            for (kind, records) in expected {
                let got = (walked[kind] ?? []).map(\.bytes)
                #expect(got.count == Set(got).count, "\(kind): duplicates")
                #expect(Set(got) == Set(records), "\(kind): \(got.count) read, \(records.count) on the server")
            }
            #expect(!summaries.contains { $0.sawMovement })
        }
    }

    /// The exporter keeps each walk's dedupe set in a scratch file; the read must be as exact.
    @Test func missesNoSurvivorWithDedupeSetsOnDisk() async throws {
        let h = try await FakeHarness.start(records: 700) {
            $0.limitCap = 7
            $0.mutations = MutationPlan(every: 3, seed: 12)
        }
        try await h.stopAfter {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("seen-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let journal = MemoryJournal()
            let reader = WorkspaceReader(client: try h.client(), catalog: .standard) { kind in
                try DiskIDSet(url: scratch.appendingPathComponent("\(kind).sqlite"))
            }
            let before = await h.serverIDs()
            let summaries = try await reader.read(into: journal)
            let after = await h.serverIDs()
            let walked = await journal.held
            #expect(before != after)
            #expect(summaries.contains { $0.sawMovement })
            for (kind, ids) in before where kind != "trash-bin" {
                let got = (walked[kind] ?? []).map(\.id)
                let missed = ids.intersection(after[kind] ?? []).subtracting(got)
                #expect(got.count == Set(got).count, "\(kind): duplicates")
                #expect(missed.isEmpty, "\(kind): missed \(missed.count)")
            }
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "scratch sets are removed")
        }
    }

    @Test(arguments: [(Optional(50), 3), (7, 2), (nil, 4)])
    func missesNoSurvivorUnderMutationFaultsAndShortTokens(cap: Int?, mutateEvery: Int) async throws {
        // The fake's clock moves 10 ms a request: a token lives 30 requests, so it expires
        // several times during the read however fast or loaded the machine is.
        let h = try await FakeHarness.start(records: 1500, clock: SteppingFakeClock(step: 0.01)) {
            $0.limitCap = cap
            $0.mutations = MutationPlan(every: mutateEvery, seed: 11)
            $0.faults.seed = 5
            $0.faults.serverErrorRate = 0.05
            $0.faults.dropBeforeRate = 0.02
            $0.faults.dropMidBodyRate = 0.02
            $0.tokenLifetime = 0.3
        }
        try await h.stopAfter {
            let before = await h.serverIDs()
            let (walked, summaries) = try await Self.readAll(try h.client())
            let after = await h.serverIDs()
            let log = await h.fake.requestLog()
            #expect(log.contains { $0.fault == "500" })
            #expect(log.filter { $0.path.hasSuffix("/oauth/token") }.count > 1, "the token should have been renewed")
            // The read must have raced real changes (overlapping pages absorb small shifts silently).
            #expect(before != after)
            #expect((after["trash-bin"]?.count ?? 0) > (before["trash-bin"]?.count ?? 0))
            #expect(summaries.allSatisfy { $0.error == nil })
            for (kind, ids) in before where kind != "trash-bin" {
                let got = (walked[kind] ?? []).map(\.id)
                let survivors = ids.intersection(after[kind] ?? [])
                let missed = survivors.subtracting(got)
                #expect(got.count == Set(got).count, "\(kind): duplicates")
                #expect(missed.isEmpty, "\(kind): missed \(missed.count) of \(survivors.count)")
            }
        }
    }

    /// Scoped batches larger than what is held in memory are staged page by page; the result is
    /// the same set of comments, each once.
    @Test func stagesLargeScopedBatches() async throws {
        let h = try await FakeHarness.start(records: 1500) { $0.limitCap = 7 }
        try await h.stopAfter {
            let journal = MemoryJournal()
            var reader = WorkspaceReader(client: try h.client(), catalog: .standard)
            reader.stagedRecords = 5
            let summaries = try await reader.read(into: journal)
            let got = (await journal.held["comments"] ?? []).map(\.bytes)
            let expected = await h.serverRecords()["comments"] ?? []
            #expect(got.count == Set(got).count)
            #expect(Set(got) == Set(expected))
            #expect(summaries.first { $0.kind == "comments" }?.records == expected.count)
            #expect(await journal.state(of: "comments").records == expected.count)
        }
    }

    /// With the last export's sizes, the largest kind goes first and teaches the page cap, so
    /// small kinds need no confirming call; the records read are the same.
    @Test func largestKindFirstSavesConfirmingCalls() async throws {
        let h = try await FakeHarness.start(records: 3000)
        try await h.stopAfter {
            let first = MemoryJournal()
            let plain = try await WorkspaceReader(client: try h.client(), catalog: .standard).read(into: first)
            var informed = WorkspaceReader(client: try h.client(), catalog: .standard)
            informed.expectedRecords = Dictionary(uniqueKeysWithValues: plain.map { ($0.kind, $0.records) })
            let largest = plain.filter { $0.kind != "comments" }.map(\.records).max()
            #expect(informed.plan().direct.first.map { informed.expectedRecords[$0.name] } == largest)
            let second = MemoryJournal()
            let sorted = try await informed.read(into: second)
            let (before, after) = (plain.reduce(0) { $0 + $1.calls }, sorted.reduce(0) { $0 + $1.calls })
            #expect(after < before, "\(after) calls with sizes known, \(before) without")
            print("largest kind first: \(after) list calls, catalogue order: \(before)")
            let (a, b) = (await first.held, await second.held)
            for kind in a.keys {
                #expect(Set((a[kind] ?? []).map(\.bytes)) == Set((b[kind] ?? []).map(\.bytes)), "\(kind)")
            }
        }
    }

    @Test func aScopedKindAloneBringsItsParents() async throws {
        let h = try await FakeHarness.start(records: 900)
        try await h.stopAfter {
            let reader = WorkspaceReader(client: try h.client(), catalog: .standard)
            let plan = reader.plan(only: ["comments"])
            #expect(
                Set(plan.direct.map(\.name)) == [
                    "tasks", "files", "conversations", "wiki", "wiki-entities", "trash-bin",
                ])
            let journal = MemoryJournal()
            _ = try await reader.read(into: journal, only: ["comments"])
            let expected = await h.serverIDs()["comments"] ?? []
            #expect(!expected.isEmpty)
            #expect(Set(await journal.held["comments"]?.map(\.id) ?? []) == expected)
        }
    }

    @Test func readsCommentsOfTrashedParents() async throws {
        let h = try await FakeHarness.start(records: 1200)
        try await h.stopAfter {
            let ws = try #require(await h.fake.workspace("acme"))
            let conversation = try #require(
                ws.objects(kind: "conversations").first { c in
                    ws.objects(kind: "comments").contains { $0["entityId"] == c["_id"] }
                })
            let id = conversation["_id"]!.stringValue!
            #expect(await h.fake.trash("conversations", id: id, in: "acme"))
            let (walked, _) = try await Self.readAll(try h.client())
            let orphans = ws.objects(kind: "comments").filter { $0["entityId"]?.stringValue == id }.compactMap {
                $0["_id"]?.stringValue
            }
            #expect(!orphans.isEmpty)
            #expect(Set(orphans).isSubset(of: Set((walked["comments"] ?? []).map(\.id))))
        }
    }
}
