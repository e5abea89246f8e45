import Basics
import Foundation
import JSONCore

extension FakePlutio {
    /// Form fields of an `application/x-www-form-urlencoded` body; empty for other bodies.
    func formFields(_ request: FakeRequest) -> [String: String] {
        guard isForm(request) else { return [:] }
        let pairs = FakeRequest.parseQuery(String(decoding: request.body, as: UTF8.self))
        return Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    func isForm(_ request: FakeRequest) -> Bool {
        request.headers["content-type"]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
    }

    func bearerToken(_ request: FakeRequest) -> String? {
        guard let value = request.headers["authorization"] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    static func oauthFailure(_ name: String, _ message: String) -> APIFailure {
        APIFailure(
            status: 400, message: message,
            extra: [
                .init(key: "statusCode", value: 400), .init(key: "status", value: 400),
                .init(key: "name", value: .string(name)),
            ])
    }

    /// `POST /oauth/token` (contract §2.2).
    func issueToken(_ request: FakeRequest, now: Date) throws(APIFailure) -> FakeResponse {
        guard request.method == "POST" else { throw unsupported() }
        guard isForm(request) else {
            throw Self.oauthFailure(
                "invalid_request", "Invalid request: content must be application/x-www-form-urlencoded")
        }
        let form = formFields(request)
        guard let id = form["client_id"], let secret = form["client_secret"], let client = clients[id],
            client.secret == secret
        else { throw Self.oauthFailure("invalid_client", "Invalid client: client is invalid") }
        guard form["grant_type"] == "client_credentials" else {
            throw Self.oauthFailure("unsupported_grant_type", "Unsupported grant type: grant type is invalid")
        }
        var hex: [UInt8] = []
        let digits = Array("0123456789abcdef".utf8)
        for _ in 0..<40 { hex.append(digits[Int(tokenRandom.next() % 16)]) }
        let token = String(decoding: hex, as: UTF8.self)
        let expiresAt = now.addingTimeInterval(config.tokenLifetime)
        tokens[token] = IssuedToken(clientID: id, expiresAt: expiresAt)
        let body: JSONValue = [
            "accessToken": .string(token),
            "accessTokenExpiresAt": .string(Timestamp.string(expiresAt)),
            "access_token": .string(token),
            "token_type": "Bearer",
            "expires_in": .number(config.tokenLifetime.rounded(.down)),
            "client": [
                "id": .string(client.clientID), "userId": .string(client.userID),
                "businesses": .array(client.businesses.map(JSONValue.string)), "grants": ["client_credentials"],
            ],
            "user": ["id": .string(client.userID)],
        ]
        return .json(body)
    }

    /// Checks the Bearer token (401) and the `Business` header (400); answers the workspace.
    func authorize(_ request: FakeRequest, now: Date) throws(APIFailure) -> (FakeAPIClient, String) {
        guard let token = bearerToken(request), let issued = tokens[token], let client = clients[issued.clientID] else {
            throw APIFailure(status: 401, message: "Invalid token: access token is invalid")
        }
        if issued.revoked { throw APIFailure(status: 401, message: "Invalid token: access token is invalid") }
        if issued.expiresAt <= now { throw APIFailure(status: 401, message: "Invalid token: access token has expired") }
        let business = (request.headers["business"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard !business.isEmpty else { throw .badRequest("Business undefined is not enabled for this client.") }
        guard client.businesses.contains(business), workspaces[business] != nil else {
            throw .badRequest("Business \(business) is not enabled for this client.")
        }
        return (client, business)
    }

    func unsupported() -> APIFailure {
        let status = config.unsupportedRouteStatus
        return APIFailure(status: status, message: status == 404 ? "Not found" : "Method not allowed")
    }
}
