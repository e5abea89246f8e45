import Foundation
import StateStore

/// Where the calls of one API client are counted, for every process sharing the budget.
///
/// Contract: `reserve` is atomic across processes; a `.proceed` answer has already recorded the
/// call. `settle` moves a recorded call to when its answer arrived; `block` holds all calls.
public protocol CallLedger: Sendable {
    func reserve(
        now: Date, window: TimeInterval, decide: @Sendable ([Date], Date?) -> RateLedger.Decision
    )
        throws -> (RateLedger.Decision, RateLedger.Slot?)
    func settle(_ slot: RateLedger.Slot, at time: Date) throws
    func block(until: Date) throws
    func calls(since: Date) throws -> [Date]
}

extension RateLedger: CallLedger {}
