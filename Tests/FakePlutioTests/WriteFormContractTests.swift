import FakePlutio
import Foundation
import JSONCore
import NIOHTTP1
import Testing

/// Contract §4.1, §4.7, §10: the write forms a server may take (single or `/bulk`), path-form
/// reads, a refused `sort`, and what creates of custom fields, dashboard-page blocks and
/// automations must hold.
@Suite(.timeLimit(.minutes(10))) struct WriteFormContractTests {
    static func firstID(_ h: Harness, _ kind: String, token: String) async throws -> String {
        try #require(try await h.get("/\(kind)", [("limit", "1")], token: token).ids.first)
    }

    @Test func bulkWritesOnlyRefusesSingleWritesAndTakesBulkOnEveryKindWithUOrD() async throws {
        let h = try await Harness.start(records: 300) { $0.bulkWritesOnly = true }
        try await h.stopAfter {
            let token = try await h.token()
            let task = try await Self.firstID(h, "tasks", token: token)
            let board = try await Self.firstID(h, "task-boards", token: token)
            let single = try await h.send(.PUT, "/tasks", body: #"{"_id":"\#(task)","title":"x"}"#, token: token)
            #expect(single.status == 403 && single.message == "Method not allowed")
            #expect(try await h.send(.DELETE, "/tasks", body: #"{"_id":"\#(task)"}"#, token: token).status == 403)
            // Task boards have no /bulk in the catalogue; under this switch they take it.
            let bulk = try await h.send(
                .PUT, "/task-boards/bulk", body: #"{"_ids":["\#(board)"],"title":"Renamed"}"#, token: token)
            #expect(bulk.status == 200)
            #expect(await h.fake.workspace("acme")?.object(kind: "task-boards", id: board)?["title"] == "Renamed")
            #expect(
                try await h.send(.DELETE, "/task-boards/bulk", body: #"{"_ids":["\#(board)"]}"#, token: token).status
                    == 200)
            #expect(await h.fake.workspace("acme")?.object(kind: "task-boards", id: board) == nil)
            // Kinds without U or D stay refused.
            #expect(
                try await h.send(.PUT, "/custom-fields/bulk", body: #"{"_ids":["a"],"title":"x"}"#, token: token).status
                    == 403)
        }
    }

    @Test func bulkEverywhereTakesBothForms() async throws {
        let h = try await Harness.start(records: 300) { $0.bulkEverywhere = true }
        try await h.stopAfter {
            let token = try await h.token()
            let note = try await Self.firstID(h, "notes", token: token)
            #expect(
                try await h.send(.PUT, "/notes", body: #"{"_id":"\#(note)","title":"One"}"#, token: token).status == 200
            )
            #expect(
                try await h.send(.PUT, "/notes/bulk", body: #"{"_ids":["\#(note)"],"title":"Two"}"#, token: token)
                    .status == 200)
            #expect(await h.fake.workspace("acme")?.object(kind: "notes", id: note)?["title"] == "Two")
        }
        let strict = try await Harness.start(records: 300)
        try await strict.stopAfter {
            let token = try await strict.token()
            let note = try await Self.firstID(strict, "notes", token: token)
            #expect(
                try await strict.send(.PUT, "/notes/bulk", body: #"{"_ids":["\#(note)"],"title":"x"}"#, token: token)
                    .status == 403)
        }
    }

    @Test func pathGetAnswersChosenKindsAndSortCanBeRefused() async throws {
        let h = try await Harness.start(records: 300) {
            $0.pathGetKinds = ["people"]
            $0.refusesSort = true
        }
        try await h.stopAfter {
            let token = try await h.token()
            let person = try await Self.firstID(h, "people", token: token)
            let read = try await h.get("/people/\(person)", token: token)
            #expect(read.status == 200 && read.json?["_id"]?.stringValue == person)
            #expect(try await h.get("/people/NBTm56xe8Rh5cF47X", token: token).status == 404)
            let task = try await Self.firstID(h, "tasks", token: token)
            #expect(try await h.get("/tasks/\(task)", token: token).status == 403)
            let sorted = try await h.get("/tasks", [("sort", "-createdAt")], token: token)
            #expect(sorted.status == 400)
        }
    }

    @Test(arguments: [
        (#"{"title":"Tier","entityType":"spaceship","inputType":"text"}"#, "Invalid entity type"),
        (#"{"title":"Tier","entityType":"task","inputType":"hologram"}"#, "Invalid input type"),
        (#"{"title":"Tier","inputType":"text"}"#, "Invalid entity type"),
    ])
    func customFieldsNeedAKnownEntityAndInputType(body: String, message: String) async throws {
        let h = try await Harness.start(records: 0)
        try await h.stopAfter {
            let token = try await h.token()
            let answer = try await h.send(.POST, "/custom-fields", body: body, token: token)
            #expect(answer.status == 400 && answer.message == message)
            let good = #"{"title":"Tier","entityType":"task","inputType":"select","options":[{"name":"A"}]}"#
            #expect(try await h.send(.POST, "/custom-fields", body: good, token: token).status == 200)
        }
    }

    @Test func dashboardPageBlocksAreOfThePageTypesAndAutomationsStartAsDrafts() async throws {
        let h = try await Harness.start(records: 300)
        try await h.stopAfter {
            let token = try await h.token()
            let page = try await Self.firstID(h, "dashboard-pages", token: token)
            let signature = try await h.send(
                .POST, "/blocks", body: #"{"entityType":"dashboard-page","entityId":"\#(page)","type":"signature"}"#,
                token: token)
            #expect(signature.status == 400)
            #expect(signature.message?.hasPrefix("Type \"signature\" is invalid") == true)
            let summary = try await h.send(
                .POST, "/blocks", body: #"{"entityType":"dashboard-page","entityId":"\#(page)","type":"summary"}"#,
                token: token)
            #expect(summary.status == 200)
            let automation = try #require(try await h.send(.POST, "/automations", body: "{}", token: token).json)
            #expect(automation["status"] == "draft")
            #expect(automation["nodes"] == [] && automation["edges"] == [])
            #expect(automation["triggerType"] == .null && automation["triggerConfig"] == [:])
            let kept = try #require(
                try await h.send(
                    .POST, "/automations", body: #"{"status":"paused","nodes":[{"id":"n1"}]}"#, token: token
                ).json)
            #expect(kept["status"] == "paused" && kept["nodes"]?.arrayValue?.count == 1)
        }
    }
}
