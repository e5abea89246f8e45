import Basics
import Foundation

/// How many calls a client may make per window.
public struct RateBudget: Sendable, Equatable, CustomStringConvertible {
    public var limit: Int
    public var window: Duration

    public init(limit: Int, window: Duration) {
        self.limit = limit
        self.window = window
    }

    /// Plutio's documented limit: 1000 calls per hour.
    public static let plutio = RateBudget(limit: 1000, window: .seconds(3600))

    /// Parses `N/DURATION`: `1000/1h`, `60/6s`, `500/30m`, `100/90`.
    public init?(parsing text: String) {
        guard let (limit, seconds) = parseRate(text) else { return nil }
        self.init(limit: limit, window: .milliseconds(Int64((seconds * 1000).rounded())))
    }

    /// `1000/1h`, `60/6s`, `100/90s`: as a command line writes it.
    public var description: String {
        let s = window.seconds
        for (unit, size) in [("d", 86400.0), ("h", 3600.0), ("m", 60.0)]
        where s >= size && s.truncatingRemainder(dividingBy: size) == 0 {
            return "\(limit)/\(Int(s / size))\(unit)"
        }
        return s == s.rounded() ? "\(limit)/\(Int(s))s" : "\(limit)/\(s)s"
    }

    /// Pacing as a pure function: proceed when fewer than `limit` calls are inside the window
    /// and no block holds; else wait until the oldest call that matters leaves the window.
    public func decide(times: [Date], blockedUntil: Date?, now: Date) -> PacingDecision {
        if let blockedUntil, blockedUntil > now { return .wait(until: blockedUntil) }
        let inWindow = times.filter { $0 > now.addingTimeInterval(-window.seconds) }
        if inWindow.count < limit { return .proceed }
        return .wait(until: inWindow[inWindow.count - limit].addingTimeInterval(window.seconds))
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
