import Foundation

/// Calls admitted for one API client, for a sliding or fixed window.
struct RateLedger: Sendable {
    private var times: [Date] = []
    private var head = 0
    private var fixedWindowStart: Date?
    private var fixedCount = 0

    /// The outcome of asking for one call.
    struct Decision {
        var admitted: Bool
        /// Whole seconds until a call will be admitted (when refused) or the window resets.
        var retryAfter: Int
        var remaining: Int
    }

    /// Asks to admit a call at `now`; records it when admitted (or when `record` forces it).
    mutating func admit(at now: Date, rate: RateLimit, recordRefusal: Bool) -> Decision {
        switch rate.kind {
        case .sliding:
            let cutoff = now.addingTimeInterval(-rate.window)
            while head < times.count, times[head] <= cutoff { head += 1 }
            if head > 4096, head * 2 > times.count {
                times.removeFirst(head)
                head = 0
            }
            let used = times.count - head
            if used < rate.limit {
                times.append(now)
                let reset = times[head].addingTimeInterval(rate.window).timeIntervalSince(now)
                return Decision(admitted: true, retryAfter: Int(reset.rounded(.up)), remaining: rate.limit - used - 1)
            }
            let wait = times[head].addingTimeInterval(rate.window).timeIntervalSince(now)
            if recordRefusal { times.append(now) }
            return Decision(admitted: false, retryAfter: max(1, Int(wait.rounded(.up))), remaining: 0)
        case .fixed:
            let epoch = now.timeIntervalSince1970
            let start = Date(timeIntervalSince1970: (epoch / rate.window).rounded(.down) * rate.window)
            if fixedWindowStart != start {
                fixedWindowStart = start
                fixedCount = 0
            }
            let reset = start.addingTimeInterval(rate.window).timeIntervalSince(now)
            if fixedCount < rate.limit {
                fixedCount += 1
                return Decision(admitted: true, retryAfter: Int(reset.rounded(.up)), remaining: rate.limit - fixedCount)
            }
            if recordRefusal { fixedCount += 1 }
            return Decision(admitted: false, retryAfter: max(1, Int(reset.rounded(.up))), remaining: 0)
        }
    }
}
