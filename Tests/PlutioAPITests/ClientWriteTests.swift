import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import StateStore
import Testing

@testable import PlutioAPI

/// The client's writes against the strict fake: bytes sent unchanged, bulk chunked, a lost create
/// never sent twice.
@Suite(.timeLimit(.minutes(10))) struct ClientWriteTests {
    @Test func writesSendTheCallersBytesAndAnswerTheRecord() async throws {
        let h = try await FakeHarness.start(records: 0)
        try await h.stopAfter {
            let client = try h.client()
            let body = Array(#"{ "title" : "Caf\u00e9",  "amount" : 1.50, "big" : 1e3 }"#.utf8)
            let note = try await client.create("notes", body: body)
            #expect(await h.fake.writes().last?.body == body)
            let stored = try #require(await h.fake.workspace("acme")?.object(kind: "notes", id: note.id))
            #expect(stored["title"] == "Café")
            #expect(stored["amount"]?.numberValue == 1.5)
            let updated = try await client.update("notes", body: Array(#"{"_id":"\#(note.id)","title":"New"}"#.utf8))
            #expect(try #require(updated).parsed()["title"] == "New")
            #expect(try await client.delete("notes", id: note.id))
            // Deleting again finds nothing: a retried delete that had been applied is not an error.
            #expect(try await !client.delete("notes", id: note.id))
            // The strict fake's refusals come back as validation errors naming the field.
            await #expect {
                try await client.create("tasks", body: Array(#"{"title":"T","projectId":"NOPE"}"#.utf8))
            } throws: { error in
                guard case .validation(_, let message) = (error as? APIError)?.underlying else { return false }
                return message == "projectId is invalid"
            }
        }
    }

    /// A `q` holding a non-ASCII letter and a `+` reaches the server as sent: every byte outside
    /// the unreserved characters is escaped (a bare `é` or `+` would be read otherwise).
    @Test func queryValuesWithNonASCIIAndPlusAreEscapedAndMatch() async throws {
        let h = try await FakeHarness.start(records: 0)
        try await h.stopAfter {
            let client = try h.client()
            let title = "Café + crème & co=1"
            let made = try await client.create(
                "notes", body: JSONValue.object(["title": .string(JSONString(title))]).bytes)
            _ = try await client.create("notes", body: Array(#"{"title":"Cafe   creme & co=1"}"#.utf8))
            let url = client.url("notes", query: [("q", #"{"title":"\#(title)"}"#)])
            let query = try #require(url.query(percentEncoded: true))
            #expect(query == "q=%7B%22title%22%3A%22Caf%C3%A9%20%2B%20cr%C3%A8me%20%26%20co%3D1%22%7D")
            #expect(url.absoluteString.hasPrefix(h.server.baseURL.absoluteString + "/notes?"))
            var found: [String] = []
            for try await record in client.records(of: "notes", filter: ["title": .string(JSONString(title))]) {
                found.append(record.id)
            }
            #expect(found == [made.id])
        }
    }

    @Test func bulkWritesTakeAHundredIdsPerCall() async throws {
        let h = try await FakeHarness.start(records: 0)
        try await h.stopAfter {
            let client = try h.client()
            var ids: [String] = []
            for i in 0..<250 {
                ids.append(try await client.create("time-tracks", body: Array(#"{"title":"n\#(i)"}"#.utf8)).id)
            }
            await h.fake.clearRequestLog()
            try await client.bulkUpdate("time-tracks", ids: ids, fields: ["color": "red"])
            try await client.bulkDelete("time-tracks", ids: ids)
            let writes = await h.fake.writes().suffix(6)
            #expect(writes.map(\.method) == ["PUT", "PUT", "PUT", "DELETE", "DELETE", "DELETE"])
            #expect(writes.map { $0.json?["_ids"]?.arrayValue?.count } == [100, 100, 50, 100, 100, 50])
            #expect(await h.fake.workspace("acme")?.objects(kind: "time-tracks").isEmpty == true)
        }
    }

    @Test(arguments: [WriteFault.Mode.dropAfter, .serverErrorAfter])
    func aCreateWhoseAnswerIsLostIsNotSentAgain(mode: WriteFault.Mode) async throws {
        let h = try await FakeHarness.start(records: 0) {
            $0.faults.writeFaults = [WriteFault(kind: "notes", n: 1, mode: mode)]
        }
        try await h.stopAfter {
            let client = try h.client()
            await #expect {
                try await client.create("notes", body: Array(#"{"title":"once"}"#.utf8))
            } throws: { error in
                if case .outcomeUnknown = error as? APIError { return true }
                return false
            }
            let writes = await h.fake.writes()
            #expect(writes.count == 1 && writes[0].applied)
            #expect(await h.fake.workspace("acme")?.objects(kind: "notes").count == 1)
        }
    }

    /// Against a server that takes only `/bulk` writes: one refused single write per kind and
    /// verb, then `/bulk`; a second client with the same memory is refused nothing; a kind that
    /// takes neither form fails fast after its first refusal.
    @Test func singleWritesSwitchToBulkOnceAndTheSwitchIsRemembered() async throws {
        let h = try await FakeHarness.start(records: 600) { $0.bulkWritesOnly = true }
        try await h.stopAfter {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let book = WriteRouteBook(
                database: try StateDatabase(url: scratch.appendingPathComponent("state.sqlite")),
                scope: h.server.baseURL.absoluteString)
            let ws = try #require(await h.fake.workspace("acme"))
            let notes = ws.objects(kind: "notes").compactMap { $0["_id"]?.stringValue }
            #expect(notes.count >= 4)
            let client = try h.client(routes: book)
            for (i, id) in notes.prefix(3).enumerated() {
                let updated = try await client.update("notes", body: Array(#"{"_id":"\#(id)","title":"N\#(i)"}"#.utf8))
                #expect(updated?.id == id)
            }
            #expect(try await client.delete("notes", id: notes[0]))
            var refused = await h.fake.writes().filter { $0.status == 403 }
            #expect(refused.map(\.method) == ["PUT", "DELETE"])
            #expect(try book.route(kind: "notes", verb: "update") == "bulk")
            #expect(await h.fake.workspace("acme")?.object(kind: "notes", id: notes[2])?["title"] == "N2")

            let again = try h.client(routes: book)
            try await again.update("notes", body: Array(#"{"_id":"\#(notes[3])","title":"Later"}"#.utf8))
            try await again.delete("notes", id: notes[3])
            refused = await h.fake.writes().filter { $0.status == 403 }
            #expect(refused.count == 2, "a second client knows already")

            // Dashboard pages take neither form: refused once each way, then refused without a call.
            let page = try #require(ws.objects(kind: "dashboard-pages").first?["_id"]?.stringValue)
            let body = Array(#"{"_id":"\#(page)","title":"x"}"#.utf8)
            await #expect(throws: APIError.self) { try await again.update("dashboard-pages", body: body) }
            let calls = await h.fake.requestLog().count
            await #expect(throws: APIError.self) { try await again.update("dashboard-pages", body: body) }
            #expect(await h.fake.requestLog().count == calls)
        }
    }
}
