import Basics
import Foundation

/// Where the calls of one API client are counted, for every process sharing the budget (StateStore's
/// `RateLedger`, conforming in Session, keeps them in SQLite).
///
/// Contract: `reserve` is atomic across processes; a `.proceed` answer has already recorded the
/// call. `settle` moves a recorded call to when its answer arrived; `block` holds all calls.
public protocol CallLedger: Sendable {
    func reserve(
        now: Date, window: TimeInterval, decide: @Sendable ([Date], Date?) -> PacingDecision
    )
        throws -> (PacingDecision, LedgerSlot?)
    func settle(_ slot: LedgerSlot, at time: Date) throws
    func block(until: Date) throws
    func calls(since: Date) throws -> [Date]
}
