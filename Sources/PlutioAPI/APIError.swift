import Foundation
import JSONCore

/// What went wrong talking to Plutio. Messages say what happened, to what, and what to do;
/// they never carry a secret or a token.
public enum APIError: Error, LocalizedError, Sendable, Equatable {
    /// The token route refused the client id or secret.
    case badCredentials(clientID: String)
    /// The API client is not enabled for the business.
    case businessNotEnabled(business: String, enabled: [String])
    /// A data call was refused even with a fresh token.
    case unauthorized(request: String)
    /// The route, verb or path form is not allowed (Plutio answers 403 for unknown routes).
    case forbidden(request: String)
    case notFound(request: String)
    /// The server refused the request as invalid.
    case validation(request: String, message: String)
    /// Over the rate limit; `retryAfter` when the server said.
    case rateLimited(request: String, retryAfter: Duration?)
    /// The server failed.
    case server(request: String, status: Int)
    /// No complete answer.
    case connection(request: String, reason: String)
    /// A write that is not idempotent (a create) was sent and then lost its answer (a dropped
    /// connection, a timeout, or a 5xx): it may have been applied. Never retried blindly: look
    /// for the record it may have made first (contract §4.8).
    case outcomeUnknown(request: String, reason: String)
    /// An answer that is not what the contract promises.
    case invalidResponse(request: String, reason: String)
    /// The token route does not exist at the configured base (403 or 404 on `/oauth/token`): the
    /// API URL is wrong, not the credentials.
    case noTokenRoute(url: String)
    /// Retries ran out; `last` is the final failure.
    indirect case gaveUp(request: String, attempts: Int, last: APIError)

    /// Whether trying again later may succeed.
    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .server, .connection: true
        default: false
        }
    }

    /// Whether the server refused the route itself (403, 404): a list refused this way says
    /// nothing about what the kind holds.
    public var isRefusal: Bool {
        switch underlying {
        case .forbidden, .notFound: true
        default: false
        }
    }

    /// The failure that decides what a caller should do: for `gaveUp`, its last failure.
    public var underlying: APIError {
        if case .gaveUp(_, _, let last) = self { return last.underlying }
        return self
    }

    /// Maps an answer to an error; nil for 2xx. The only place in the package that reads HTTP
    /// status codes (the API's, the token route's and the file CDN's) and `Retry-After`.
    public static func check(_ response: APIResponse, for request: APIRequest) -> APIError? {
        let what = request.summary
        switch response.status {
        case 200..<300: return nil
        case 401: return .unauthorized(request: what)
        case 403, 405: return .forbidden(request: what)
        case 404: return .notFound(request: what)
        case 429: return .rateLimited(request: what, retryAfter: retryAfter(response.header("Retry-After")))
        case 500..<600: return .server(request: what, status: response.status)
        default:
            return .validation(
                request: what, message: Self.field("message", in: response.body) ?? "HTTP \(response.status)")
        }
    }

    /// `Retry-After` as a delay: non-negative seconds (integer, or decimal from lenient servers).
    /// An HTTP-date or anything else is ignored, and the pacing layer falls back on its ledger.
    static func retryAfter(_ text: String?) -> Duration? {
        guard let text, let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds >= 0,
            seconds.isFinite
        else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// A string member of a JSON error body (`message`, or the OAuth error `name` such as
    /// `invalid_client`), if the body is a JSON object that has it.
    static func field(_ key: String, in body: [UInt8]) -> String? {
        guard let value = try? JSONValue.parse(body) else { return nil }
        return value[key]?.stringValue
    }

    public var errorDescription: String? {
        switch self {
        case .badCredentials(let id):
            "Plutio refused the API client \(id): the client id or secret is wrong. Check --client-id and --client-secret (or PLUTIO_CLIENT_ID / PLUTIO_CLIENT_SECRET) against Settings > API manager."
        case .businessNotEnabled(let business, let enabled):
            "The API client is not enabled for business \(business); it may address: \(enabled.isEmpty ? "none" : enabled.joined(separator: ", ")). Enable it under Settings > API manager or pass one of those to --business."
        case .unauthorized(let request):
            "Plutio refused a fresh access token for \(request). The API client may have been revoked; create a new one and retry."
        case .forbidden(let request):
            "Plutio does not allow \(request) (403). This build may not match the API version; report it with the command you ran."
        case .notFound(let request): "Plutio found nothing for \(request) (404)."
        case .validation(let request, let message): "Plutio rejected \(request): \(message)"
        case .rateLimited(let request, let retryAfter):
            "Plutio's rate limit was reached at \(request)\(retryAfter.map { "; retry after \(Int($0.seconds.rounded(.up))) s" } ?? ""). Run again later (an export resumes), or lower --rate."
        case .server(let request, let status):
            "Plutio failed at \(request) (HTTP \(status)). Retry later; the run resumes where it stopped."
        case .connection(let request, let reason):
            "No answer from \(request) (\(reason)). Check the network and --api-url, then retry; the run resumes where it stopped."
        case .outcomeUnknown(let request, let reason):
            "\(request) may have been applied: its answer was lost (\(reason)). It is not sent again until a lookup shows whether it was."
        case .noTokenRoute(let url):
            "\(url) is not a token route (the server answered it as an unknown route), so --api-url looks wrong: it must be the API base with its version, e.g. https://api.plutio.com/v1.11. The client id and secret were not checked."
        case .invalidResponse(let request, let reason):
            "Plutio answered \(request) with something unexpected (\(reason)). Retry; if it persists, report it."
        case .gaveUp(let request, let attempts, let last):
            "Gave up on \(request) after \(attempts) attempts. Last: \(last.localizedDescription)"
        }
    }
}
