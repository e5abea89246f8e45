import Foundation

/// Retries what may succeed later (5xx, 429, lost connections) with `RetryPolicy`, and renews the
/// token on 401 (up to `maxRenewals` times per call).
///
/// A request that is not idempotent (POST) is retried only when it surely did not take effect:
/// a connection that failed before sending, or a 429. When it was sent and its answer is lost
/// (timeout, dropped connection, 5xx) it ends in `APIError.outcomeUnknown`, which is not
/// retryable. Everything else surfaces as `APIError`.
public struct RetryingTransport: HTTPTransport {
    let inner: any HTTPTransport
    let policy: RetryPolicy
    let clock: any PacingClock
    let authorizer: (any RequestAuthorizer)?
    let jitter: @Sendable () -> Double

    public init(
        inner: any HTTPTransport, policy: RetryPolicy, clock: any PacingClock, authorizer: (any RequestAuthorizer)?,
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.inner = inner
        self.policy = policy
        self.clock = clock
        self.authorizer = authorizer
        self.jitter = jitter
    }

    /// Fresh tokens tried for one call before a 401 stands.
    static let maxRenewals = 3

    /// 429 answers tolerated for one call before giving up.
    static let maxRateLimited = 50

    public func send(_ original: APIRequest) async throws -> APIResponse {
        var attempt = 0
        var waited = Duration.zero
        var renewals = 0
        var rateLimited = 0
        while true {
            attempt += 1
            var request = original
            if let authorizer { try await authorizer.authorize(&request, renew: false) }
            let failure: APIError
            do {
                let response = try await inner.send(request)
                guard let error = APIError.check(response, for: request) else { return response }
                // A token may expire again on its way when tokens live seconds (contract §10):
                // renew a few times; a server that refuses every fresh token is refusing the client.
                if case .unauthorized = error, let authorizer, renewals < Self.maxRenewals {
                    renewals += 1
                    try await authorizer.renew()
                    attempt -= 1
                    continue
                }
                guard error.isRetryable else { return response }
                if case .server(_, let status) = error, !request.isIdempotent {
                    throw APIError.outcomeUnknown(request: request.summary, reason: "HTTP \(status) after it was sent")
                }
                failure = error
            } catch let error as TransportError {
                switch error {
                case .timeout where !request.isIdempotent, .connection(_, sent: true) where !request.isIdempotent:
                    throw APIError.outcomeUnknown(request: request.summary, reason: "\(error)")
                case .timeout: failure = .connection(request: request.summary, reason: "timeout")
                case .connection(let reason, _): failure = .connection(request: request.summary, reason: reason)
                }
            }
            if case .rateLimited = failure {
                // The pacing layer below has blocked the ledger until a call may pass; 429s do not
                // use up attempts, but a server that never admits one ends the call.
                rateLimited += 1
                attempt -= 1
                if rateLimited > Self.maxRateLimited {
                    throw APIError.gaveUp(request: original.summary, attempts: rateLimited, last: failure)
                }
                continue
            }
            guard let delay = policy.delay(after: attempt, waited: waited, jitter: jitter()) else {
                throw APIError.gaveUp(request: original.summary, attempts: attempt, last: failure)
            }
            waited += delay
            if delay > .zero { try await clock.sleep(for: delay) }
        }
    }
}

/// Puts credentials on requests.
public protocol RequestAuthorizer: Sendable {
    /// Sets `Authorization` and `Business` on a request.
    func authorize(_ request: inout APIRequest, renew: Bool) async throws
    /// Drops the cached token so the next request gets a fresh one.
    func renew() async throws
}
