import Foundation

/// What a pacer decided for one call: the HTTP client decides, a ledger shared by every process
/// of an API client records (`CallLedger` in PlutioAPI, `RateLedger` in StateStore).
public enum PacingDecision: Sendable, Equatable {
    /// Make the call now.
    case proceed
    /// Ask again at this time.
    case wait(until: Date)
}

/// A call a ledger granted, to be moved to when its answer arrived.
public struct LedgerSlot: Sendable, Hashable {
    public let id: Int64
    public init(id: Int64) { self.id = id }
}
