import Catalog
import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import PlutioAPI
import Session
import StateStore
import Testing

@testable import Import

/// The importer's first slice: the core graph into a fresh account against the strict fake.
@Suite(.timeLimit(.minutes(10))) struct ImporterTests {
    static let globex = FakeHarness.globex
    static let coreKinds: Set<String> = [
        "businesses", "profiles", "dashboards", "roles", "custom-fields", "statuses", "categories", "people",
        "companies", "projects", "task-boards", "task-groups", "tasks",
    ]

    /// An importer of `archive` into `globex` (the core kinds), and its journal, begun.
    static func importer(
        _ h: FakeHarness, _ database: StateDatabase, _ archive: URL, scratch out: URL
    ) throws -> (Importer, ImportJournal) {
        let journal = ImportJournal(database: database, run: "acme->globex")
        try journal.begin(archive: archive.path, target: "globex", at: "t0")
        var importer = Importer(
            client: try h.client(globex), catalog: .standard, journal: journal,
            scratch: out.appendingPathComponent("import"))
        importer.kinds = coreKinds
        importer.lateApplyWindow = 3
        return (importer, journal)
    }

    static func strings(_ value: JSONValue, into out: inout Set<String>) {
        switch value {
        case .string(let s): out.insert(s.string)
        case .array(let items): for item in items { strings(item, into: &out) }
        case .object(let o): for member in o { strings(member.value, into: &out) }
        default: break
        }
    }

    @Test func importsTheCoreGraphIntoAFreshAccountAndARerunCreatesNothing() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, Self.globex], records: 1500)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, database) = try await FakeHarness.exportAcme(h, to: out)
            await h.fake.clearRequestLog()
            let writesBefore = await h.fake.writes().count

            let (importer, _) = try Self.importer(h, database, archive, scratch: out)
            let summary = try await importer.run(archive: archive)

            let acme = try #require(await h.fake.workspace("acme"))
            let globex = try #require(await h.fake.workspace("globex"))
            for kind in ["companies", "projects", "task-boards", "task-groups", "tasks", "custom-fields"] {
                #expect(globex.objects(kind: kind).count == acme.objects(kind: kind).count, "\(kind)")
            }
            // The owner maps onto the target's owner; everyone else is created.
            #expect(globex.objects(kind: "people").count == acme.objects(kind: "people").count)
            #expect(summary.matched["people"] == 1)
            let sourceRoles = Set(acme.objects(kind: "roles").compactMap { $0["slug"]?.stringValue })
            let targetRoles = Set(globex.objects(kind: "roles").compactMap { $0["slug"]?.stringValue })
            #expect(sourceRoles.isSubset(of: targetRoles))
            // Every reference points into the target.
            let ids = { (kind: String) in Set(globex.objects(kind: kind).compactMap { $0["_id"]?.stringValue }) }
            for task in globex.objects(kind: "tasks") {
                for (field, kind) in [
                    ("projectId", "projects"), ("taskGroupId", "task-groups"), ("parentTaskId", "tasks"),
                ] {
                    if let id = task[field]?.stringValue { #expect(ids(kind).contains(id), "\(field) \(id)") }
                }
            }
            // Subtasks got their parent in the second pass (those whose parent is live at the source).
            let liveTasks = Set(acme.objects(kind: "tasks").compactMap { $0["_id"]?.stringValue })
            let subtasks = acme.objects(kind: "tasks").filter {
                liveTasks.contains($0["parentTaskId"]?.stringValue ?? "")
            }
            #expect(!subtasks.isEmpty)
            #expect(globex.objects(kind: "tasks").filter { $0["parentTaskId"] != nil }.count == subtasks.count)
            // Select values reach the target as the target field's option ids.
            let targetOptions = Set(
                globex.objects(kind: "custom-fields").flatMap {
                    ($0["options"]?.arrayValue ?? []).compactMap { $0["_id"]?.stringValue }
                })
            let selectValues = globex.objects(kind: "tasks").flatMap { task in
                (task["customFields"]?.arrayValue ?? []).compactMap { entry -> String? in
                    guard let value = entry["value"]?.stringValue, targetOptions.contains(value) else { return nil }
                    return value
                }
            }
            #expect(!selectValues.isEmpty)
            // No source id was ever sent.
            var sourceIDs = Set<String>()
            for kind in Self.coreKinds {
                for o in acme.objects(kind: kind) { sourceIDs.insert(o["_id"]!.stringValue!) }
            }
            var sent = Set<String>()
            for write in await h.fake.writes().dropFirst(writesBefore) {
                Self.strings(write.json ?? .null, into: &sent)
            }
            #expect(sent.intersection(sourceIDs).isEmpty)

            // A rerun creates nothing.
            let calls = await h.fake.writes().count
            let again = try await importer.run(archive: archive)
            #expect(again.created.isEmpty)
            #expect(await h.fake.writes().count == calls)
        }
    }

    /// A create whose answer is lost (`--fault-on-write tasks:7:drop-after`): the importer looks the
    /// task up (among the tasks created since its intent, not by listing every task), finds it, and
    /// goes on without a duplicate.
    @Test func aLostCreateIsFoundAndNotDuplicated() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, Self.globex], records: 800) {
            $0.faults.writeFaults = [WriteFault(kind: "tasks", n: 7, mode: .dropAfter)]
        }
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, database) = try await FakeHarness.exportAcme(h, to: out)
            let (importer, journal) = try Self.importer(h, database, archive, scratch: out)
            await h.fake.clearRequestLog()
            let resumed = try await importer.run(archive: archive)
            #expect(resumed.reconciled == 1)
            // The lookup asks for the tasks created since the intent, not for every task.
            let lookups = await h.fake.requestLog().filter { $0.path.hasSuffix("/tasks") && $0.method == "GET" }
            #expect(lookups.count <= 2, "\(lookups.map(\.query))")
            #expect(lookups.allSatisfy { $0.query.contains("\"createdAt\"") }, "\(lookups.map(\.query))")
            #expect(try journal.pendingIntents().isEmpty)
            let acme = try #require(await h.fake.workspace("acme"))
            let globex = try #require(await h.fake.workspace("globex"))
            #expect(globex.objects(kind: "tasks").count == acme.objects(kind: "tasks").count)
            // Creates only (archiving is a POST too).
            let taskCreates = await h.fake.writes().filter {
                $0.kind == "tasks" && $0.method == "POST" && $0.applied && $0.path.hasSuffix("/tasks")
            }
            #expect(taskCreates.count == acme.objects(kind: "tasks").count)
        }
    }

    /// A run killed after a create was sent and before its answer was committed leaves an intent:
    /// the rerun finds the record the create made before sending anything, and settles it.
    @Test func anIntentLeftByAKilledRunIsReconciledFirst() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, Self.globex], records: 600)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, database) = try await FakeHarness.exportAcme(h, to: out)
            let (importer, journal) = try Self.importer(h, database, archive, scratch: out)
            // The killed run: a category's intent committed and its create applied, nothing after.
            try makePrivateDirectory(importer.scratch)
            _ = try importer.extract(archive)
            var category: (JSONObject, String)?
            try await importer.forEachRecord("categories") { object, id in
                if category == nil { category = (object, id) }
            }
            let (object, sourceID) = try #require(category)
            let kind = try #require(Catalog.standard.kind(named: "categories"))
            let (body, _) = try importer.createBody(kind, object, target: Importer.Target())
            try journal.intend("categories", sourceID, bodySHA256: "x", at: "t1")
            let made = try await h.client(Self.globex).create("categories", body: JSONValue.object(body).bytes)

            let summary = try await importer.run(archive: archive)
            #expect(summary.reconciled == 1)
            #expect(try journal.entry("categories", sourceID)?.targetID == made.id)
            let acme = try #require(await h.fake.workspace("acme"))
            let globex = try #require(await h.fake.workspace("globex"))
            #expect(globex.objects(kind: "categories").count == acme.objects(kind: "categories").count)
        }
    }

    /// A kind the target refuses is recorded as failed, record by record, and the import goes on:
    /// references to it are dropped and counted.
    @Test func aRefusedKindIsRecordedAndTheImportGoesOn() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, Self.globex], records: 600)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, database) = try await FakeHarness.exportAcme(h, to: out)
            await h.fake.reconfigure { $0.faults.refusedKinds = ["statuses"] }
            let (importer, journal) = try Self.importer(h, database, archive, scratch: out)
            let summary = try await importer.run(archive: archive)
            let acme = try #require(await h.fake.workspace("acme"))
            let globex = try #require(await h.fake.workspace("globex"))
            #expect(summary.failed["statuses"] == acme.objects(kind: "statuses").count)
            #expect(try journal.counts()["statuses"]?[.failed] == acme.objects(kind: "statuses").count)
            #expect(globex.objects(kind: "projects").count == acme.objects(kind: "projects").count)
            #expect(globex.objects(kind: "projects").allSatisfy { $0["statusId"] == nil })
            #expect((summary.dropped["statusId"] ?? 0) > 0)
        }
    }

    /// People and companies link both ways (§9.3): after the import each link is on both sides
    /// exactly once, whether or not the server mirrors a write to the other side.
    @Test(arguments: [false, true])
    func personCompanyLinksEndOnceOnBothSides(mirrors: Bool) async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, Self.globex], records: 600)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, database) = try await FakeHarness.exportAcme(h, to: out)
            await h.fake.reconfigure { $0.mirrorsPersonCompanyLinks = mirrors }
            let (importer, _) = try Self.importer(h, database, archive, scratch: out)
            _ = try await importer.run(archive: archive)
            let acme = try #require(await h.fake.workspace("acme"))
            let globex = try #require(await h.fake.workspace("globex"))
            // Links to live records only: the source may list a trashed person (dropped, reported).
            func links(_ ws: Workspace) -> (Int, Int) {
                let people = Set(ws.objects(kind: "people").compactMap { $0["_id"]?.stringValue })
                let companies = Set(ws.objects(kind: "companies").compactMap { $0["_id"]?.stringValue })
                func count(_ kind: String, _ field: String, _ live: Set<String>) -> Int {
                    ws.objects(kind: kind).reduce(0) { total, record in
                        let ids = (record[field]?.arrayValue ?? []).compactMap { $0["_id"]?.stringValue }
                        return total + ids.filter(live.contains).count
                    }
                }
                return (count("people", "companies", companies), count("companies", "people", people))
            }
            let source = links(acme)
            let imported = links(globex)
            #expect(source.0 > 0)
            #expect(imported.0 == source.0 && imported.1 == source.1, "\(imported) vs \(source)")
            for company in globex.objects(kind: "companies") {
                let ids = (company["people"]?.arrayValue ?? []).compactMap { $0["_id"]?.stringValue }
                #expect(ids.count == Set(ids).count, "a person listed twice")
            }
        }
    }
}
