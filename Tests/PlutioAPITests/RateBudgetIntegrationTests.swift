import FakeHarness
import FakePlutio
import Foundation
import Testing

@testable import PlutioAPI

/// The shared budget against the fake's own rate limit, in real time.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RateBudgetIntegrationTests {
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

    @Test func keepsTheBudgetBusyForThreeWindowsWithoutA429() async throws {
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
            #expect(!log.contains { $0.status == 429 })
            // A slot is freed a window after its answer, not its request (never sooner than the
            // server frees it): each window loses about its calls' latency, which a loaded
            // 2-core machine running the whole suite stretches to a few percent. A pacer that
            // leaves gaps loses far more.
            let share = Double(done.count + 1) / Double(3 * budget.limit)
            #expect(share >= 0.9, "\(done.count) calls plus the token call in three windows of \(budget.limit)")
        }
    }
}
