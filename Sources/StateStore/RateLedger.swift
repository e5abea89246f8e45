import Basics
import Foundation
import GRDB

/// The calls made to one API (base URL and client id), shared by every process on the machine.
///
/// Contract: `reserve` runs the caller's decision inside an immediate (exclusive) transaction over
/// the calls still in the window, so two processes never both take the last slot. A granted slot
/// is recorded at once; `settle` moves it to the time the answer arrived, which is never earlier
/// than the server counted it, so the ledger frees slots no sooner than the server does.
public struct RateLedger: Sendable {
    let database: StateDatabase
    /// The ledger key, e.g. `https://api.plutio.com/v1.11|CLIENT_ID`.
    public let scope: String

    public init(database: StateDatabase, scope: String) {
        self.database = database
        self.scope = scope
    }

    /// What the caller decided for one call.
    public typealias Decision = PacingDecision
    /// A slot that was granted.
    public typealias Slot = LedgerSlot

    /// Calls `decide` with the times of calls inside `window` (oldest first) and any block, in one
    /// exclusive transaction; records a call at `now` when it answers `.proceed`.
    public func reserve(
        now: Date, window: TimeInterval, decide: @Sendable ([Date], Date?) -> Decision
    ) throws(StateError) -> (Decision, Slot?) {
        try database.writeWithoutTransaction { db in
            var result: (Decision, Slot?) = (.proceed, nil)
            try db.inTransaction(.immediate) {
                let cutoff = now.timeIntervalSince1970 - window
                try db.execute(
                    sql: "DELETE FROM rate_call WHERE scope = ? AND at <= ?", arguments: [scope, cutoff - window])
                let times = try Double.fetchAll(
                    db, sql: "SELECT at FROM rate_call WHERE scope = ? AND at > ? ORDER BY at",
                    arguments: [scope, cutoff]
                ).map(Date.init(timeIntervalSince1970:))
                let block = try Double.fetchOne(
                    db, sql: "SELECT until FROM rate_block WHERE scope = ?", arguments: [scope]
                )
                .map(Date.init(timeIntervalSince1970:))
                let decision = decide(times, block)
                if decision == .proceed {
                    try db.execute(
                        sql: "INSERT INTO rate_call (scope, at) VALUES (?, ?)",
                        arguments: [scope, now.timeIntervalSince1970])
                    result = (.proceed, Slot(id: db.lastInsertedRowID))
                } else {
                    result = (decision, nil)
                }
                return .commit
            }
            return result
        }
    }

    /// Moves a granted slot to the time its answer arrived.
    public func settle(_ slot: Slot, at time: Date) throws(StateError) {
        try database.write { db in
            try db.execute(
                sql: "UPDATE rate_call SET at = max(at, ?) WHERE id = ?",
                arguments: [time.timeIntervalSince1970, slot.id])
        }
    }

    /// Blocks every call until `until` (a server's Retry-After), keeping the later of two blocks.
    public func block(until: Date) throws(StateError) {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO rate_block (scope, until) VALUES (?, ?)
                    ON CONFLICT(scope) DO UPDATE SET until = max(until, excluded.until)
                    """, arguments: [scope, until.timeIntervalSince1970])
        }
    }

    /// The recorded call times after `since`, oldest first.
    public func calls(since: Date) throws(StateError) -> [Date] {
        try database.read { db in
            try Double.fetchAll(
                db, sql: "SELECT at FROM rate_call WHERE scope = ? AND at > ? ORDER BY at",
                arguments: [scope, since.timeIntervalSince1970]
            ).map(Date.init(timeIntervalSince1970:))
        }
    }
}
