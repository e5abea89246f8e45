import Basics
import Foundation

/// Keeps calls within the rate budget, shared through the ledger with every process.
///
/// Before each call it takes a slot (waiting when the window is full or a block holds). After
/// the answer it settles the slot at the answer's time. On 429 it blocks the ledger: until
/// `Retry-After`, or, without one, until the oldest call in its own window leaves it. The 429
/// answer is passed up for the retrying layer.
public struct PacedTransport: HTTPTransport {
    let inner: any HTTPTransport
    let ledger: any CallLedger
    let budget: RateBudget
    let clock: any PacingClock

    public init(inner: any HTTPTransport, ledger: any CallLedger, budget: RateBudget, clock: any PacingClock) {
        self.inner = inner
        self.ledger = ledger
        self.budget = budget
        self.clock = clock
    }

    public func send(_ request: APIRequest) async throws -> APIResponse {
        let budget = self.budget
        var slot: LedgerSlot?
        while slot == nil {
            let now = clock.now()
            let (decision, granted) = try ledger.reserve(now: now, window: budget.window.seconds) { times, block in
                budget.decide(times: times, blockedUntil: block, now: now)
            }
            switch decision {
            case .proceed: slot = granted
            case .wait(let until):
                try await clock.sleep(for: .milliseconds(max(1, Int64(until.timeIntervalSince(now) * 1000) + 1)))
            }
        }
        let response: APIResponse
        do {
            response = try await inner.send(request)
        } catch {
            try ledger.settle(slot!, at: clock.now())
            throw error
        }
        let answered = clock.now()
        try ledger.settle(slot!, at: answered)
        if case .rateLimited(_, let retryAfter)? = APIError.check(response, for: request) {
            if let retryAfter {
                try ledger.block(until: answered.addingTimeInterval(retryAfter.seconds))
            } else {
                let recent = try ledger.calls(since: answered.addingTimeInterval(-budget.window.seconds))
                let oldest = recent.first ?? answered
                try ledger.block(
                    until: max(oldest.addingTimeInterval(budget.window.seconds), answered.addingTimeInterval(1)))
            }
        }
        return response
    }
}
