import Foundation
import Testing

@testable import StateStore

@Suite final class RateLedgerTests {
    /// This test's scratch directory, removed when the test ends (each test gets its own instance).
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("state-tests-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: scratch) }
    var tempURL: URL { scratch.appendingPathComponent("state.sqlite") }

    @Test func appliesNamedMigrations() throws {
        let db = try StateDatabase(url: tempURL)
        #expect(
            try db.appliedMigrations() == [
                "v1: rate ledger", "v2: export progress", "v3: export history", "v4: import journal",
                "v5: import target index", "v6: default blocks of created documents",
                "v7: records any run made, by target id", "v8: creates that lost their answer",
                "v9: write routes a server takes", "v10: outcome notes as flags", "v11: delta imports",
                "v12: binaries an export downloaded",
            ])
        let again = try StateDatabase(url: db.url)
        #expect(
            try again.appliedMigrations() == [
                "v1: rate ledger", "v2: export progress", "v3: export history", "v4: import journal",
                "v5: import target index", "v6: default blocks of created documents",
                "v7: records any run made, by target id", "v8: creates that lost their answer",
                "v9: write routes a server takes", "v10: outcome notes as flags", "v11: delta imports",
                "v12: binaries an export downloaded",
            ])
    }

    @Test func recordsGrantedCallsSettlesAndBlocks() throws {
        let ledger = RateLedger(database: try StateDatabase(url: tempURL), scope: "api|client")
        let t0 = Date(timeIntervalSince1970: 1000)
        let (decision, slot) = try ledger.reserve(now: t0, window: 60) { times, block in
            #expect(times.isEmpty && block == nil)
            return .proceed
        }
        #expect(decision == .proceed)
        try ledger.settle(try #require(slot), at: t0.addingTimeInterval(2))
        #expect(try ledger.calls(since: t0) == [t0.addingTimeInterval(2)])
        try ledger.block(until: t0.addingTimeInterval(30))
        try ledger.block(until: t0.addingTimeInterval(10))
        let (_, none) = try ledger.reserve(now: t0.addingTimeInterval(3), window: 60) { times, block in
            #expect(times == [t0.addingTimeInterval(2)])
            #expect(block == t0.addingTimeInterval(30))
            return .wait(until: block!)
        }
        #expect(none == nil)
        #expect(try ledger.calls(since: t0).count == 1)
    }

    @Test func scopesAreSeparate() throws {
        let db = try StateDatabase(url: tempURL)
        let a = RateLedger(database: db, scope: "a")
        let b = RateLedger(database: db, scope: "b")
        _ = try a.reserve(now: Date(), window: 60) { _, _ in .proceed }
        #expect(try b.calls(since: .distantPast).isEmpty)
        #expect(try a.calls(since: .distantPast).count == 1)
    }

    @Test func separateHandlesNeverGrantMoreThanTheBudget() async throws {
        let url = tempURL
        let handles = try (0..<4).map { _ in RateLedger(database: try StateDatabase(url: url), scope: "shared") }
        let now = Date()
        let granted = try await withThrowingTaskGroup(of: Int.self) { group in
            for handle in handles {
                group.addTask {
                    var mine = 0
                    for _ in 0..<25 {
                        let (decision, _) = try handle.reserve(now: now, window: 60) { times, _ in
                            times.count < 30 ? .proceed : .wait(until: now.addingTimeInterval(60))
                        }
                        if decision == .proceed { mine += 1 }
                    }
                    return mine
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(granted == 30)
    }
}
