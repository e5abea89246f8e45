import Foundation
import Synchronization

/// The fake's notion of now: token expiry, rate windows, trash retention, timestamps.
public protocol FakeClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// Wall-clock time.
public struct SystemFakeClock: FakeClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that moves only when told to; for tests.
public final class ManualFakeClock: FakeClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// A clock that moves `step` each time it is read: the fake reads it once or so per request, so
/// time is counted in requests, whatever the machine's speed; for tests whose tokens must expire
/// after a number of calls, not of seconds.
public final class SteppingFakeClock: FakeClock {
    private let current: Mutex<Date>
    private let step: TimeInterval

    public init(start: Date = Date(), step: TimeInterval) {
        current = Mutex(start)
        self.step = step
    }

    public func now() -> Date {
        current.withLock {
            $0 += step
            return $0
        }
    }
}
