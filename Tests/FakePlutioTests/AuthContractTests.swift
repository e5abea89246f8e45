import Basics
import FakePlutio
import Foundation
import JSONCore
import Testing

/// Contract §2.2–§2.3: the token route, Bearer tokens and the Business header.
@Suite(.timeLimit(.minutes(10))) struct AuthContractTests {
    @Test func issuesATokenInBothFieldStyles() async throws {
        let clock = ManualFakeClock()
        let h = try await Harness.start(records: 0, clock: clock) { $0.tokenLifetime = 90 }
        try await h.stopAfter {
            let answer = try await h.tokenAnswer("acme-client", "acme-secret")
            #expect(answer.status == 200)
            let json = try #require(answer.json)
            let token = try #require(json["accessToken"]?.stringValue)
            #expect(json["access_token"]?.stringValue == token)
            #expect(json["token_type"] == "Bearer")
            #expect(json["expires_in"] == 90)
            #expect(json["accessTokenExpiresAt"]?.stringValue == Timestamp.string(clock.now().addingTimeInterval(90)))
            #expect(json["client"]?["businesses"] == ["acme"])
            #expect(json["user"]?["id"] == json["client"]?["userId"])
        }
    }

    @Test(arguments: [
        ("json", "acme-client", "acme-secret", "client_credentials", "invalid_request"),
        ("form", "acme-client", "wrong", "client_credentials", "invalid_client"),
        ("form", "nobody", "acme-secret", "client_credentials", "invalid_client"),
        ("form", "acme-client", "acme-secret", "password", "unsupported_grant_type"),
    ])
    func refusesBadTokenRequests(encoding: String, id: String, secret: String, grant: String, name: String) async throws
    {
        let h = try await Harness.start(records: 0)
        try await h.stopAfter {
            let answer: Harness.Answer
            if encoding == "json" {
                answer = try await h.send(
                    .POST, "/oauth/token",
                    body: #"{"client_id":"\#(id)","client_secret":"\#(secret)","grant_type":"\#(grant)"}"#,
                    token: nil, business: nil)
            } else {
                answer = try await h.tokenAnswer(id, secret, grant: grant)
            }
            #expect(answer.status == 400)
            #expect(answer.json?["name"]?.stringValue == name)
            #expect(answer.json?["code"] == 400)
            #expect(answer.json?["statusCode"] == 400)
            #expect(answer.message?.isEmpty == false)
        }
    }

    @Test func refusesMissingInvalidExpiredAndRevokedTokens() async throws {
        let clock = ManualFakeClock()
        let h = try await Harness.start(records: 50, clock: clock) { $0.tokenLifetime = 60 }
        try await h.stopAfter {
            #expect(try await h.get("/tasks", token: nil).status == 401)
            let bad = try await h.get("/tasks", token: "not-a-token")
            #expect(bad.status == 401)
            #expect(bad.message == "Invalid token: access token is invalid")
            let token = try await h.token()
            #expect(try await h.get("/tasks", token: token).status == 200)
            clock.advance(by: 61)
            let expired = try await h.get("/tasks", token: token)
            #expect(expired.status == 401)
            #expect(expired.message == "Invalid token: access token has expired")
            let fresh = try await h.token()
            #expect(try await h.get("/tasks", token: fresh).status == 200)
            await h.fake.revokeTokens(clientID: "acme-client")
            #expect(try await h.get("/tasks", token: fresh).status == 401)
        }
    }

    @Test func checksTheBusinessHeader() async throws {
        let h = try await Harness.start(records: 50)
        try await h.stopAfter {
            let token = try await h.token()
            let missing = try await h.get("/tasks", token: token, business: nil)
            #expect(missing.status == 400)
            #expect(missing.message == "Business undefined is not enabled for this client.")
            let empty = try await h.get("/tasks", token: token, business: "")
            #expect(empty.message == "Business undefined is not enabled for this client.")
            let other = try await h.get("/tasks", token: token, business: "globex")
            #expect(other.status == 400)
            #expect(other.message == "Business globex is not enabled for this client.")
            let lower = try await h.send(.GET, "/tasks", token: token, business: nil, headers: [("business", "ACME")])
            #expect(lower.status == 200)
        }
    }

    @Test func oneClientMayAddressSeveralBusinesses() async throws {
        let shared = [
            AccountSpec(subdomain: "acme", clientID: "agency", secret: "s"),
            AccountSpec(subdomain: "globex", clientID: "agency", secret: "s"),
        ]
        let h = try await Harness.start(accounts: shared, records: 60)
        try await h.stopAfter {
            let token = try await h.token(shared[0])
            let acme = try await h.get("/businesses", token: token, business: "acme")
            let globex = try await h.get("/businesses", token: token, business: "globex")
            #expect(acme.status == 200 && globex.status == 200)
            #expect(acme.ids != globex.ids)
            #expect(await h.fake.callCount(clientID: "agency") == 3)
        }
    }
}
