import Basics
import Foundation
import JSONCore

/// Fetches, caches and renews the access token, and sets `Authorization` and `Business`.
///
/// A token is reused until `renewalMargin` before it expires (or a 401 asks for a new one).
/// Concurrent callers share one token request. The secret is sent only in the token request's
/// form body and never appears in errors or logs.
public actor TokenProvider: RequestAuthorizer {
    let settings: ConnectionSettings
    let transport: any HTTPTransport
    let clock: any PacingClock
    let renewalMargin: TimeInterval
    /// Measured from each token's issue time, when the answer tells it.
    let serverClock: ServerClock?
    private var token: (value: String, expiresAt: Date, lifetime: TimeInterval)?
    private var pending: Task<(String, Date, TimeInterval), any Error>?
    /// Businesses the client may address, from the last token answer.
    public private(set) var enabledBusinesses: [String] = []
    /// Token requests made so far.
    public private(set) var tokenRequests = 0

    /// - Parameter transport: paced and retrying, without authorization.
    public init(
        settings: ConnectionSettings, transport: any HTTPTransport, clock: any PacingClock,
        renewalMargin: TimeInterval = 60, serverClock: ServerClock? = nil
    ) {
        self.serverClock = serverClock
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.renewalMargin = renewalMargin
    }

    public func authorize(_ request: inout APIRequest, renew: Bool) async throws {
        if renew { token = nil }
        let value = try await currentToken()
        request.setHeader("Authorization", "Bearer \(value)")
        request.setHeader("Business", settings.business)
    }

    public func renew() async throws { token = nil }

    func currentToken() async throws -> String {
        if let token, token.expiresAt.timeIntervalSince(clock.now()) > min(renewalMargin, token.lifetime / 10) {
            return token.value
        }
        if let pending { return try await pending.value.0 }
        let task = Task { try await self.requestToken() }
        pending = task
        defer { pending = nil }
        let (value, expiresAt, lifetime) = try await task.value
        token = (value, expiresAt, lifetime)
        return value
    }

    private func requestToken() async throws -> (String, Date, TimeInterval) {
        tokenRequests += 1
        let form =
            "client_id=\(percentEncoded(settings.clientID))&client_secret=\(percentEncoded(settings.clientSecret))&grant_type=client_credentials"
        var request = APIRequest(
            method: .post, url: settings.apiURL.appendingPathComponent("oauth/token"), body: Array(form.utf8),
            isIdempotent: true)
        request.setHeader("Content-Type", "application/x-www-form-urlencoded")
        let asked = clock.now()
        let response = try await transport.send(request)
        switch APIError.check(response, for: request) {
        case nil: break
        // The token route answers a wrong id or secret with 400 `invalid_client` (contract §2.2);
        // an OAuth server may use 401 for it, with the same error name.
        case .validation?: throw APIError.badCredentials(clientID: settings.clientID)
        case .unauthorized? where APIError.field("name", in: response.body) == "invalid_client":
            throw APIError.badCredentials(clientID: settings.clientID)
        // Unknown routes answer 403 or 404, and a data route without a Bearer token 401: no token
        // route at this address means a wrong base URL (e.g. a missing or old version prefix).
        case .unauthorized?, .forbidden?, .notFound?: throw APIError.noTokenRoute(url: request.summary)
        case let error?: throw error
        }
        guard let body = try? JSONValue.parse(response.body),
            let value = body["accessToken"]?.stringValue ?? body["access_token"]?.stringValue
        else { throw APIError.invalidResponse(request: request.summary, reason: "no access token in the answer") }
        let expiresAt: Date
        if let text = body["accessTokenExpiresAt"]?.stringValue, let date = Timestamp.date(text),
            let seconds = body["expires_in"]?.numberValue, seconds >= 1
        {
            // The server's clock at issue, measured; the expiry counted on ours. (`expires_in` is
            // whole seconds: a lifetime under one second reads as 0, and the stamp is used.)
            serverClock?.note(stamp: date.addingTimeInterval(-seconds), at: Date())
            expiresAt = asked.addingTimeInterval(seconds)
        } else if let text = body["accessTokenExpiresAt"]?.stringValue, let date = Timestamp.date(text) {
            expiresAt = date
        } else if let seconds = body["expires_in"]?.numberValue {
            expiresAt = asked.addingTimeInterval(seconds)
        } else {
            expiresAt = asked.addingTimeInterval(3600)
        }
        let businesses = (body["client"]?["businesses"]?.arrayValue ?? []).compactMap(\.stringValue)
        enabledBusinesses = businesses
        if !businesses.isEmpty, !businesses.contains(where: { $0.lowercased() == settings.business.lowercased() }) {
            throw APIError.businessNotEnabled(business: settings.business, enabled: businesses)
        }
        return (value, expiresAt, max(0, expiresAt.timeIntervalSince(asked)))
    }
}
