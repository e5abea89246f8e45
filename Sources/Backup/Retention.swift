import Foundation

/// Which archives to keep, with restic's `forget` semantics (its documentation, "Removing
/// snapshots according to a policy"): `last` keeps the n most recent; `hourly`, `daily`, `weekly`,
/// `monthly` and `yearly` keep the most recent archive of each of the last n hours, days, weeks
/// (Monday to Sunday), months and years that have one. Rules are ORed. When a calendar rule finds
/// fewer periods than it may keep, the oldest archive is kept too. Calendar periods are UTC.
public struct RetentionPolicy: Sendable, Equatable {
    public var last = 0
    public var hourly = 0
    public var daily = 0
    public var weekly = 0
    public var monthly = 0
    public var yearly = 0

    public init(last: Int = 0, hourly: Int = 0, daily: Int = 0, weekly: Int = 0, monthly: Int = 0, yearly: Int = 0) {
        self.last = last
        self.hourly = hourly
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
        self.yearly = yearly
    }

    /// The rules' counts, in the order of the fields.
    public var counts: [Int] { [last, hourly, daily, weekly, monthly, yearly] }

    /// Whether no rule is given (like restic, an empty policy removes nothing: callers refuse it).
    public var isEmpty: Bool { counts.allSatisfy { $0 <= 0 } }

    /// Why an archive is kept.
    public enum Reason: String, Sendable, CaseIterable {
        case last, hourly, daily, weekly, monthly, yearly
        /// A calendar rule found fewer periods than it may keep.
        case oldest
    }

    /// The reasons each time is kept for; times without a reason go. `times` may be in any order;
    /// times after `now` are always kept (they cannot be judged yet).
    public func apply(to times: [Date], now: Date = .distantFuture) -> [[Reason]] {
        var reasons = Array(repeating: [Reason](), count: times.count)
        // Newest first; archives from the future are kept and count for no rule.
        let order = times.indices.filter { times[$0] <= now }.sorted { times[$0] > times[$1] }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let rules: [(Reason, Int, (Date) -> [Int])] = [
            (.hourly, hourly, { calendar.dateComponents([.year, .month, .day, .hour], from: $0).key }),
            (.daily, daily, { calendar.dateComponents([.year, .month, .day], from: $0).key }),
            (.weekly, weekly, { calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: $0).key }),
            (.monthly, monthly, { calendar.dateComponents([.year, .month], from: $0).key }),
            (.yearly, yearly, { calendar.dateComponents([.year], from: $0).key }),
        ]
        for (rank, index) in order.enumerated() where rank < last { reasons[index].append(.last) }
        for (reason, count, period) in rules where count > 0 {
            var left = count
            var lastPeriod: [Int]?
            for index in order where left > 0 {
                let p = period(times[index])
                if p != lastPeriod {
                    reasons[index].append(reason)
                    lastPeriod = p
                    left -= 1
                }
            }
            if left > 0, let oldest = order.last, !reasons[oldest].contains(.oldest) {
                reasons[oldest].append(.oldest)
            }
        }
        for index in times.indices where times[index] > now && reasons[index].isEmpty {
            reasons[index].append(.last)
        }
        return reasons
    }
}

extension DateComponents {
    /// The calendar fields that name a period, as one comparable key.
    fileprivate var key: [Int] {
        [year, yearForWeekOfYear, weekOfYear, month, day, hour].map { $0 ?? -1 }
    }
}
