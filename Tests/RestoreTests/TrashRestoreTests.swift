import Catalog
import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import PlutioAPI
import StateStore
import Testing

@testable import Import
@testable import Restore

/// `restore --trash` (issue 10): a deleted project comes back from the archive under new ids,
/// with the live records that pointed at it pointed at the new one.
@Suite(.timeLimit(.minutes(10))) struct TrashRestoreTests {
    /// Every kind that holds workspace data, compared with task numbers aside (restored tasks get
    /// new ones) and the trash bin aside (the row is purged).
    static var rules: CanonicalGraph.Rules {
        var rules = CanonicalGraph.Rules(
            kinds: Set(Catalog.standard.kinds.filter { $0.role != .derived && $0.role != .metadata }.map(\.name)))
        rules.ignored = ["tasks": ["taskId"]]
        return rules
    }

    /// A record of `kind` worth deleting: a project that time tracks, invoices or events point
    /// at and that has tasks; a folder with files; a task with comments, in a board that stays.
    static func pick(_ kind: String, in ws: Workspace) -> String? {
        let live = { (k: String) in ws.objects(kind: k).filter { $0["isTemplate"] != .bool(true) } }
        let ids = { (k: String, field: String) in Set(live(k).compactMap { $0[field]?.stringValue }) }
        switch kind {
        case "projects":
            let pointing = ids("time-tracks", "projectId").union(ids("invoices", "projectId"))
                .union(ids("events", "projectId"))
            let withTasks = ids("tasks", "projectId")
            return live(kind).compactMap { $0["_id"]?.stringValue }.first {
                pointing.contains($0) && withTasks.contains($0)
            }
        case "file-folders":
            let withFiles = ids("files", "folderId")
            return live(kind).compactMap { $0["_id"]?.stringValue }.first { withFiles.contains($0) }
        default:
            let commented = ids("comments", "entityId")
            return live(kind).compactMap { $0["_id"]?.stringValue }.first { commented.contains($0) }
        }
    }

    /// The last case under a server that takes only `/bulk` writes: the re-pointing and the purge
    /// go through `/bulk`, each kind's single form refused once.
    @Test(arguments: [("projects", false), ("file-folders", false), ("tasks", false), ("projects", true)])
    func aDeletedRecordComesBackWithWhatPointedAtIt(kind: String, bulkOnly: Bool) async throws {
        let h = try await FakeHarness.start(records: 800) { $0.bulkWritesOnly = bulkOnly }
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, database) = try await FakeHarness.exportAcme(h, to: out)
            var before = try #require(await h.fake.workspace("acme"))
            let projectID = try #require(Self.pick(kind, in: before))
            let client = try h.client()
            if kind == "projects" {
                // Logged after the backup: only the workspace knows it names the project.
                let track = JSONObject([
                    .init(key: "title", value: "After the backup"), .init(key: "projectId", value: .string(projectID)),
                    .init(key: "time", value: 60000),
                ])
                _ = try await client.create("time-tracks", body: JSONValue.object(track).bytes)
                before = try #require(await h.fake.workspace("acme"))
            }
            #expect(try await client.delete(kind, id: projectID))
            let deleted = try #require(await h.fake.workspace("acme"))
            let row = try #require(deleted.trashRows().first { $0["entityId"]?.stringValue == projectID })
            let rowID = try #require(row["_id"]?.stringValue)
            #expect((row["children"]?.arrayValue ?? []).count > 0)
            let restoredCount = 1 + (row["children"]?.arrayValue ?? []).count

            let journal = ImportJournal(database: database, run: "trash")
            try journal.begin(archive: "dir", target: "trash acme", at: "t0")
            var restorer = TrashRestorer(
                client: client, catalog: .standard, journal: journal, scratch: out.appendingPathComponent("restore"))
            restorer.rowIDs = [rowID]
            restorer.purge = true
            let outcome = try await restorer.run(archives: [archive])
            #expect(outcome.rows.map(\.id) == [rowID])
            #expect(outcome.missing.isEmpty)
            if kind == "projects" { #expect(outcome.repointed > 0) }
            #expect(outcome.importSummary.created.values.reduce(0, +) == restoredCount)
            #expect(outcome.importSummary.failed.isEmpty)

            let after = try #require(await h.fake.workspace("acme"))
            if kind == "file-folders" {
                // The restored files reuse the trashed originals' binaries: purging the row could
                // delete them, so it stays in the trash, and the outcome says why.
                #expect(outcome.rows.first?.purged == false)
                #expect(outcome.rows.first?.keptInTrash?.contains("binary belongs to the trashed original") == true)
                #expect(after.trashRows().contains { $0["_id"]?.stringValue == rowID })
            } else {
                #expect(outcome.rows.first?.purged == true)
                #expect(!after.trashRows().contains { $0["_id"]?.stringValue == rowID })
            }
            let differences = CanonicalGraph.of(before, rules: Self.rules).differences(
                from: CanonicalGraph.of(after, rules: Self.rules))
            #expect(differences.isEmpty, "\(differences)")
            // The record has a new id; nothing live names the old one.
            #expect(after.object(kind: kind, id: projectID) == nil)
            for other in Catalog.standard.kinds where other.role == .data {
                for record in after.objects(kind: other.name) {
                    let refs = Catalog.standard.referenceValues(in: .object(record), of: other)
                    #expect(!refs.contains { $0.value == projectID }, "\(other.name)")
                }
            }

            let refused = Dictionary(
                grouping: await h.fake.writes().filter { $0.status == 403 && ["PUT", "DELETE"].contains($0.method) },
                by: \.kind)
            #expect(refused.values.allSatisfy { $0.count <= 1 }, "\(refused.mapValues(\.count))")
            #expect(refused.isEmpty != bulkOnly)

            // The same restore again sends nothing.
            let writes = await h.fake.writes().count
            let again = try await restorer.run(archives: [archive])
            #expect(await h.fake.writes().count == writes)
            if kind == "file-folders" {
                #expect(again.rows.map(\.id) == [rowID])
                #expect(again.rows.first?.created == restoredCount)
            } else {
                #expect(again.rows.isEmpty)
            }
        }
    }

    /// Purging a restored row is refused wherever something could be lost with it: a child of a
    /// type this build does not know (not restored), a record the target refused. Each row says
    /// why it stays, and how long before the deletion its archive was taken.
    @Test func aRowIsPurgedOnlyWhenNothingIsLostWithIt() async throws {
        let h = try await FakeHarness.start(records: 600)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            _ = try await FakeHarness.exportAcme(h, to: out)
            let ws = try #require(await h.fake.workspace("acme"))
            let commented = Set(ws.objects(kind: "comments").compactMap { $0["entityId"]?.stringValue })
            let tasks = ws.objects(kind: "tasks").compactMap { $0["_id"]?.stringValue }.filter(commented.contains)
            #expect(tasks.count >= 2)
            let client = try h.client()
            func trashRow(_ id: String) async throws -> String {
                #expect(try await client.delete("tasks", id: id))
                let rows = try #require(await h.fake.workspace("acme")).trashRows()
                return try #require(rows.first { $0["entityId"]?.stringValue == id }?["_id"]?.stringValue)
            }
            let session = try ArchiveRestoreTests.session(h, state: out.appendingPathComponent("restore-state"))
            func restore(_ row: String) async throws -> TrashRestoreResult {
                try await session.restoreTrash(
                    TrashRestoreOptions(archives: out, rows: [row], purge: true), plan: false)
            }
            func inTrash(_ row: String) async -> Bool {
                await h.fake.workspace("acme")?.trashRows().contains { $0["_id"]?.stringValue == row } == true
            }

            // A child the catalogue does not know.
            let unknown = try await trashRow(tasks[0])
            await h.fake.withWorkspace("acme") {
                $0.listChild(entityType: "receipt-scan", entityId: "Zq3xV8mKp2RtYw7Hn", inTrashRow: unknown)
            }
            let first = try await restore(unknown)
            let row = try #require(first.outcome.rows.first)
            #expect(row.unknownChildren == ["receipt-scan Zq3xV8mKp2RtYw7Hn"])
            #expect(row.created == row.records.count)
            #expect(row.keptInTrash?.contains("type this build does not know") == true)
            #expect(row.archiveAge ?? 0 > 0, "the archive was taken before the deletion")
            #expect(first.needsAttention > 0)
            #expect(await inTrash(unknown))

            // A record of the row the target refuses.
            let refused = try await trashRow(tasks[1])
            await h.fake.reconfigure { $0.faults.refusedKinds = ["comments"] }
            let second = try await restore(refused)
            await h.fake.reconfigure { $0.faults.refusedKinds = [] }
            #expect(second.outcome.rows.first?.keptInTrash?.contains("was not restored") == true)
            #expect(second.needsAttention > 0)
            #expect(await inTrash(refused))
        }
    }
}
