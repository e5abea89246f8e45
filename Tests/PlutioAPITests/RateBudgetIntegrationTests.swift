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

    /// Three callers at once for three windows: no call answered 429, and no window holds more
    /// than the budget. How busy the pacer keeps the budget depends on the machine's speed, so it
    /// is measured by `scripts/bench import` (share of the budget kept busy), not asserted here.
    @Test func threeCallersForThreeWindowsNeverGetA429() async throws {
        let budget = RateBudget(limit: 30, window: .seconds(2))
        let h = try await FakeHarness.start(records: 200) { $0.rate = RateLimit(limit: 30, window: 2) }
        try await h.stopAfter {
            let client = try h.client(rate: budget)
            let start = Date()
            let deadline = start.addingTimeInterval(3 * 2)
            // Three callers at once, so the pacer, not one call's latency on a busy machine, sets the pace.
            let worker = Task {
                await withTaskGroup(of: [Date].self) { group in
                    for _ in 0..<3 {
                        group.addTask {
                            var completed: [Date] = []
                            while !Task.isCancelled {
                                do {
                                    _ = try await client.page("tasks", q: PlutioClient.everything, skip: 0, limit: 5)
                                } catch { break }
                                completed.append(Date())
                            }
                            return completed
                        }
                    }
                    return await group.reduce(into: []) { $0 += $1 }
                }
            }
            try await Task.sleep(for: .seconds(3 * 2))
            worker.cancel()
            let done = await worker.value.filter { $0 < deadline }
            let log = await h.fake.requestLog()
            #expect(done.count > budget.limit, "the callers should span several windows")
            #expect(!log.contains { $0.status == 429 })
            #expect(log.peakCalls(client: FakeHarness.acme.clientID, window: 2) <= budget.limit)
        }
    }
}
