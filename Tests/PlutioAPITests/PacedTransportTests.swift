import Foundation
import StateStore
import Synchronization
import Testing

@testable import PlutioAPI

/// Virtual time: sleeping moves the clock at once.
final class VirtualClock: PacingClock {
    let time = Mutex(Date(timeIntervalSince1970: 2_000_000))
    func now() -> Date { time.withLock { $0 } }
    func sleep(for duration: Duration) async throws { time.withLock { $0.addTimeInterval(duration.seconds) } }
}

/// Answers from a script, recording when each call arrived.
final class ScriptedTransport: HTTPTransport {
    let clock: VirtualClock
    let answers: Mutex<[APIResponse]>
    let arrivals = Mutex<[Date]>([])

    init(clock: VirtualClock, answers: [APIResponse]) {
        self.clock = clock
        self.answers = Mutex(answers)
    }

    func send(_ request: APIRequest) async throws -> APIResponse {
        arrivals.withLock { $0.append(clock.now()) }
        return answers.withLock { $0.isEmpty ? APIResponse(status: 200) : $0.removeFirst() }
    }
}

@Suite final class PacedTransportTests {
    /// This test's scratch directory, removed when the test ends (each test gets its own instance).
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("paced-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: scratch) }
    func make(_ answers: [APIResponse], budget: RateBudget) throws -> (PacedTransport, ScriptedTransport, VirtualClock)
    {
        let clock = VirtualClock()
        let inner = ScriptedTransport(clock: clock, answers: answers)
        let url = scratch.appendingPathComponent("\(UUID().uuidString).sqlite")
        let ledger = RateLedger(database: try StateDatabase(url: url), scope: "x")
        return (PacedTransport(inner: inner, ledger: ledger, budget: budget, clock: clock), inner, clock)
    }

    let request = APIRequest(method: .get, url: URL(string: "http://127.0.0.1/v1.11/tasks")!)

    @Test func waitsWhenTheWindowIsFull() async throws {
        let (paced, inner, clock) = try make([], budget: RateBudget(limit: 3, window: .seconds(10)))
        let start = clock.now()
        for _ in 0..<7 { _ = try await paced.send(request) }
        let offsets = inner.arrivals.withLock { $0.map { $0.timeIntervalSince(start) } }
        #expect(offsets.prefix(3).allSatisfy { $0 < 0.01 })
        #expect(offsets[3] >= 10 && offsets[3] < 10.1)
        #expect(offsets[6] >= 20 && offsets[6] < 20.1)
        for i in 3..<7 { #expect(offsets[i] - offsets[i - 3] >= 10, "call \(i)") }
    }

    @Test func honoursRetryAfter() async throws {
        let (paced, inner, clock) = try make(
            [APIResponse(status: 429, headers: [("Retry-After", "42")])],
            budget: RateBudget(limit: 100, window: .seconds(10)))
        let start = clock.now()
        let first = try await paced.send(request)
        #expect(first.status == 429)
        _ = try await paced.send(request)
        let second = try #require(inner.arrivals.withLock { $0.last })
        #expect(second.timeIntervalSince(start) >= 42)
    }

    @Test func withoutRetryAfterWaitsForItsOwnWindowToFree() async throws {
        let (paced, inner, clock) = try make(
            [APIResponse(status: 200), APIResponse(status: 429)], budget: RateBudget(limit: 100, window: .seconds(10)))
        let start = clock.now()
        _ = try await paced.send(request)
        try await clock.sleep(for: .seconds(3))
        _ = try await paced.send(request)
        _ = try await paced.send(request)
        let third = try #require(inner.arrivals.withLock { $0.last })
        #expect(third.timeIntervalSince(start) >= 10)
    }
}
