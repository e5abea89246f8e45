import FakePlutio
import Foundation
import JSONCore
import Testing

/// Contract §10: seeded faults, mutations between calls, and the admin routes.
@Suite(.timeLimit(.minutes(10))) struct FaultContractTests {
    @Test(arguments: [false, true])
    func scriptedServerErrorsAnswer500(html: Bool) async throws {
        let h = try await Harness.start(records: 50) {
            $0.faults.serverErrorCalls = [2, 4]
            $0.faults.htmlServerErrors = html
        }
        try await h.stopAfter {
            let token = try await h.token()
            let statuses = try await (0..<4).asyncMap { _ in try await h.get("/tasks", token: token) }
            #expect(statuses.map(\.status) == [500, 200, 500, 200])
            #expect((statuses[0].json == ["code": 500, "message": "Internal server error"]) == !html)
            #expect(String(decoding: statuses[0].bytes, as: UTF8.self).hasPrefix("<!DOCTYPE html>") == html)
            #expect(await h.fake.requestLog().filter { $0.fault == "500" }.map(\.call) == [2, 4])
        }
    }

    @Test func randomFaultsReplayWithTheSameSeed() async throws {
        func run() async throws -> [Int] {
            let h = try await Harness.start(records: 50) {
                $0.faults.seed = 42
                $0.faults.serverErrorRate = 0.3
            }
            return try await h.stopAfter {
                var statuses: [Int] = []
                for _ in 0..<30 { statuses.append(try await h.tokenAnswer("acme-client", "acme-secret").status) }
                return statuses
            }
        }
        let first = try await run()
        #expect(first.contains(500) && first.contains(200))
        #expect(try await run() == first)
    }

    @Test func dropBeforeHandlingAppliesNothing() async throws {
        let h = try await Harness.start(records: 0) { $0.faults.drops = [2: .beforeHandling] }
        try await h.stopAfter {
            let token = try await h.token()
            await #expect(throws: (any Error).self) {
                _ = try await h.send(.POST, "/notes", body: #"{"title":"x"}"#, token: token)
            }
            #expect(await h.fake.workspace("acme")?.objects(kind: "notes").count == 0)
            #expect(await h.fake.requestLog().last?.fault == "drop")
        }
    }

    @Test func dropAfterAWriteLosesTheAnswerButNotTheWrite() async throws {
        let h = try await Harness.start(records: 0) { $0.faults.drops = [2: .afterWrite] }
        try await h.stopAfter {
            let token = try await h.token()
            await #expect(throws: (any Error).self) {
                _ = try await h.send(.POST, "/notes", body: #"{"title":"x"}"#, token: token)
            }
            #expect(await h.fake.workspace("acme")?.objects(kind: "notes").count == 1)
            #expect(await h.fake.requestLog().last?.fault == "dropAfterWrite")
        }
    }

    @Test func dropMidBodyCutsTheResponse() async throws {
        let h = try await Harness.start(records: 1500) { $0.faults.drops = [2: .midBody] }
        try await h.stopAfter {
            let token = try await h.token()
            await #expect(throws: (any Error).self) {
                _ = try await h.get("/tasks", [("limit", "100")], token: token)
            }
            #expect(try await h.get("/tasks", [("limit", "100")], token: token).array.count == 100)
        }
    }

    @Test(arguments: [true, false])
    func stormsAnswer429RegardlessOfBudget(retryAfter: Bool) async throws {
        let h = try await Harness.start(records: 0) {
            $0.faults.stormStarts = [2]
            $0.faults.stormLength = 3
            $0.faults.stormSendsRetryAfter = retryAfter
        }
        try await h.stopAfter {
            let token = try await h.token()
            var answers: [Harness.Answer] = []
            for _ in 0..<4 { answers.append(try await h.get("/tasks", token: token)) }
            #expect(answers.map(\.status) == [429, 429, 429, 200])
            #expect((answers[0].headers.first(name: "Retry-After") == "1") == retryAfter)
            #expect(await h.fake.callCount(clientID: "acme-client") == 2)
        }
    }

    @Test func slowResponsesAreDelayed() async throws {
        let h = try await Harness.start(records: 0) {
            $0.faults.slowRate = 1
            $0.faults.slowDelay = 0.3
        }
        try await h.stopAfter {
            let start = ContinuousClock.now
            _ = try await h.tokenAnswer("acme-client", "acme-secret")
            #expect(ContinuousClock.now - start >= .milliseconds(300))
            #expect(await h.fake.requestLog().last?.fault == "slow")
        }
    }

    @Test func mutationsHappenBetweenCalls() async throws {
        let h = try await Harness.start(records: 800) { $0.mutations = MutationPlan(every: 2, seed: 3) }
        try await h.stopAfter {
            let token = try await h.token()
            let before = try #require(await h.fake.workspace("acme"))
            for _ in 0..<40 { _ = try await h.get("/tasks", [("limit", "5")], token: token) }
            let after = try #require(await h.fake.workspace("acme"))
            let beforeTasks = before.objects(kind: "tasks").map { JSONValue.object($0).text }
            let afterTasks = after.objects(kind: "tasks").map { JSONValue.object($0).text }
            #expect(beforeTasks != afterTasks)
            #expect(
                after.trashRowCount > before.trashRowCount || after.recordCount != before.recordCount
                    || beforeTasks != afterTasks)
        }
    }

    @Test func scriptedMutationsRunBeforeTheirCall() async throws {
        let h = try await Harness.start(records: 600) {
            $0.mutations.scripted = [3: [.trash(kind: "tasks", id: nil)], 4: [.create(kind: "tasks")]]
        }
        try await h.stopAfter {
            let token = try await h.token()
            let everything = #"{"isArchived":{"$in":[true,false,null]},"isTemplate":{"$in":[true,false,null]}}"#
            let first = try await h.get("/tasks", [("q", everything), ("limit", "1000")], token: token).array
            let afterTrash = try await h.get("/tasks", [("q", everything), ("limit", "1000")], token: token).array
            let afterCreate = try await h.get("/tasks", [("q", everything), ("limit", "1000")], token: token).array
            #expect(afterTrash.count < first.count)
            #expect(afterCreate.count == afterTrash.count + 1)
        }
    }

    @Test func adminRoutesExposeLogCallsAndStats() async throws {
        let h = try await Harness.start(records: 200)
        try await h.stopAfter {
            let token = try await h.token()
            _ = try await h.get("/tasks", token: token)
            let log = try await h.send(.GET, h.origin + "/_fake/log", token: nil, business: nil)
            #expect(log.array.count == 2)
            #expect(log.array.last?["path"] == "/v1.11/tasks")
            #expect(log.array.last?["clientId"] == "acme-client")
            let calls = try await h.send(.GET, h.origin + "/_fake/calls", token: nil, business: nil)
            #expect(calls.json == ["acme-client": 2])
            let stats = try await h.send(.GET, h.origin + "/_fake/stats", token: nil, business: nil)
            #expect((stats.json?["acme"]?["tasks"]?.numberValue ?? 0) > 0)
            _ = try await h.send(
                .POST, h.origin + "/_fake/revoke?client=acme-client", body: "{}", token: nil, business: nil)
            #expect(try await h.get("/tasks", token: token).status == 401)
            #expect(await h.fake.callCount(clientID: "acme-client") == 3)
        }
    }
}

extension Range where Bound == Int {
    /// Runs `body` for each element in order.
    func asyncMap<T>(_ body: (Int) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for i in self { out.append(try await body(i)) }
        return out
    }
}
