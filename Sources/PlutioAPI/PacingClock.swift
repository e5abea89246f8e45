import Foundation

/// Wall time and waiting, injected so pacing and retry never sleep for real in tests.
///
/// Wall time (not a monotonic clock) because the rate ledger is shared between processes.
public protocol PacingClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Waits for `duration` (throws on cancellation).
    func sleep(for duration: Duration) async throws
}

/// Real time.
public struct SystemPacingClock: PacingClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}
