import ArchiveChecks
import Catalog
import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import PlutioAPI
import StateStore
import Testing

@testable import Import

/// Delta migration (issue 21): a newer archive of a source already imported applies what changed
/// at the source (created, changed, moved, archived, gone) to the target, and nothing else.
@Suite(.serialized, .timeLimit(.minutes(10))) struct DeltaImportTests {
    static func session(_ h: FakeHarness, state: URL) throws -> ImportSession { try h.importSession(state: state) }

    /// acme exported into a new temporary directory and imported into globex, the state in
    /// `out/import`: the directory (the caller removes it), the state and the archive.
    static func migrated(_ h: FakeHarness) async throws -> (out: URL, state: URL, archive: URL) {
        let out = try FakeHarness.temporaryDirectory()
        let state = out.appendingPathComponent("import")
        let (archive, _) = try await FakeHarness.exportAcme(h, to: out)
        let result = try await session(h, state: state).run(ImportOptions(archive: archive))
        #expect(result.needsAttention == 0)
        return (out, state, archive)
    }

    /// What the source's edits touched, for the checks that follow.
    struct Edits {
        var edited: [(kind: String, id: String)] = []
        var created: [(kind: String, id: String)] = []
        var trashed: [(kind: String, id: String)] = []
        var moved: (task: String, group: String)?
    }

    /// Edits, creates, moves, archives and trashes records of `acme` through the API.
    static func editSource(_ h: FakeHarness) async throws -> Edits {
        let client = try h.client()
        let ws = try #require(await h.fake.workspace("acme"))
        var edits = Edits()
        let projects = ws.objects(kind: "projects").filter { $0["isTemplate"] != .bool(true) }
        let doomed = try #require(projects.last?["_id"]?.stringValue)
        let tasks = ws.objects(kind: "tasks").filter {
            $0["isTemplate"] != .bool(true) && $0["projectId"]?.stringValue != doomed
                && $0["taskGroupId"]?.stringValue != nil && $0["isArchived"] != .bool(true)
        }
        func id(_ object: JSONObject) -> String { object["_id"]?.stringValue ?? "" }
        func body(_ pairs: [(String, JSONValue)]) -> [UInt8] {
            JSONValue.object(JSONObject(pairs.map { .init(key: $0.0, value: $0.1) })).bytes
        }
        // Edits of plain fields.
        let renamed = tasks[0]
        try await client.update(
            "tasks", body: body([("_id", .string(JSONString(id(renamed)))), ("title", "Renamed at the source")]))
        edits.edited.append(("tasks", id(renamed)))
        let person = try #require(ws.objects(kind: "people").first { $0["role"]?.stringValue == "client" })
        try await client.update(
            "people",
            body: body([("_id", .string(JSONString(id(person)))), ("name", ["first": "Edited", "last": "Person"])]))
        edits.edited.append(("people", id(person)))
        // A move to another group of the same board.
        let mover = try #require(
            tasks.dropFirst().first { task in
                ws.objects(kind: "task-groups").contains {
                    $0["taskBoardId"] == task["taskBoardId"] && $0["_id"] != task["taskGroupId"]
                }
            })
        let group = try #require(
            ws.objects(kind: "task-groups").first {
                $0["taskBoardId"] == mover["taskBoardId"] && $0["_id"] != mover["taskGroupId"]
            })
        _ = try await client.move(
            "tasks",
            body: body([("_id", .string(JSONString(id(mover)))), ("taskGroupId", .string(JSONString(id(group))))]))
        edits.moved = (id(mover), id(group))
        // Archived at the source.
        let archived = try #require(tasks.last)
        try await client.archive("tasks", ids: [id(archived)])
        edits.edited.append(("tasks", id(archived)))
        // New records under existing ones.
        let made = try await client.create(
            "tasks",
            body: body([
                ("title", "Made at the source after the migration"), ("projectId", renamed["projectId"] ?? .null),
                ("taskBoardId", renamed["taskBoardId"] ?? .null), ("taskGroupId", renamed["taskGroupId"] ?? .null),
                ("assignedTo", .array([.string(JSONString(id(person)))])),
            ]))
        edits.created.append(("tasks", made.id))
        let comment = try await client.create(
            "comments",
            body: body([
                ("entityType", "task"), ("entityId", .string(JSONString(made.id))), ("bodyPlain", "A new comment"),
            ]))
        edits.created.append(("comments", comment.id))
        // A new project with a board, a group and a task under it.
        let project = try await client.create("projects", body: body([("name", "Started after the migration")]))
        let board = try await client.create(
            "task-boards", body: body([("title", "Board"), ("projectId", .string(JSONString(project.id)))]))
        let column = try await client.create(
            "task-groups",
            body: body([
                ("title", "Column"), ("taskBoardId", .string(JSONString(board.id))),
                ("projectId", .string(JSONString(project.id))), ("position", 0),
            ]))
        let inside = try await client.create(
            "tasks",
            body: body([
                ("title", "Inside the new project"), ("projectId", .string(JSONString(project.id))),
                ("taskBoardId", .string(JSONString(board.id))), ("taskGroupId", .string(JSONString(column.id))),
            ]))
        edits.created += [("projects", project.id), ("task-boards", board.id), ("tasks", inside.id)]
        // A document's blocks: one edited, one added.
        let invoice = try #require(
            ws.objects(kind: "invoices").first {
                $0["isTemplate"] != .bool(true) && ($0["blocks"]?.arrayValue?.count ?? 0) > 0
            })
        let block = try #require(invoice["blocks"]?.arrayValue?.first?.stringValue)
        try await client.update(
            "blocks", body: body([("_id", .string(JSONString(block))), ("textPlain", "Edited block text")]))
        let added = try await client.create(
            "blocks",
            body: body([
                ("entityType", "invoice"), ("entityId", .string(JSONString(id(invoice)))), ("type", "content"),
                ("textPlain", "A block added at the source"),
            ]))
        edits.created.append(("blocks", added.id))
        // A company gains a person.
        let company = try #require(ws.objects(kind: "companies").first)
        var members = company["people"]?.arrayValue ?? []
        members.append(["_id": .string(JSONString(id(person)))])
        try await client.update(
            "companies", body: body([("_id", .string(JSONString(id(company)))), ("people", .array(members))]))
        edits.edited.append(("companies", id(company)))
        // Trashed: a task, and a project with what sits under it.
        let trashedTask = tasks[tasks.count / 2]
        try await client.delete("tasks", id: id(trashedTask))
        edits.trashed.append(("tasks", id(trashedTask)))
        try await client.delete("projects", id: doomed)
        edits.trashed.append(("projects", doomed))
        return edits
    }

    /// Seed, migrate, edit the source, export again, apply the delta: the target's graph equals
    /// the source's; what the source trashed sits in the target's trash; a rerun sends nothing.
    /// Under the default fake and every write variant of contract §10.
    /// The first half of the variants here, the second in `DeltaImportVariantTests` beside it.
    @Test(arguments: ImportGraphTests.firstHalf)
    func aDeltaBringsTheTargetInStepWithTheSource(variant: ImportGraphTests.Variant) async throws {
        try await Self.deltaAndCompare(variant: variant)
    }

    static func deltaAndCompare(variant: ImportGraphTests.Variant) async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, FakeHarness.globex], records: 400) {
            variant.apply(&$0)
        }
        try await h.stopAfter {
            let before = try #require(await h.fake.workspace("globex"))
            let (out, state, first) = try await Self.migrated(h)
            defer { try? FileManager.default.removeItem(at: out) }

            let edits = try await Self.editSource(h)
            let (second, _) = try await FakeHarness.exportAcme(h, to: out)
            #expect(second != first)
            let writesBefore = await h.fake.writes().count
            let plan = try #require(try await Self.session(h, state: state).plan(ImportOptions(archive: second)).delta)
            #expect(await h.fake.writes().count == writesBefore)
            let session = try Self.session(h, state: state)
            let result = try await session.run(ImportOptions(archive: second))
            // The plan's calls are the run's, to 2% (a call or two at this size).
            #expect(abs(session.callsMade - plan.calls) <= max(2, plan.calls / 50), "\(plan.calls) planned")
            #expect(!result.alreadyFinished)
            #expect(result.needsAttention == 0, "\(result.kinds.filter { $0.failed > 0 })")
            let tasks = try #require(result.kinds.first { $0.kind == "tasks" })
            #expect(tasks.created == 2)
            #expect(tasks.moved == 1)
            #expect(tasks.updated >= 2)
            #expect(tasks.conflicts == 0)
            #expect(try #require(result.kinds.first { $0.kind == "projects" }).deleted == 1)
            // Only what changed cost writes: far fewer than the records.
            let writes = await h.fake.writes().dropFirst(writesBefore)
            #expect(writes.count < 40, "\(writes.map { "\($0.method) \($0.kind)" })")

            let acme = try #require(await h.fake.workspace("acme"))
            let globex = try #require(await h.fake.workspace("globex"))
            let journal = try #require(try ImportJournal.runs(into: Self.targetName(h), in: Self.database(state)).last)
            let dangling = try ImportJournal(database: Self.database(state), run: journal.run).entries(.dangling)
            let differences = CanonicalGraph.importDifferences(
                source: acme, target: globex, targetBefore: before, skipped: Set(dangling.map(\.sourceID)),
                config: await h.fake.config)
            #expect(differences.isEmpty, "\(variant): \(differences)")
            // What the source trashed, the target has in its trash.
            #expect(globex.trashRowCount >= 2)

            // The report names each change.
            let lines = try String(contentsOf: result.report, encoding: .utf8).split(separator: "\n")
            let report = try lines.map { try JSONDecoder().decode(ImportReportLine.self, from: Data($0.utf8)) }
            #expect(report.contains { $0.sourceId == edits.moved?.task && $0.outcome == .moved })
            #expect(report.contains { $0.sourceId == edits.edited[0].id && $0.fields == ["title"] })
            #expect(report.contains { $0.sourceId == edits.trashed[1].id && $0.outcome == .deleted })
            #expect(report.contains { $0.sourceId == edits.created[0].id && $0.outcome == .created })

            // The same archive again sends nothing.
            let writesAfter = await h.fake.writes().count
            let again = try await Self.session(h, state: state).run(ImportOptions(archive: second))
            #expect(again.alreadyFinished)
            #expect(await h.fake.writes().count == writesAfter)
            // The older archive is not applied over the newer one; nothing is written.
            await #expect(throws: DeltaRefused.self) {
                _ = try await Self.session(h, state: state).run(ImportOptions(archive: first))
            }
            #expect(await h.fake.writes().count == writesAfter)
        }
    }

    /// A record the target changed since the import wrote it keeps the target's values and is
    /// reported with both sides; one deleted there is not made again. A field the target did not
    /// touch still takes the source's value. With `preferSource`, the next archive takes the
    /// source's side of both.
    @Test func conflictsKeepTheTargetsValuesUnlessTheSourceIsPreferred() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, FakeHarness.globex], records: 300)
        try await h.stopAfter {
            let (out, state, first) = try await Self.migrated(h)
            defer { try? FileManager.default.removeItem(at: out) }
            let run = try #require(try ImportJournal.runs(into: Self.targetName(h), in: Self.database(state)).last)
            let journal = ImportJournal(database: try Self.database(state), run: run.run)
            let acme = try #require(await h.fake.workspace("acme"))
            let tasks = acme.objects(kind: "tasks").filter { $0["isTemplate"] != .bool(true) }.compactMap {
                $0["_id"]?.stringValue
            }
            // The third has comments (they go to the target's trash with it) and a time track
            // (it stays live, pointing at the trashed task).
            let commented = Set(acme.objects(kind: "comments").compactMap { $0["entityId"]?.stringValue })
            let tracked = Set(acme.objects(kind: "time-tracks").compactMap { $0["taskId"]?.stringValue })
            let (both, apart) = (tasks[0], tasks[1])
            let gone = try #require(tasks.dropFirst(2).first { commented.contains($0) && tracked.contains($0) })
            let mapped = try journal.targetIDs("tasks", for: [both, apart, gone])
            let source = try h.client()
            let target = try h.client(FakeHarness.globex)
            func put(_ client: PlutioClient, _ id: String, _ field: String, _ value: String) async throws {
                let body: JSONObject = ["_id": .string(JSONString(id)), field: .string(JSONString(value))]
                try await client.update("tasks", body: JSONValue.object(body).bytes)
            }
            // The same field on both sides; different fields; edited at the source, deleted in the target.
            try await put(source, both, "title", "Source title")
            try await put(target, try #require(mapped[both]), "title", "Target title")
            try await put(source, apart, "title", "Source title of the other")
            try await put(target, try #require(mapped[apart]), "descriptionPlain", "Target description")
            try await put(source, gone, "title", "Edited, but deleted in the target")
            try await target.delete("tasks", id: try #require(mapped[gone]))

            let (second, _) = try await FakeHarness.exportAcme(h, to: out)
            let result = try await Self.session(h, state: state).run(ImportOptions(archive: second))
            #expect(try #require(result.kinds.first { $0.kind == "tasks" }).conflicts == 2)
            var globex = try #require(await h.fake.workspace("globex"))
            let (bothID, apartID) = (try #require(mapped[both]), try #require(mapped[apart]))
            #expect(globex.object(kind: "tasks", id: bothID)?["title"] == "Target title")
            let other = try #require(globex.object(kind: "tasks", id: apartID))
            #expect(other["title"] == "Source title of the other")
            #expect(other["descriptionPlain"] == "Target description")
            #expect(!globex.objects(kind: "tasks").contains { $0["title"] == "Edited, but deleted in the target" })
            let lines = try String(contentsOf: result.report, encoding: .utf8).split(separator: "\n")
            let report = try lines.map { try JSONDecoder().decode(ImportReportLine.self, from: Data($0.utf8)) }
            let conflict = try #require(report.first { $0.sourceId == both && $0.outcome == .conflict })
            #expect(conflict.conflicts?.map(\.field) == ["title"])
            #expect(conflict.conflicts?.first?.target == "Target title")
            #expect(conflict.conflicts?.first?.source == "Source title")
            #expect(report.contains { $0.sourceId == gone && $0.outcome == .conflict })

            // The next archive, with the source preferred: the source's values, the deleted one made again.
            let (third, _) = try await FakeHarness.exportAcme(h, to: out)
            var options = ImportOptions(archive: third)
            options.delta.preferSource = true
            let preferred = try await Self.session(h, state: state).run(options)
            #expect(preferred.needsAttention == 0)
            globex = try #require(await h.fake.workspace("globex"))
            #expect(globex.object(kind: "tasks", id: bothID)?["title"] == "Source title")
            let back = try #require(
                globex.objects(kind: "tasks").first { $0["title"] == "Edited, but deleted in the target" })
            #expect(globex.objects(kind: "tasks").filter { $0["title"] == back["title"] }.count == 1)
            // What sat under it in the target (went to the trash with it) is made again with it.
            let comments = acme.objects(kind: "comments").filter { $0["entityId"]?.stringValue == gone }
            let backComments = globex.objects(kind: "comments").filter { $0["entityId"] == back["_id"] }
            #expect(!comments.isEmpty)
            #expect(backComments.count == comments.count)
            // What names it from outside names the new one.
            let tracks = acme.objects(kind: "time-tracks").filter { $0["taskId"]?.stringValue == gone }
            let backTracks = globex.objects(kind: "time-tracks").filter { $0["taskId"] == back["_id"] }
            #expect(!tracks.isEmpty)
            #expect(backTracks.count == tracks.count)
        }
    }

    /// A newer archive whose export could not read a kind says nothing of what is gone of it: the
    /// delta (with `allowPartial`) deletes none of that kind, and still applies the rest.
    @Test func aKindTheNewerExportCouldNotReadIsNotTakenAsGone() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, FakeHarness.globex], records: 300)
        try await h.stopAfter {
            let (out, state, first) = try await Self.migrated(h)
            defer { try? FileManager.default.removeItem(at: out) }
            let tracks = try #require(await h.fake.workspace("globex")).objects(kind: "time-tracks").count
            #expect(tracks > 0)
            let acme = try #require(await h.fake.workspace("acme"))
            let task = try #require(
                acme.objects(kind: "tasks").first { $0["isTemplate"] != .bool(true) }?["_id"]?.stringValue)
            try await h.client().delete("tasks", id: task)
            await h.fake.reconfigure { $0.unlistableKinds = ["time-tracks"] }
            let (second, _) = try await FakeHarness.exportAcme(h, to: out)
            await #expect(throws: PartialArchive.self) {
                _ = try await Self.session(h, state: state).run(ImportOptions(archive: second))
            }
            var options = ImportOptions(archive: second)
            options.allowPartial = true
            let result = try await Self.session(h, state: state).run(options)
            #expect(try #require(result.kinds.first { $0.kind == "tasks" }).deleted >= 1)
            #expect(result.kinds.first { $0.kind == "time-tracks" }?.deleted ?? 0 == 0)
            #expect(try #require(await h.fake.workspace("globex")).objects(kind: "time-tracks").count == tracks)
        }
    }

    /// A delta under write faults (500s and dropped connections after applied writes, 500s before)
    /// and a token that expires every few seconds, rerun until it finishes: the graph equals the
    /// source's, with no duplicate.
    @Test func aDeltaSurvivesWriteFaultsAndShortTokens() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, FakeHarness.globex], records: 500)
        try await h.stopAfter {
            let before = try #require(await h.fake.workspace("globex"))
            let (out, state, _) = try await Self.migrated(h)
            defer { try? FileManager.default.removeItem(at: out) }
            let edits = try await h.editSource(count: 60, seed: 9)
            let (second, _) = try await FakeHarness.exportAcme(h, to: out)
            await h.fake.reconfigure {
                $0.faults.seed = 13
                $0.faults.serverErrorAfterWriteRate = 0.1
                $0.faults.dropAfterWriteRate = 0.05
                $0.faults.serverErrorRate = 0.05
                $0.tokenLifetime = 2
            }
            var result: ImportResult?
            var runs = 0
            while result == nil, runs < 20 {
                runs += 1
                var session = try Self.session(h, state: state)
                session.lateApplyWindow = 3
                do { result = try await session.run(ImportOptions(archive: second)) } catch {
                    // A run the faults stopped: the rerun resumes.
                }
            }
            let finished = try #require(result)
            #expect(finished.needsAttention == 0, "\(finished.kinds.filter { $0.failed + $0.conflicts > 0 })")
            #expect(await h.fake.writes().contains { $0.applied && $0.fault != nil })
            await h.fake.reconfigure { $0.faults = FaultPlan() }
            let total = finished.kinds.reduce(0) { $0 + $1.created + $1.updated + $1.moved + $1.deleted }
            #expect(total >= edits.total - 5)
            let acme = try #require(await h.fake.workspace("acme"))
            let globex = try #require(await h.fake.workspace("globex"))
            let run = try #require(try ImportJournal.runs(into: Self.targetName(h), in: Self.database(state)).last)
            let dangling = try ImportJournal(database: Self.database(state), run: run.run).entries(.dangling)
            let differences = CanonicalGraph.importDifferences(
                source: acme, target: globex, targetBefore: before, skipped: Set(dangling.map(\.sourceID)),
                config: await h.fake.config)
            #expect(differences.isEmpty, "\(differences)")
        }
    }

    /// A finished import of an earlier build kept no copy of the records it imported: a newer
    /// archive is refused while the imported one is not beside it, and applies as a delta once it
    /// is (the copy is taken from it).
    @Test func anImportOfAnEarlierBuildTakesItsCopyFromItsArchive() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, FakeHarness.globex], records: 300)
        try await h.stopAfter {
            let before = try #require(await h.fake.workspace("globex"))
            let (out, state, first) = try await Self.migrated(h)
            defer { try? FileManager.default.removeItem(at: out) }
            let run = try #require(try ImportJournal.runs(into: Self.targetName(h), in: Self.database(state)).last)
            try ImportJournal(database: Self.database(state), run: run.run).releaseSources()
            _ = try await h.editSource(count: 20, seed: 4)
            let (second, _) = try await FakeHarness.exportAcme(h, to: out)
            let aside = out.appendingPathComponent("aside.tar.zst")
            try FileManager.default.moveItem(at: first, to: aside)
            let writes = await h.fake.writes().count
            await #expect(throws: DeltaRefused.self) {
                _ = try await Self.session(h, state: state).run(ImportOptions(archive: second))
            }
            #expect(await h.fake.writes().count == writes)
            try FileManager.default.moveItem(at: aside, to: first)
            let result = try await Self.session(h, state: state).run(ImportOptions(archive: second))
            #expect(result.isDelta)
            #expect(result.needsAttention == 0)
            let differences = CanonicalGraph.importDifferences(
                source: try #require(await h.fake.workspace("acme")),
                target: try #require(await h.fake.workspace("globex")), targetBefore: before,
                skipped: Set(
                    try ImportJournal(database: Self.database(state), run: run.run).entries(.dangling).map(\.sourceID)),
                config: await h.fake.config)
            #expect(differences.isEmpty, "\(differences)")
        }
    }

    static func database(_ state: URL) throws -> StateDatabase {
        try StateDatabase(url: state.appendingPathComponent("state.sqlite"))
    }

    static func targetName(_ h: FakeHarness) -> String { "\(h.server.baseURL.absoluteString) globex" }
}
