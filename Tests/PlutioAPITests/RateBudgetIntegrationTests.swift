import FakeHarness
import FakePlutio
import Foundation
import Testing

@testable import PlutioAPI

/// The shared budget against the fake's own rate limit, in real time.
@Suite(.serialized, .timeLimit(.minutes(10))) struct RateBudgetIntegrationTests {
    /// The largest number of counted calls of a client inside any window of the fake's log.
    @Test func twoClientsSharingAnAPIClientNeverExceedItsBudget() async throws {
        let accounts = [
            AccountSpec(subdomain: "acme", clientID: "agency", secret: "s"),
            AccountSpec(subdomain: "globex", clientID: "agency", secret: "s"),
        ]
        let budget = RateBudget(limit: 40, window: .seconds(1))
        let h = try await FakeHarness.start(accounts: accounts, records: 1500) {
            $0.rate = RateLimit(limit: 40, window: 1)
            $0.limitCap = 7
        }
        try await h.stopAfter {
            let a = try h.client(accounts[0], rate: budget)
            let b = try h.client(accounts[1], rate: budget)
            async let first = collect(a.records(of: "tasks"))
            async let second = collect(b.records(of: "tasks"))
            let (x, y) = try await (first, second)
            #expect(!x.isEmpty && !y.isEmpty)
            let log = await h.fake.requestLog()
            #expect(log.count > 80, "the walk should span several windows")
            #expect(!log.contains { $0.status == 429 })
            #expect(log.peakCalls(client: "agency", window: 1) <= 40)
        }
    }

    /// Three callers at once make 63 calls, more than two windows' worth: no call answered 429, no
    /// window holds more than the budget, and the calls took at least the two windows the budget
    /// makes them wait (a lower bound, which a busy machine cannot break). How busy the pacer keeps
    /// the budget depends on the machine's speed, so it is measured by `scripts/bench import`.
    @Test func threeCallersForThreeWindowsNeverGetA429() async throws {
        let budget = RateBudget(limit: 30, window: .seconds(2))
        let h = try await FakeHarness.start(records: 200) { $0.rate = RateLimit(limit: 30, window: 2) }
        try await h.stopAfter {
            let client = try h.client(rate: budget)
            // The token call counts too: 62 page calls and the token make 63.
            let calls = 2 * budget.limit + 2
            let start = Date()
            let done = try await withThrowingTaskGroup(of: [Date].self) { group in
                for caller in 0..<3 {
                    group.addTask {
                        var completed: [Date] = []
                        for _ in stride(from: caller, to: calls, by: 3) {
                            _ = try await client.page("tasks", q: PlutioClient.everything, skip: 0, limit: 5)
                            completed.append(Date())
                        }
                        return completed
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let log = await h.fake.requestLog()
            #expect(done.count == calls)
            #expect(try #require(done.max()).timeIntervalSince(start) >= 2 * budget.window.seconds - 0.1)
            #expect(!log.contains { $0.status == 429 })
            #expect(log.peakCalls(client: FakeHarness.acme.clientID, window: 2) <= budget.limit)
        }
    }
}
