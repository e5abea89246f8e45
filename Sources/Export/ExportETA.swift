import Foundation
import PlutioAPI
import StateStore

/// How long the rest of an export should take, from what the last export of the workspace
/// cost per kind, this run's pace, and the rate budget.
public enum ExportETA {
    /// Calls still to make: each unfinished kind's calls in the last export, less what this run
    /// has made for it (at least nothing). Nil without a last export to go by.
    public static func remainingCalls(
        kinds: [String], expected: [String: ExportHistory.Kind], callsSoFar: [String: Int], finished: Set<String>
    ) -> Int? {
        guard !expected.isEmpty else { return nil }
        return kinds.filter { !finished.contains($0) }.reduce(0) { total, kind in
            total + max(0, (expected[kind]?.calls ?? 1) - (callsSoFar[kind] ?? 0))
        }
    }

    /// Seconds for `remaining` calls: at this run's pace while the budget's window has room
    /// (`available` calls), then at the budget's long-run rate. Nil before any pace is known.
    public static func seconds(
        remaining: Int, pace callsPerSecond: Double, available: Int, budget: RateBudget
    )
        -> Double?
    {
        guard callsPerSecond > 0 else { return nil }
        let now = min(remaining, max(0, available))
        let later = remaining - now
        return Double(now) / callsPerSecond + Double(later) * budget.window.seconds / Double(budget.limit)
    }

    /// `3h 05m`, `4m 10s`, `12s`.
    public static func text(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s >= 3600 { return "\(s / 3600)h \(String(format: "%02d", (s % 3600) / 60))m" }
        if s >= 60 { return "\(s / 60)m \(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }
}
