/// When to try a failed call again: exponential backoff with jitter, bounded in attempts and in
/// total waiting. A pure function of its inputs.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Delay before the second attempt.
    public var baseDelay: Duration
    /// No single delay is longer.
    public var maxDelay: Duration
    /// Total waiting across one call's retries.
    public var maxTotalWait: Duration

    public init(
        maxAttempts: Int = 8, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(60),
        maxTotalWait: Duration = .seconds(600)
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxTotalWait = maxTotalWait
    }

    /// The delay before the next attempt, or nil to give up.
    ///
    /// - Parameters:
    ///   - attempt: attempts made so far (1 after the first failure).
    ///   - waited: total delay already spent on this call.
    ///   - retryAfter: the server's `Retry-After`, which wins over backoff (still bounded by `maxDelay`
    ///     only when longer than `maxTotalWait` allows).
    ///   - jitter: a number in [0, 1); the delay is scaled into [50%, 100%] of the backoff.
    public func delay(after attempt: Int, waited: Duration, retryAfter: Duration? = nil, jitter: Double) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let delay: Duration
        if let retryAfter {
            delay = retryAfter
        } else {
            let exponent = min(attempt - 1, 30)
            let backoff = min(baseDelay * (1 << exponent), maxDelay)
            delay = backoff * (0.5 + 0.5 * max(0, min(jitter, 1)))
        }
        guard waited + delay <= maxTotalWait else { return nil }
        return delay
    }

    /// The default policy.
    public static let standard = RetryPolicy()
}
