import FakePlutio
import Foundation
import JSONCore
import Testing

/// Contract §3: lists, paging, filters, hidden records, scopes and quirks.
@Suite(.timeLimit(.minutes(10))) struct ListContractTests {
    static let everything = #"{"isArchived":{"$in":[true,false,null]},"isTemplate":{"$in":[true,false,null]}}"#

    @Test func pagesArePositionsOfTheNaturalOrder() async throws {
        let h = try await Harness.start(records: 600)
        try await h.stopAfter {
            let token = try await h.token()
            let all = try await h.get("/tasks", [("q", Self.everything), ("limit", "1000")], token: token).ids
            #expect(all.count > 100)
            let page = try await h.get(
                "/tasks", [("q", Self.everything), ("skip", "20"), ("limit", "50")], token: token
            )
            .ids
            #expect(page == Array(all[20..<70]))
            let beyond = try await h.get("/tasks", [("skip", "100000"), ("limit", "5")], token: token)
            #expect(beyond.status == 200 && beyond.bytes == Array("[]".utf8))
            let again = try await h.get("/tasks", [("q", Self.everything), ("limit", "1000")], token: token).ids
            #expect(again == all)
        }
    }

    @Test(arguments: [(Optional(20), 20), (Optional(7), 7), (nil, Int.max)])
    func omittedOrZeroLimitUsesTheDefault(defaultLimit: Int?, expected: Int) async throws {
        let h = try await Harness.start(records: 600) {
            $0.defaultLimit = defaultLimit
            $0.limitCap = nil
        }
        try await h.stopAfter {
            let token = try await h.token()
            let total = try await h.all("tasks", token: token, extra: [("isArchived", "false")]).count
            for query in [[("isArchived", "false")], [("isArchived", "false"), ("limit", "0")]] {
                let page = try await h.get("/tasks", query, token: token)
                #expect(page.array.count == min(expected, total))
            }
        }
    }

    @Test(arguments: [(Optional(50), 50), (Optional(7), 7), (nil, 300)])
    func capsPagesSilently(cap: Int?, expected: Int) async throws {
        let h = try await Harness.start(records: 1500) { $0.limitCap = cap }
        try await h.stopAfter {
            let token = try await h.token()
            let page = try await h.get("/tasks", [("limit", "300")], token: token)
            #expect(page.status == 200)
            #expect(page.array.count == expected)
        }
    }

    @Test(arguments: ["-1", "abc", "1.5", " 3"])
    func refusesBadSkipAndLimit(value: String) async throws {
        let h = try await Harness.start(records: 50)
        try await h.stopAfter {
            let token = try await h.token()
            for name in ["skip", "limit"] {
                let answer = try await h.get("/tasks", [(name, value)], token: token)
                #expect(answer.status == 400)
                #expect(answer.message == "\(name) must be a non-negative integer")
            }
        }
    }

    @Test func keyValueFiltersMatchPathsArraysAndCoercedScalars() async throws {
        let h = try await Harness.start(records: 800)
        try await h.stopAfter {
            let token = try await h.token()
            let people = try await h.all("people", token: token)
            let leo = people.filter { $0["name"]?["first"] == "Leo" }.count
            #expect(
                try await h.get(
                    "/people", [("name.first", "Leo"), ("limit", "1000"), ("isArchived", "false")], token: token
                ).array.count
                    == people.filter { $0["name"]?["first"] == "Leo" && $0["isArchived"] != true }.count)
            #expect(leo > 0)
            let task = try #require(
                try await h.all("tasks", token: token).first { ($0["assignedTo"]?.arrayValue?.count ?? 0) > 0 })
            let person = try #require(task["assignedTo"]?.arrayValue?.first?.stringValue)
            let assigned = try await h.get("/tasks", [("assignedTo", person), ("limit", "1000")], token: token).array
            #expect(assigned.allSatisfy { $0["assignedTo"]?.arrayValue?.contains(.string(person)) == true })
            #expect(assigned.contains { $0["_id"] == task["_id"] } || task["isArchived"] == true)
            let numbered = try await h.get(
                "/tasks",
                [("taskId", "\(Int(task["taskId"]!.numberValue!))"), ("isArchived", "\(task["isArchived"] == true)")],
                token: token)
            #expect(numbered.ids == [task["_id"]!.stringValue!])
            let and = try await h.get("/tasks", [("assignedTo", person), ("status", "no-such-status")], token: token)
            #expect(and.array.isEmpty)
        }
    }

    @Test func queryParameterAndFiltersAreAnded() async throws {
        let h = try await Harness.start(records: 800)
        try await h.stopAfter {
            let token = try await h.token()
            let q = #"{"$or":[{"status":"completed"},{"status":"overdue"}]}"#
            let both = try await h.get("/tasks", [("q", q), ("limit", "1000")], token: token).array
            #expect(!both.isEmpty)
            #expect(both.allSatisfy { $0["status"] == "completed" || $0["status"] == "overdue" })
            let narrowed = try await h.get(
                "/tasks", [("q", q), ("status", "completed"), ("limit", "1000")], token: token
            )
            .array
            #expect(narrowed.allSatisfy { $0["status"] == "completed" })
            #expect(narrowed.count < both.count)
            let dated = try await h.get(
                "/tasks", [("q", #"{"dueDate":{"$gte":"2026-01-20T00:00:00.000Z"}}"#), ("limit", "1000")], token: token
            ).array
            #expect(dated.allSatisfy { ($0["dueDate"]?.stringValue ?? "") >= "2026-01-20T00:00:00.000Z" })
        }
    }

    @Test(arguments: ["not json", #"{"a":{"$where":"x"}}"#, "[1]", #"{"$nor":[]}"#])
    func refusesBadQueries(q: String) async throws {
        let h = try await Harness.start(records: 50)
        try await h.stopAfter {
            let token = try await h.token()
            let answer = try await h.get("/people", [("q", q)], token: token)
            #expect(answer.status == 400)
            #expect(answer.message?.isEmpty == false)
        }
    }

    @Test(arguments: [(true, true), (false, true), (true, false), (false, false)])
    func hidesArchivedAndTemplatesUnlessConstrained(hideArchived: Bool, hideTemplates: Bool) async throws {
        let h = try await Harness.start(records: 1500) {
            $0.hidesArchived = hideArchived
            $0.hidesTemplates = hideTemplates
        }
        try await h.stopAfter {
            let token = try await h.token()
            let all = try await h.all("projects", token: token)
            let archived = all.filter { $0["isArchived"] == true }
            let templates = all.filter { $0["isTemplate"] == true }
            #expect(!archived.isEmpty)
            #expect(!templates.isEmpty)
            let plain = try await h.get("/projects", [("limit", "1000")], token: token).array
            #expect(plain.contains { $0["isArchived"] == true } == !hideArchived)
            #expect(plain.contains { $0["isTemplate"] == true } == !hideTemplates)
            let withArchived = try await h.get("/projects", [("isArchived", "true"), ("limit", "1000")], token: token)
                .array
            #expect(
                Set(withArchived.compactMap { $0["_id"] })
                    == Set(archived.filter { !hideTemplates || $0["isTemplate"] != true }.compactMap { $0["_id"] }))
            let inQ = try await h.get("/projects", [("q", #"{"isTemplate":true}"#), ("limit", "1000")], token: token)
                .array
            #expect(Set(inQ.compactMap { $0["_id"] }) == Set(templates.compactMap { $0["_id"] }))
            let one = try #require(archived.first?["_id"]?.stringValue)
            let byID = try await h.get("/projects", [("_id", one)], token: token).array
            #expect(byID.count == (hideArchived ? 0 : 1))
            let byIDConstrained = try await h.get("/projects", [("_id", one), ("isArchived", "true")], token: token)
                .array
            #expect(byIDConstrained.count == 1)
            let byQ = try await h.get(
                "/projects", [("q", #"{"_id":"\#(one)","isArchived":{"$in":[true,false]}}"#)], token: token)
            #expect(byQ.array.count == 1)
        }
    }

    @Test(arguments: [false, true])
    func sortIsIgnoredUnlessHonoured(honoured: Bool) async throws {
        let h = try await Harness.start(records: 600) { $0.honoursSort = honoured }
        try await h.stopAfter {
            let token = try await h.token()
            let natural = try await h.get("/tasks", [("limit", "1000")], token: token).array
            let sorted = try await h.get("/tasks", [("limit", "1000"), ("sort", "-dueDate")], token: token).array
            let dates = sorted.compactMap { $0["dueDate"]?.stringValue }
            if honoured {
                #expect(dates == dates.sorted(by: >))
                #expect(sorted.map(\.text) != natural.map(\.text))
            } else {
                #expect(sorted.map(\.text) == natural.map(\.text))
            }
        }
    }

    @Test(arguments: [true, false])
    func commentsNeedAScope(batchesAccepted: Bool) async throws {
        let h = try await Harness.start(records: 800) { $0.acceptsBatchedCommentScopes = batchesAccepted }
        try await h.stopAfter {
            let token = try await h.token()
            for query in [[(String, String)](), [("entityType", "task")], [("q", #"{"entityId":"x"}"#)]] {
                let answer = try await h.get("/comments", query, token: token)
                #expect(answer.status == 400)
                #expect(answer.message == "entityType and entityId are required")
            }
            let ws = try #require(await h.fake.workspace("acme"))
            let comments = ws.objects(kind: "comments").filter { $0["entityType"] == "task" }
            let parents = Array(Set(comments.compactMap { $0["entityId"]?.stringValue })).sorted().prefix(5)
            let single = try await h.get(
                "/comments", [("entityType", "task"), ("entityId", parents.first!), ("limit", "1000")], token: token)
            #expect(single.status == 200)
            #expect(single.array.count == comments.filter { $0["entityId"] == .string(parents.first!) }.count)
            let byID = try await h.get("/comments", [("_id", comments[0]["_id"]!.stringValue!)], token: token)
            #expect(byID.array.count == 1)
            let batch =
                #"{"entityType":"task","entityId":{"$in":[\#(parents.map { "\"\($0)\"" }.joined(separator: ","))]}}"#
            let batched = try await h.get("/comments", [("q", batch), ("limit", "1000")], token: token)
            if batchesAccepted {
                #expect(batched.status == 200)
                #expect(batched.array.count == comments.filter { parents.contains($0["entityId"]!.stringValue!) }.count)
            } else {
                #expect(batched.status == 400)
                #expect(batched.message == "entityType and entityId are required")
            }
        }
    }

    @Test func wikiEntitiesCannotBeReadByID() async throws {
        let h = try await Harness.start(records: 800)
        try await h.stopAfter {
            let token = try await h.token()
            let entities = try await h.get("/wiki-entities", [("limit", "1000")], token: token).array
            let one = try #require(entities.first)
            #expect(try await h.get("/wiki-entities", [("_id", one["_id"]!.stringValue!)], token: token).status == 404)
            #expect(
                try await h.get("/wiki-entities", [("q", #"{"_id":"\#(one["_id"]!.stringValue!)"}"#)], token: token)
                    .status
                    == 404)
            let byWiki = try await h.get(
                "/wiki-entities", [("wikiId", one["wikiId"]!.stringValue!), ("limit", "1000")], token: token)
            #expect(byWiki.ids.contains(one["_id"]!.stringValue!))
        }
    }

    @Test func automationsRefuseGetByID() async throws {
        let h = try await Harness.start(records: 200)
        try await h.stopAfter {
            let token = try await h.token()
            let one = try #require(try await h.get("/automations", token: token).ids.first)
            #expect(try await h.get("/automations", [("_id", one)], token: token).status == 403)
        }
    }
}
