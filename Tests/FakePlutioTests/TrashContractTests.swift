import FakePlutio
import Foundation
import JSONCore
import Testing

/// Contract §5 and §6: the trash bin, archive rows and file binaries.
@Suite(.timeLimit(.minutes(10))) struct TrashContractTests {
    @Test func deletingAProjectCascadesAndLeavesOthersDangling() async throws {
        let h = try await Harness.start(records: 1500)
        try await h.stopAfter {
            let token = try await h.token()
            let ws = try #require(await h.fake.workspace("acme"))
            let tasksByProject = Dictionary(
                grouping: ws.objects(kind: "tasks"), by: { $0["projectId"]?.stringValue ?? "" })
            let project = try #require(
                ws.objects(kind: "projects").first { (tasksByProject[$0["_id"]!.stringValue!]?.count ?? 0) > 2 })
            let id = project["_id"]!.stringValue!
            let boards = ws.objects(kind: "task-boards").filter { $0["projectId"] == .string(id) }.compactMap {
                $0["_id"]?.stringValue
            }
            let tasks = tasksByProject[id]!.compactMap { $0["_id"]?.stringValue }
            let comments = ws.objects(kind: "comments").filter {
                $0["entityType"] == "task" && tasks.contains($0["entityId"]!.stringValue!)
            }
            let referrers = ws.objects(kind: "time-tracks").filter { $0["projectId"] == .string(id) }

            #expect(try await h.send(.DELETE, "/projects", body: #"{"_id":"\#(id)"}"#, token: token).status == 200)
            let row = try #require(try await h.get("/trash-bin", [("entityId", id)], token: token).array.first)
            #expect(row["entityType"] == "project")
            #expect(row["title"] == project["name"])
            #expect(MeteorID.isValid(row["_id"]!.stringValue!) && row["_id"]?.stringValue != id)
            let children = (row["children"]?.arrayValue ?? []).compactMap { $0["entityId"]?.stringValue }
            #expect(Set(children).isSuperset(of: boards + tasks + comments.compactMap { $0["_id"]?.stringValue }))
            #expect(
                try await h.get("/tasks", [("projectId", id), ("isArchived", "false")], token: token).array.isEmpty)
            #expect(try await h.get("/task-boards", [("projectId", id)], token: token).array.isEmpty)
            let tracks = try await h.get("/time-tracks", [("projectId", id), ("limit", "1000")], token: token)
            #expect(tracks.array.count == referrers.count)
        }
    }

    @Test func cascadesFoldersAndWikis() async throws {
        let h = try await Harness.start(records: 0)
        try await h.stopAfter {
            let token = try await h.token()
            func create(_ kind: String, _ body: String) async throws -> String {
                try #require(try await h.send(.POST, "/\(kind)", body: body, token: token).json?["_id"]?.stringValue)
            }
            let top = try await create("file-folders", #"{"title":"Top"}"#)
            let sub = try await create("file-folders", #"{"title":"Sub","parentFolderId":"\#(top)"}"#)
            let file = try await create(
                "files", #"{"title":"L","type":"link","url":"https://example.com","folderId":"\#(sub)"}"#)
            _ = try await h.send(.DELETE, "/file-folders", body: #"{"_id":"\#(top)"}"#, token: token)
            let row = try #require(try await h.get("/trash-bin", [("entityId", top)], token: token).array.first)
            #expect(
                row["children"] == [
                    ["entityType": "file-folder", "entityId": .string(sub)],
                    ["entityType": "file", "entityId": .string(file)],
                ])
            let wiki = try await create("wiki", #"{"title":"W"}"#)
            let page = try await create(
                "wiki-entities", #"{"wikiId":"\#(wiki)","parentId":"\#(wiki)","title":"P","type":"page"}"#)
            _ = try await h.send(.DELETE, "/wiki", body: #"{"_id":"\#(wiki)"}"#, token: token)
            let wikiRow = try #require(try await h.get("/trash-bin", [("entityId", wiki)], token: token).array.first)
            #expect(
                wikiRow["children"]?.arrayValue?.contains(["entityType": "wiki-page", "entityId": .string(page)])
                    == true)
        }
    }

    @Test func purgesOneSeveralAllAndExpiredRows() async throws {
        let clock = ManualFakeClock()
        let h = try await Harness.start(records: 600, clock: clock) { $0.trashRetention = 3600 }
        try await h.stopAfter {
            let token = try await h.token()
            let notes = try await h.get("/notes", [("limit", "4")], token: token).ids
            for id in notes { _ = try await h.send(.DELETE, "/notes", body: #"{"_id":"\#(id)"}"#, token: token) }
            let rows = try await h.get("/trash-bin", [("entityType", "note")], token: token).ids
            #expect(rows.count == 4)
            #expect(
                try await h.send(.DELETE, "/trash-bin", body: #"{"_id":"\#(rows[0])"}"#, token: token).json == [
                    "_id": .string(rows[0])
                ])
            #expect(
                try await h.send(.DELETE, "/trash-bin", body: #"{"_id":"\#(rows[0])"}"#, token: token).status == 404)
            let bulk = try await h.send(
                .DELETE, "/trash-bin/bulk", body: #"{"_ids":["\#(rows[1])","\#(rows[2])"]}"#, token: token)
            #expect(bulk.json?["_ids"] == [.string(rows[1]), .string(rows[2])])
            #expect(try await h.get("/trash-bin", [("entityType", "note")], token: token).ids == [rows[3]])
            clock.advance(by: 3601)
            #expect(try await h.get("/trash-bin", [("entityType", "note")], token: token).ids.isEmpty)
            _ = try await h.send(
                .DELETE, "/notes",
                body: #"{"_id":"\#(try await h.get("/notes", [("limit", "1")], token: token).ids[0])"}"#,
                token: token)
            #expect(try await h.send(.DELETE, "/trash-bin/all", body: "{}", token: token).status == 200)
            #expect(try await h.get("/trash-bin", token: token).array.isEmpty)
            #expect(try await h.send(.POST, "/trash-bin/restore", body: "{}", token: token).status == 403)
        }
    }

    @Test func archiveRowsListArchivedRecordsAndDeleteTrashesThem() async throws {
        let h = try await Harness.start(records: 800)
        try await h.stopAfter {
            let token = try await h.token()
            let rows = try await h.all("archive", token: token)
            let ws = try #require(await h.fake.workspace("acme"))
            let archivedCount = await h.fake.catalog.kinds.filter(\.archivable).reduce(0) { sum, kind in
                sum + ws.objects(kind: kind.name).filter { $0["isArchived"] == true }.count
            }
            #expect(rows.count == archivedCount)
            let row = try #require(rows.first { $0["entityType"] == "task" })
            #expect(Set(row.objectValue!.keys) == ["_id", "entityType", "entityId", "title", "updatedAt"])
            _ = try await h.send(.DELETE, "/archive", body: #"{"_id":"\#(row["_id"]!.stringValue!)"}"#, token: token)
            #expect(
                try await h.get("/trash-bin", [("entityId", row["entityId"]!.stringValue!)], token: token).array.count
                    == 1)
        }
    }

    @Test func filesAreServedOutsideAuthAndTheRateLimit() async throws {
        let h = try await Harness.start(records: 600) { $0.rate = RateLimit(limit: 3, window: 3600) }
        try await h.stopAfter {
            let token = try await h.token()
            let files = try await h.get("/files", [("type", "file")], token: token).array
            let file = try #require(files.first)
            let url = try #require(file["url"]?.stringValue)
            #expect(url.hasPrefix(h.origin + "/cdn/"))
            for _ in 0..<5 {
                let binary = try await h.send(.GET, url, token: nil, business: nil)
                #expect(binary.status == 200)
                #expect(binary.bytes.count == Int(file["size"]!.numberValue!))
            }
            #expect(try await h.send(.GET, h.origin + "/cdn/nope", token: nil, business: nil).status == 404)
            #expect(await h.fake.callCount(clientID: "acme-client") == 2)
            let handle = file["handle"]!.stringValue!
            let created = try await h.send(
                .POST, "/files", body: #"{"title":"again","type":"file","handle":"\#(handle)"}"#, token: token)
            #expect(created.status == 200)
        }
    }
}
