import FakePlutio
import Foundation
import Synchronization
import Testing

@testable import PlutioAPI

/// A list served from memory with a silent cap, mutated between calls by a seeded script.
final class SimulatedList: Sendable {
    struct State {
        var ids: [String]
        var next = 0
        var calls = 0
        var random: SeededRandom
        var createdOrTrashed: Set<String> = []
    }
    let state: Mutex<State>
    let cap: Int?
    let mutateEvery: Int?

    init(count: Int, cap: Int?, mutateEvery: Int? = nil, seed: UInt64 = 1) {
        state = Mutex(State(ids: (0..<count).map { "r\($0)" }, next: count, random: SeededRandom(seed: seed)))
        self.cap = cap
        self.mutateEvery = mutateEvery
    }

    var original: Set<String> { state.withLock { Set($0.ids) } }

    func fetch(skip: Int, limit: Int) -> [RawRecord] {
        state.withLock { s in
            s.calls += 1
            if let every = mutateEvery, s.calls % every == 0 { Self.mutate(&s) }
            let n = min(limit, cap ?? Int.max)
            return s.ids.dropFirst(skip).prefix(n).map { RawRecord(bytes: Array("{\"_id\":\"\($0)\"}".utf8), id: $0) }
        }
    }

    /// Trashes up to three records anywhere, or creates some at the end.
    static func mutate(_ s: inout State) {
        let roll = s.random.next() % 3
        if roll == 0 {
            for _ in 0..<3 {
                let id = "r\(s.next)"
                s.next += 1
                s.ids.append(id)
                s.createdOrTrashed.insert(id)
            }
        } else if !s.ids.isEmpty {
            for _ in 0..<Int(1 + s.random.next() % 3) where !s.ids.isEmpty {
                let i = Int(s.random.next() % UInt64(s.ids.count))
                s.createdOrTrashed.insert(s.ids.remove(at: i))
            }
        }
    }

    func walk(limit: Int = 1000) async throws -> (ids: [String], calls: Int, restarted: Bool) {
        var walker = PageWalker(limit: limit) { skip, limit in self.fetch(skip: skip, limit: limit) }
        var out: [String] = []
        while let batch = try await walker.next() { out += batch.map(\.id) }
        return (out, walker.calls, walker.restarted)
    }
}

@Suite struct PageWalkerTests {
    @Test(arguments: [
        (0, Optional(50)), (1, 50), (2, 50), (49, 50), (50, 50), (51, 50), (120, 50), (1000, 50), (999, 7), (1000, nil),
        (2500, nil),
        (3, 1), (7, 7), (8, 7),
    ])
    func walksToTheEndWithinOneCallOfTheMinimum(count: Int, cap: Int?) async throws {
        let list = SimulatedList(count: count, cap: cap)
        let (ids, calls, restarted) = try await list.walk()
        #expect(ids == (0..<count).map { "r\($0)" })
        #expect(!restarted)
        // One page, then pages overlapping by one record, then at most one call to prove the end.
        let page = min(cap ?? 1000, 1000)
        let overlapped = count <= page ? 1 : 1 + (count - page + page - 2) / max(page - 1, 1)
        #expect(
            calls <= (page == 1 ? count + 1 : overlapped + 1),
            "\(calls) calls for \(count) records, cap \(String(describing: cap))")
    }

    @Test(arguments: [(500, Optional(7), 2), (800, 50, 3), (3000, 1000, 2), (400, nil, 1), (300, 50, 1), (200, 7, 5)])
    func everySurvivorIsEmittedOnceUnderMutation(count: Int, cap: Int?, every: Int) async throws {
        for seed in UInt64(1)...8 {
            let list = SimulatedList(count: count, cap: cap, mutateEvery: every, seed: seed)
            let before = list.original
            let (ids, _, _) = try await list.walk()
            let after = list.original
            let changed = list.state.withLock { $0.createdOrTrashed }
            let survivors = before.intersection(after).subtracting(changed)
            let duplicates = ids.count - Set(ids).count
            let missed = survivors.subtracting(ids).sorted()
            #expect(duplicates == 0, "\(duplicates) duplicates with seed \(seed)")
            #expect(missed.isEmpty, "missed \(missed.count): \(missed.prefix(5)) with seed \(seed)")
        }
    }

    @Test func aShiftIsDetectedAndRepaired() async throws {
        // 120 records, cap 50; before the third call, trash two records from the first page.
        let list = SimulatedList(count: 120, cap: 50)
        let walkerList = list
        var walker = PageWalker(limit: 1000) { skip, limit in
            let calls = walkerList.state.withLock { $0.calls }
            if calls == 2 { walkerList.state.withLock { s in s.ids.removeAll { $0 == "r3" || $0 == "r4" } } }
            return walkerList.fetch(skip: skip, limit: limit)
        }
        var ids: [String] = []
        while let batch = try await walker.next() { ids += batch.map(\.id) }
        #expect(walker.restarted)
        #expect(Set(ids) == Set((0..<120).map { "r\($0)" }))
        #expect(ids.count == 120, "r3 and r4 were read before they were trashed")
    }

    @Test func stopsAWalkThatCannotSettle() async throws {
        var walker = PageWalker(limit: 10, maxCalls: 5) { skip, _ in
            [RawRecord(bytes: [], id: "x\(skip)-\(UUID().uuidString)")]
        }
        await #expect(throws: PagingError.unsettled(calls: 5)) {
            while try await walker.next() != nil {}
        }
    }
}
