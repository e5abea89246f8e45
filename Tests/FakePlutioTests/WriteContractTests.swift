import Basics
import FakePlutio
import Foundation
import JSONCore
import NIOHTTP1
import Testing

/// Contract §4: create, update, delete, bulk, archive, move, copy and their side effects.
@Suite(.timeLimit(.minutes(10))) struct WriteContractTests {
    @Test func createAssignsServerFieldsAndKeepsUnknownOnes() async throws {
        let clock = ManualFakeClock()
        let h = try await Harness.start(records: 300, clock: clock)
        try await h.stopAfter {
            let token = try await h.token()
            let body =
                #"{"_id":"mine","title":"Write copy","createdAt":"1999-01-01T00:00:00.000Z","businessId":"x","createdBy":"y","flavour":"vanilla"}"#
            let answer = try await h.send(.POST, "/tasks", body: body, token: token)
            #expect(answer.status == 200)
            let task = try #require(answer.json)
            let id = try #require(task["_id"]?.stringValue)
            #expect(MeteorID.isValid(id))
            #expect(task["createdAt"]?.stringValue == Timestamp.string(clock.now()))
            #expect(task["updatedAt"] == task["createdAt"])
            #expect(task["businessId"]?.stringValue == (await h.fake.workspace("acme")?.business.id))
            #expect(
                task["createdBy"]?.stringValue
                    == (await h.fake.allClients().first { $0.clientID == "acme-client" }?.userID)
            )
            #expect(task["flavour"] == "vanilla")
            #expect(task["status"] == "incomplete")
            let read = try await h.get("/tasks", [("_id", id)], token: token)
            #expect(read.array == [task])
        }
    }

    @Test(arguments: [
        ("people", #"{"role":"client"}"#, "name is required"),
        ("people", #"{"name":{"first":"A"}}"#, "role is required"),
        ("task-groups", #"{"title":"x"}"#, "taskBoardId is required"),
        ("task-groups", #"{"taskBoardId":"NBTm56xe8Rh5cF47X"}"#, "title is required"),
        (
            "task-groups", #"{"taskBoardId":"NBTm56xe8Rh5cF47X","title":"\#(String(repeating: "x", count: 257))"}"#,
            "title must be between 1 and 256 characters"
        ),
        ("statuses", #"{"title":"x"}"#, "entityType is required"),
        ("events", #"{"title":"x"}"#, "startDate is required"),
        ("conversations", #"{"title":"x"}"#, "entityType is required"),
        ("canned-responses", #"{"title":"x"}"#, "descriptionHTML is required"),
        ("comments", #"{"entityType":"task","entityId":"x"}"#, "bodyPlain is required"),
        ("form-responses", #"{"name":"x"}"#, "formId is required"),
        ("blocks", #"{"entityType":"proposal","entityId":"x"}"#, "type is required"),
        ("dashboard-pages", #"{"title":"x"}"#, "dashboardId is required"),
        ("wiki-entities", #"{"wikiId":"w","parentId":"w","title":"x"}"#, "type is required"),
        ("files", #"{"title":"x","type":"file","handle":"nope"}"#, "Handle is required"),
        ("files", #"{"title":"x","type":"document"}"#, "Handle is required"),
        ("files", #"{"title":"x","type":"link"}"#, "url is required"),
        (
            "blocks", #"{"entityType":"contract","entityId":"x","type":"intro"}"#,
            #"Type "intro" is invalid. Valid options are: content, image, canvas, video, html, signature"#
        ),
        (
            "blocks", #"{"entityType":"wiki-page","entityId":"x","type":"content","hasText":true}"#,
            "hasText is not allowed on wiki blocks"
        ),
    ])
    func validatesCreates(kind: String, body: String, message: String) async throws {
        let h = try await Harness.start(records: 0)
        try await h.stopAfter {
            let token = try await h.token()
            let answer = try await h.send(.POST, "/\(kind)", body: body, token: token)
            #expect(answer.status == 400)
            #expect(answer.message == message)
        }
    }

    @Test func selectCustomFieldsTakeOptionIDsOnly() async throws {
        let h = try await Harness.start(records: 300)
        try await h.stopAfter {
            let token = try await h.token()
            let fields = try await h.get("/custom-fields", token: token).array
            let select = try #require(fields.first { $0["inputType"] == "select" })
            let fieldID = select["_id"]!.stringValue!
            let optionID = try #require(select["options"]?.arrayValue?.first?["_id"]?.stringValue)
            let label = try #require(select["options"]?.arrayValue?.first?["name"]?.stringValue)
            let ok = try await h.send(
                .POST, "/people",
                body:
                    #"{"name":{"first":"A"},"role":"client","customFields":[{"_id":"\#(fieldID)","value":"\#(optionID)"}]}"#,
                token: token)
            #expect(ok.status == 200)
            let bad = try await h.send(
                .POST, "/people",
                body:
                    #"{"name":{"first":"A"},"role":"client","customFields":[{"_id":"\#(fieldID)","value":"\#(label)"}]}"#,
                token: token)
            #expect(bad.status == 400)
            #expect(bad.message == "Invalid custom field value")
        }
    }

    @Test(arguments: [
        ("proposals", #"{"name":"P"}"#, "proposal", ["intro", "content", "signature"]),
        ("contracts", #"{"name":"C"}"#, "contract", ["content", "signature"]),
        ("wiki-entities", #"{"wikiId":"W","parentId":"W","title":"T","type":"page"}"#, "wiki-page", ["content"]),
        ("wiki-entities", #"{"wikiId":"W","parentId":"W","title":"T","type":"category"}"#, "wiki-entity", []),
    ])
    func createsDefaultBlocks(kind: String, body: String, slug: String, types: [String]) async throws {
        let h = try await Harness.start(records: 0)
        try await h.stopAfter {
            let token = try await h.token()
            // References must name live records: a wiki for the wiki pages.
            let wiki = try #require(try await h.send(.POST, "/wiki", body: #"{"title":"W"}"#, token: token).json)
            let body = body.replacingOccurrences(of: #""W""#, with: "\"\(wiki["_id"]!.stringValue!)\"")
            let doc = try #require(try await h.send(.POST, "/\(kind)", body: body, token: token).json)
            let blockIDs = (doc["blocks"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(blockIDs.count == types.count)
            let blocks = try await h.get(
                "/blocks", [("entityType", slug), ("entityId", doc["_id"]!.stringValue!)], token: token
            ).array
            #expect(blocks.compactMap { $0["_id"]?.stringValue } == blockIDs)
            #expect(blocks.compactMap { $0["type"]?.stringValue } == types)
        }
    }

    @Test(arguments: [true, false])
    func blockCreateAndDeleteKeepTheOwnersOrder(appends: Bool) async throws {
        let h = try await Harness.start(records: 0) { $0.blockCreateAppendsToOwner = appends }
        try await h.stopAfter {
            let token = try await h.token()
            let form = try #require(
                try await h.send(.POST, "/forms", body: #"{"title":"F","blocks":[]}"#, token: token).json)
            let formID = form["_id"]!.stringValue!
            let block = try #require(
                try await h.send(
                    .POST, "/blocks", body: #"{"entityType":"form","entityId":"\#(formID)","type":"content"}"#,
                    token: token
                ).json)
            let after = try await h.get("/forms", [("_id", formID)], token: token).array.first
            #expect(after?["blocks"] == (appends ? .array([block["_id"]!]) : .array([])))
            _ = try await h.send(.DELETE, "/blocks", body: #"{"_id":"\#(block["_id"]!.stringValue!)"}"#, token: token)
            let afterDelete = try await h.get("/forms", [("_id", formID)], token: token).array.first
            #expect(afterDelete?["blocks"] == .array([]))
        }
    }

    @Test func updatesArePartialAndReplaceWholeValues() async throws {
        let clock = ManualFakeClock()
        let h = try await Harness.start(records: 300, clock: clock)
        try await h.stopAfter {
            let token = try await h.token()
            let task = try #require(try await h.get("/tasks", [("limit", "1")], token: token).array.first)
            let id = task["_id"]!.stringValue!
            let field = try #require(
                try await h.all("custom-fields", token: token).first {
                    $0["entityType"] == "task" && $0["inputType"] == "phone"
                }?["_id"]?.stringValue)
            clock.advance(by: 5)
            let body =
                #"{"_id":"\#(id)","title":"New","assignedTo":[],"dueDate":null,"createdAt":"1999","customFields":[{"_id":"\#(field)","value":"x"}]}"#
            let updated = try #require(try await h.send(.PUT, "/tasks", body: body, token: token).json)
            #expect(updated["_id"] == task["_id"])
            #expect(updated["title"] == "New")
            #expect(updated["assignedTo"] == [])
            #expect(updated["dueDate"] == .null)
            #expect(updated["descriptionPlain"] == task["descriptionPlain"])
            #expect(updated["createdAt"] == task["createdAt"])
            #expect(updated["updatedAt"]?.stringValue == Timestamp.string(clock.now()))
            #expect(updated["customFields"] == [["_id": .string(field), "value": "x"]])
            #expect(
                try await h.send(.PUT, "/tasks", body: #"{"title":"x"}"#, token: token).message == "_id is required")
        }
    }

    @Test(arguments: [false, true])
    func lifecycleStatusWritesAreIgnored(alsoDocuments: Bool) async throws {
        let h = try await Harness.start(records: 600) { $0.ignoresProposalContractStatus = alsoDocuments }
        try await h.stopAfter {
            let token = try await h.token()
            for kind in ["invoices", "invoice-subscriptions", "proposals", "contracts"] {
                let record = try #require(try await h.get("/\(kind)", [("limit", "1")], token: token).array.first)
                let answer = try await h.send(
                    .PUT, "/\(kind)", body: #"{"_id":"\#(record["_id"]!.stringValue!)","status":"zzz"}"#, token: token)
                #expect(answer.status == 200)
                let ignored = kind.hasPrefix("invoice") || alsoDocuments
                #expect((answer.json?["status"] == "zzz") == !ignored, "\(kind)")
            }
        }
    }

    @Test func deleteMovesToTheTrashAndAnswersTheID() async throws {
        let h = try await Harness.start(records: 300)
        try await h.stopAfter {
            let token = try await h.token()
            let note = try #require(try await h.get("/notes", [("limit", "1")], token: token).array.first)
            let id = note["_id"]!.stringValue!
            let answer = try await h.send(.DELETE, "/notes", body: #"{"_id":"\#(id)"}"#, token: token)
            #expect(answer.json == ["_id": .string(id)])
            #expect(try await h.get("/notes", [("_id", id)], token: token).array.isEmpty)
            #expect(try await h.send(.DELETE, "/notes", body: #"{"_id":"\#(id)"}"#, token: token).status == 404)
            #expect(
                try await h.send(.PUT, "/notes", body: #"{"_id":"\#(id)","title":"x"}"#, token: token).status == 404)
            let rows = try await h.get("/trash-bin", [("entityId", id)], token: token).array
            #expect(rows.count == 1)
            #expect(rows.first?["entityType"] == "note")
        }
    }

    @Test func bulkUpdateAndDeleteSkipUnknownIDsAndStopAt100() async throws {
        let h = try await Harness.start(records: 600)
        try await h.stopAfter {
            let token = try await h.token()
            let ids = try await h.get("/time-tracks", [("limit", "3")], token: token).ids
            let list = (ids + ["NBTm56xe8Rh5cF47X"]).map { "\"\($0)\"" }.joined(separator: ",")
            let updated = try await h.send(
                .PUT, "/time-tracks/bulk", body: #"{"_ids":[\#(list)],"billingStatus":"paid"}"#, token: token)
            #expect(updated.array.count == 3)
            #expect(updated.array.allSatisfy { $0["billingStatus"] == "paid" })
            let deleted = try await h.send(.DELETE, "/time-tracks/bulk", body: #"{"_ids":[\#(list)]}"#, token: token)
            #expect(deleted.json?["_ids"] == .array(ids.map(JSONValue.string)))
            let many = (0..<101).map { "\"id\($0)\"" }.joined(separator: ",")
            let tooMany = try await h.send(.DELETE, "/time-tracks/bulk", body: #"{"_ids":[\#(many)]}"#, token: token)
            #expect(tooMany.status == 400)
            #expect(tooMany.message == "A bulk request takes at most 100 ids")
        }
    }

    @Test func archiveRoutesSetIsArchived() async throws {
        let h = try await Harness.start(records: 600)
        try await h.stopAfter {
            let token = try await h.token()
            let people = try await h.get("/people", [("isArchived", "false"), ("limit", "2")], token: token).ids
            let list = people.map { "\"\($0)\"" }.joined(separator: ",")
            let archived = try await h.send(
                .POST, "/people/bulk/archive", body: #"{"_ids":[\#(list)],"isArchived":true}"#, token: token)
            #expect(archived.json?["_ids"] == .array(people.map(JSONValue.string)))
            let visible = try await h.get("/people", [("limit", "1000")], token: token).ids
            #expect(Set(visible).isDisjoint(with: people))
            let unarchived = try await h.send(
                .POST, "/people/bulk/archive", body: #"{"_ids":[\#(list)],"isArchived":false}"#, token: token)
            #expect(unarchived.status == 200)
            #expect(Set(try await h.get("/people", [("limit", "1000")], token: token).ids).isSuperset(of: people))
            let group = try #require(try await h.get("/task-groups", [("limit", "1")], token: token).ids.first)
            let single = try await h.send(
                .POST, "/task-groups/archive", body: #"{"_id":"\#(group)","isArchived":true}"#, token: token)
            #expect(single.json == ["_id": .string(group)])
            #expect(
                try await h.get("/task-groups", [("_id", group), ("isArchived", "true")], token: token).array.count == 1
            )
            let task = try #require(try await h.get("/tasks", [("limit", "1")], token: token).ids.first)
            let put = try await h.send(.PUT, "/tasks", body: #"{"_id":"\#(task)","isArchived":true}"#, token: token)
            #expect(put.json?["isArchived"] == true)
            #expect(
                try await h.send(.POST, "/notes/bulk/archive", body: #"{"_ids":[],"isArchived":true}"#, token: token)
                    .status
                    == 403)
        }
    }

    @Test func moveRewritesDestinationAndSiblingOrder() async throws {
        let h = try await Harness.start(records: 0)
        try await h.stopAfter {
            let token = try await h.token()
            let board = try #require(
                try await h.send(.POST, "/task-boards", body: #"{"title":"B"}"#, token: token).json?["_id"]?.stringValue
            )
            var groups: [String] = []
            for i in 0..<3 {
                let g = try await h.send(
                    .POST, "/task-groups", body: #"{"title":"G\#(i)","taskBoardId":"\#(board)","position":\#(i)}"#,
                    token: token)
                groups.append(g.json!["_id"]!.stringValue!)
            }
            let moved = try await h.send(
                .POST, "/task-groups/move", body: #"{"_id":"\#(groups[2])","position":0,"title":"ignored"}"#,
                token: token)
            #expect(moved.json?["position"] == 0)
            #expect(moved.json?["title"] == "G2")
            let order = try await h.get("/task-groups", [("taskBoardId", board)], token: token).array
                .sorted { $0["position"]!.numberValue! < $1["position"]!.numberValue! }.compactMap {
                    $0["_id"]?.stringValue
                }
            #expect(order == [groups[2], groups[0], groups[1]])
        }
    }

    @Test func copyDuplicatesAGroupWithItsTasks() async throws {
        let h = try await Harness.start(records: 0)
        try await h.stopAfter {
            let token = try await h.token()
            let board = try #require(
                try await h.send(.POST, "/task-boards", body: #"{"title":"B"}"#, token: token).json?["_id"]?.stringValue
            )
            let group = try #require(
                try await h.send(.POST, "/task-groups", body: #"{"title":"G","taskBoardId":"\#(board)"}"#, token: token)
                    .json?["_id"]?.stringValue)
            for i in 0..<2 {
                _ = try await h.send(
                    .POST, "/tasks", body: #"{"title":"T\#(i)","taskGroupId":"\#(group)","taskBoardId":"\#(board)"}"#,
                    token: token)
            }
            let copy = try #require(
                try await h.send(.POST, "/task-groups/copy", body: #"{"_id":"\#(group)"}"#, token: token).json)
            let newGroup = try #require(copy["_id"]?.stringValue)
            #expect(newGroup != group)
            #expect(copy["title"] == "G")
            let tasks = try await h.get("/tasks", [("taskGroupId", newGroup)], token: token).array
            #expect(tasks.compactMap { $0["title"]?.stringValue }.sorted() == ["T0", "T1"])
        }
    }

    @Test(arguments: [false, true])
    func personCompanyLinksMirrorOnlyWhenConfigured(mirrors: Bool) async throws {
        let h = try await Harness.start(records: 0) { $0.mirrorsPersonCompanyLinks = mirrors }
        try await h.stopAfter {
            let token = try await h.token()
            let company = try #require(
                try await h.send(.POST, "/companies", body: #"{"title":"K"}"#, token: token).json?["_id"]?.stringValue)
            let person = try #require(
                try await h.send(
                    .POST, "/people",
                    body: #"{"name":{"first":"P"},"role":"client","companies":[{"_id":"\#(company)"}]}"#,
                    token: token
                ).json?["_id"]?.stringValue)
            let read = try await h.get("/companies", [("_id", company)], token: token).array.first
            let linked = read?["people"]?.arrayValue?.contains { $0["_id"] == .string(person) } ?? false
            #expect(linked == mirrors)
        }
    }

    @Test(arguments: [false, true])
    func templateIDCopiesContentOnlyWhenConfigured(copies: Bool) async throws {
        let h = try await Harness.start(records: 0) { $0.templateIdCopiesContent = copies }
        try await h.stopAfter {
            let token = try await h.token()
            let body = try #require(
                try await h.send(
                    .POST, "/projects", body: #"{"name":"Body","description":"From template","isTemplate":true}"#,
                    token: token
                ).json?["_id"]?.stringValue)
            let template = try #require(
                try await h.send(
                    .POST, "/templates", body: #"{"title":"T","entityType":"project","entityId":"\#(body)"}"#,
                    token: token
                ).json?["_id"]?.stringValue)
            let project = try #require(
                try await h.send(.POST, "/projects", body: #"{"name":"New","templateId":"\#(template)"}"#, token: token)
                    .json)
            #expect((project["description"] == "From template") == copies)
            #expect(project["name"] == "New")
        }
    }
}
