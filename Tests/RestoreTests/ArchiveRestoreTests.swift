import ArchiveChecks
import Catalog
import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import MongoQuery
import PlutioAPI
import StateStore
import Testing

@testable import Import
@testable import Restore

/// `restore ARCHIVE --kind K (--id | --where) [--with-children]` (issue 10): chosen records and
/// sub-trees come back from an archive into the workspace that moved on since.
@Suite(.timeLimit(.minutes(10))) struct ArchiveRestoreTests {
    static func session(_ h: FakeHarness, state: URL) throws -> RestoreSession {
        let spec = FakeHarness.acme
        return try RestoreSession(
            settings: ConnectionSettings(
                apiURL: h.server.baseURL, business: spec.subdomain, clientID: spec.clientID,
                clientSecret: spec.secret, rate: FakeHarness.unlimited),
            stateDirectory: state, retry: FakeHarness.fastRetry)
    }

    /// Deletes a record and purges its trash row: only an archive can bring it back.
    static func deleteForGood(_ kind: String, _ id: String, _ h: FakeHarness) async throws {
        let client = try h.client()
        #expect(try await client.delete(kind, id: id))
        let row = try #require(
            await h.fake.workspace("acme")?.trashRows().first { $0["entityId"]?.stringValue == id }?["_id"]?.stringValue
        )
        #expect(try await client.delete("trash-bin", id: row))
    }

    /// What a restore test starts from: acme exported, then a record of `kind` (see
    /// `TrashRestoreTests.pick`) deleted and purged from the trash, and a restore session.
    struct Scene: Sendable {
        let h: FakeHarness
        let out: URL
        let archive: URL
        let before: Workspace
        let id: String
        let session: RestoreSession
    }

    static func scene(_ kind: String, records: Int = 800, _ body: @Sendable (Scene) async throws -> Void) async throws {
        let h = try await FakeHarness.start(records: records)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, _) = try await FakeHarness.exportAcme(h, to: out)
            let before = try #require(await h.fake.workspace("acme"))
            let id = try #require(TrashRestoreTests.pick(kind, in: before))
            try await deleteForGood(kind, id, h)
            let session = try session(h, state: out.appendingPathComponent("restore-state"))
            try await body(Scene(h: h, out: out, archive: archive, before: before, id: id, session: session))
        }
    }

    static func selection(
        _ archive: URL, _ kind: String, ids: Set<String> = [], query: MongoQuery? = nil, children: Bool = true
    ) -> ArchiveSelection {
        ArchiveSelection(archive: archive, kind: kind, ids: ids, query: query, withChildren: children)
    }

    /// A project deleted and purged comes back with its sub-tree; the live records that named it
    /// (time tracks, invoices, events, folders, wiki) are pointed at the new one; the graph equals
    /// the one before. The same restore again sends nothing.
    @Test func aPurgedProjectComesBackWithItsSubTree() async throws {
        try await Self.scene("projects") { scene in
            let h = scene.h
            let archive = scene.archive
            let before = scene.before
            let project = scene.id
            let session = scene.session

            let plan = try await session.restore(Self.selection(archive, "projects", ids: [project]), plan: true)
            let planned = try #require(plan.outcome.rows.first)
            #expect(planned.archive == archive.lastPathComponent)
            // Time tracks, folders and the like stayed live: they are kept, not created again.
            #expect(planned.live > 0 && planned.live < planned.records.count)

            let result = try await session.restore(Self.selection(archive, "projects", ids: [project]), plan: false)
            let row = try #require(result.outcome.rows.first)
            #expect(row.created == planned.records.count - planned.live)
            #expect(result.outcome.repointed > 0)
            #expect(result.needsAttention == 0, "\(result.kinds)")
            // The re-pointed records' values before are in one undo archive, which verifies.
            #expect(result.outcome.undoArchives.count == 1)
            let undo = try ArchiveGate.check(try #require(result.outcome.undoArchives.first), allowPartial: false)
            #expect(undo.kinds.values.reduce(0) { $0 + $1.records } == result.outcome.repointed)
            // The report has a line per record of the set.
            let report = try String(contentsOf: result.report, encoding: .utf8).split(separator: "\n")
            #expect(report.count == planned.records.count)
            #expect(result.kinds.reduce(0) { $0 + $1.records } == planned.records.count)
            let after = try #require(await h.fake.workspace("acme"))
            let differences = CanonicalGraph.of(before, rules: TrashRestoreTests.rules).differences(
                from: CanonicalGraph.of(after, rules: TrashRestoreTests.rules))
            #expect(differences.isEmpty, "\(differences)")

            let writes = await h.fake.writes().count
            let replan = try await session.restore(Self.selection(archive, "projects", ids: [project]), plan: true)
            #expect(replan.outcome.rows.first?.before == row.created, "the plan says what was restored before")
            let again = try await session.restore(Self.selection(archive, "projects", ids: [project]), plan: false)
            #expect(again.outcome.rows.first?.created == 0)
            #expect(again.outcome.rows.first?.before == row.created, "what the first restore made is not made again")
            #expect(await h.fake.writes().count == writes)
        }
    }

    /// A task with its comments comes back into the board that survived; a task whose board is
    /// gone brings the board (and its group) back with it, without the board's other tasks.
    @Test func aTaskComesBackIntoItsBoardOrWithIt() async throws {
        try await Self.scene("tasks") { scene in
            let h = scene.h
            let archive = scene.archive
            let before = scene.before
            let task = scene.id
            let session = scene.session
            let one = try await session.restore(Self.selection(archive, "tasks", ids: [task]), plan: false)
            #expect(one.needsAttention == 0, "\(one.kinds)")
            let after = try #require(await h.fake.workspace("acme"))
            let differences = CanonicalGraph.of(before, rules: TrashRestoreTests.rules).differences(
                from: CanonicalGraph.of(after, rules: TrashRestoreTests.rules))
            #expect(differences.isEmpty, "\(differences)")

            // Another task, not a subtask, whose board is then deleted and purged (its tasks with it).
            let live = { (kind: String) in after.objects(kind: kind).filter { $0["isTemplate"] != .bool(true) } }
            let other = try #require(
                live("tasks").first {
                    $0["parentTaskId"]?.stringValue == nil && $0["taskGroupId"]?.stringValue != nil
                        && $0["_id"]?.stringValue != task
                })
            let otherID = try #require(other["_id"]?.stringValue)
            let board = try #require(other["taskBoardId"]?.stringValue)
            let boardTitle = after.object(kind: "task-boards", id: board)?["title"]
            let tasksOfBoard = live("tasks").filter { $0["taskBoardId"]?.stringValue == board }.count
            try await Self.deleteForGood("task-boards", board, h)
            let gone = try #require(await h.fake.workspace("acme"))
            let left = gone.objects(kind: "tasks").filter { $0["taskBoardId"]?.stringValue == board }
            #expect(left.isEmpty)
            let two = try await session.restore(
                Self.selection(archive, "tasks", ids: [otherID], children: false), plan: false)
            let row = try #require(two.outcome.rows.first)
            #expect(Set(row.records.map(\.kind)).isSuperset(of: ["tasks", "task-boards", "task-groups"]))
            #expect(row.created == 3)
            let restored = try #require(await h.fake.workspace("acme"))
            // The project's other boards and groups are its own: none was taken over.
            for kind in ["task-boards", "task-groups"] {
                for record in gone.objects(kind: kind) {
                    #expect(restored.object(kind: kind, id: record["_id"]?.stringValue ?? "") == record)
                }
            }
            let boards = restored.objects(kind: "task-boards").filter { $0["title"] == boardTitle }
            #expect(boards.count == 1)
            let newBoard = try #require(boards.first?["_id"]?.stringValue)
            #expect(newBoard != board)
            let tasks = restored.objects(kind: "tasks").filter { $0["taskBoardId"]?.stringValue == newBoard }
            #expect(tasks.count == 1 && tasksOfBoard > 1)
            #expect(tasks.first?["title"] == other["title"])
        }
    }

    /// In the workspace the archive came from, untouched, a restore keeps every record as it is
    /// and sends no write; `--where` chooses by a query.
    @Test func liveRecordsAreKeptAndWhereChooses() async throws {
        let h = try await FakeHarness.start(records: 600)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, _) = try await FakeHarness.exportAcme(h, to: out)
            let ws = try #require(await h.fake.workspace("acme"))
            let project = try #require(ws.objects(kind: "projects").first { $0["isTemplate"] != .bool(true) })
            let title = try #require(project["title"]?.stringValue ?? project["name"]?.stringValue)
            let key = project["title"] != nil ? "title" : "name"
            let query = try MongoQuery(text: "{\"\(key)\": \(JSONValue.string(title).text)}")
            let session = try Self.session(h, state: out.appendingPathComponent("restore-state"))
            let writes = await h.fake.writes().count
            let result = try await session.restore(Self.selection(archive, "projects", query: query), plan: false)
            let row = try #require(result.outcome.rows.first { $0.id == project["_id"]?.stringValue })
            #expect(row.records.count > 1)
            #expect(row.live == row.records.count && row.created == 0)
            #expect(await h.fake.writes().count == writes)
            let unknown = try await session.restore(Self.selection(archive, "projects", ids: ["NoSuchId"]), plan: true)
            #expect(unknown.outcome.missing.map(\.id) == ["NoSuchId"])

            // A task of that project deleted for good since: the same restore, again, brings it
            // back: what the first one found live is asked again, not trusted.
            let projectID = try #require(project["_id"]?.stringValue)
            let task = try #require(
                ws.objects(kind: "tasks").first {
                    $0["projectId"]?.stringValue == projectID && $0["parentTaskId"] == nil
                })
            let taskID = try #require(task["_id"]?.stringValue)
            let tasksBefore = ws.objects(kind: "tasks").count
            try await Self.deleteForGood("tasks", taskID, h)
            let again = try await session.restore(Self.selection(archive, "projects", query: query), plan: false)
            let second = try #require(again.outcome.rows.first { $0.id == projectID })
            #expect(second.created >= 1)
            let after = try #require(await h.fake.workspace("acme"))
            #expect(after.objects(kind: "tasks").count == tasksBefore)
            #expect(
                after.objects(kind: "tasks").contains {
                    $0["title"] == task["title"] && $0["projectId"] == task["projectId"]
                })
        }
    }

    /// A trash row is restored once: restored without purging, its copy deleted since and
    /// backed up in between, `restore --trash` over every row brings back one copy (from the
    /// copy's own row), not two; what pointed at the project ends on that copy.
    @Test func aTrashRowIsRestoredOnceWhateverComesAfter() async throws {
        let h = try await FakeHarness.start(records: 800)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            _ = try await FakeHarness.exportAcme(h, to: out)
            let before = try #require(await h.fake.workspace("acme"))
            let project = try #require(TrashRestoreTests.pick("projects", in: before))
            let name = try #require(before.object(kind: "projects", id: project)?["name"])
            let tracks = Set(
                before.objects(kind: "time-tracks").filter { $0["projectId"]?.stringValue == project }.compactMap {
                    $0["_id"]?.stringValue
                })
            #expect(!tracks.isEmpty)
            let client = try h.client()
            #expect(try await client.delete("projects", id: project))
            let row = try #require(
                await h.fake.workspace("acme")?.trashRows().first { $0["entityId"]?.stringValue == project }?["_id"]?
                    .stringValue)
            let session = try Self.session(h, state: out.appendingPathComponent("restore-state"))
            let first = try await session.restoreTrash(.init(archives: out, rows: [row]), plan: false)
            #expect(first.needsAttention == 0)
            let copies = { (ws: Workspace) in ws.objects(kind: "projects").filter { $0["name"] == name } }
            let restored = try #require(await h.fake.workspace("acme"))
            let copy = try #require(copies(restored).first?["_id"]?.stringValue)

            try await Task.sleep(for: .seconds(1.1))
            _ = try await FakeHarness.exportAcme(h, to: out)
            #expect(try await client.delete("projects", id: copy))
            // Purging the first row now would lose the only other copy: it stays, nothing is made.
            let writes = await h.fake.writes().count
            let purge = try await session.restoreTrash(.init(archives: out, rows: [row], purge: true), plan: false)
            #expect(purge.outcome.rows.first?.purged == false)
            #expect(purge.outcome.rows.first?.before == purge.outcome.rows.first?.records.count)
            #expect(await h.fake.writes().count == writes)
            _ = try await session.restoreTrash(.init(archives: out), plan: false)
            let after = try #require(await h.fake.workspace("acme"))
            let live = copies(after)
            #expect(live.count == 1, "\(live.count) copies of the project")
            let again = try #require(live.first?["_id"]?.stringValue)
            #expect(again != copy && again != project)
            for id in tracks {
                #expect(after.object(kind: "time-tracks", id: id)?["projectId"]?.stringValue == again)
            }
        }
    }

    /// A create another restore sent without learning its outcome stops a restore of the same
    /// record: it says which, and creates nothing.
    @Test func anInterruptedRestoreOfTheSameRecordsStopsAnother() async throws {
        let h = try await FakeHarness.start(records: 400)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, _) = try await FakeHarness.exportAcme(h, to: out)
            let ws = try #require(await h.fake.workspace("acme"))
            let project = try #require(TrashRestoreTests.pick("projects", in: ws))
            try await Self.deleteForGood("projects", project, h)
            let session = try Self.session(h, state: out.appendingPathComponent("restore-state"))
            let other = try session.recreator(request: "an earlier request, killed", options: .init())
            try other.journal.begin(archive: "a", target: "b", at: "2026-12-01T00:00:00.000Z")
            try other.journal.intend("projects", project, bodySHA256: "x", at: "2026-12-01T00:00:01.000Z")
            let writes = await h.fake.writes().count
            await #expect(throws: InterruptedRestore.self) {
                _ = try await session.restore(Self.selection(archive, "projects", ids: [project]), plan: false)
            }
            #expect(await h.fake.writes().count == writes)
        }
    }

    /// Requests share the business's journal but not their steps: a board the user added to a
    /// project an earlier restore made is never taken for one the target made with it, and a
    /// board restored then and deleted since is restored again.
    @Test func aLaterRequestLeavesWhatTheUserMadeAlone() async throws {
        let h = try await FakeHarness.start(records: 800)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, _) = try await FakeHarness.exportAcme(h, to: out)
            let before = try #require(await h.fake.workspace("acme"))
            let project = try #require(TrashRestoreTests.pick("projects", in: before))
            try await Self.deleteForGood("projects", project, h)
            let session = try Self.session(h, state: out.appendingPathComponent("restore-state"))
            _ = try await session.restore(Self.selection(archive, "projects", ids: [project]), plan: false)
            let restored = try #require(await h.fake.workspace("acme"))
            let newProject = try #require(
                restored.objects(kind: "projects").first {
                    $0["name"] == before.object(kind: "projects", id: project)?["name"]
                        && $0["_id"]?.stringValue != project
                }?["_id"]?.stringValue)
            let client = try h.client()
            let sprint = JSONObject([
                .init(key: "title", value: "Sprint 2"), .init(key: "projectId", value: .string(newProject)),
            ])
            let made = try await client.create("task-boards", body: JSONValue.object(sprint).bytes)
            // A restored board of the project, with a task on it, deleted for good.
            let task = try #require(
                before.objects(kind: "tasks").first {
                    $0["projectId"]?.stringValue == project && $0["taskBoardId"]?.stringValue != nil
                        && $0["parentTaskId"] == nil && $0["isTemplate"] != .bool(true)
                })
            let board = try #require(task["taskBoardId"]?.stringValue)
            let boardTitle = before.object(kind: "task-boards", id: board)?["title"]
            let restoredBoard = try #require(
                restored.objects(kind: "task-boards").first {
                    $0["projectId"]?.stringValue == newProject && $0["title"] == boardTitle
                }?["_id"]?.stringValue)
            try await Self.deleteForGood("task-boards", restoredBoard, h)
            let sprintBefore = try #require(await h.fake.workspace("acme")?.object(kind: "task-boards", id: made.id))

            let taskID = try #require(task["_id"]?.stringValue)
            let two = try await session.restore(
                Self.selection(archive, "tasks", ids: [taskID], children: false), plan: false)
            #expect(two.needsAttention == 0, "\(two.kinds)")
            let after = try #require(await h.fake.workspace("acme"))
            #expect(after.object(kind: "task-boards", id: made.id) == sprintBefore, "the user's board is untouched")
            let boards = after.objects(kind: "task-boards").filter {
                $0["projectId"]?.stringValue == newProject && $0["title"] == boardTitle
            }
            #expect(boards.count == 1)
            let newBoard = try #require(boards.first?["_id"]?.stringValue)
            #expect(newBoard != restoredBoard)
            #expect(
                after.objects(kind: "tasks").contains {
                    $0["taskBoardId"]?.stringValue == newBoard && $0["title"] == task["title"]
                })
        }
    }
}
