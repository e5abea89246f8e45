import FakePlutio
import Foundation
import JSONCore
import Testing

/// Contract §2.5: the per-client rate limit and its variants.
@Suite(.timeLimit(.minutes(10))) struct RateLimitContractTests {
    @Test func slidingWindowAdmitsWhenTheOldestCallLeaves() async throws {
        let clock = ManualFakeClock()
        let h = try await Harness.start(records: 50, clock: clock) { $0.rate = RateLimit(limit: 5, window: 60) }
        try await h.stopAfter {
            let token = try await h.token()
            clock.advance(by: 10)
            for _ in 0..<4 { #expect(try await h.get("/tasks", token: token).status == 200) }
            let refused = try await h.get("/tasks", token: token)
            #expect(refused.status == 429)
            #expect(refused.json == ["code": 429, "message": "Too many requests"])
            #expect(refused.headers.first(name: "Retry-After") == "50")
            clock.advance(by: 50)
            #expect(try await h.get("/tasks", token: token).status == 200)
            #expect(try await h.get("/tasks", token: token).status == 429)
            #expect(await h.fake.callCount(clientID: "acme-client") == 6)
        }
    }

    @Test func fixedWindowResetsAtTheBoundary() async throws {
        let clock = ManualFakeClock(Date(timeIntervalSince1970: 1_800_000_000))
        let h = try await Harness.start(records: 0, clock: clock) {
            $0.rate = RateLimit(limit: 3, window: 60, kind: .fixed)
        }
        try await h.stopAfter {
            let token = try await h.token()
            clock.advance(by: 50)
            #expect(try await h.get("/tasks", token: token).status == 200)
            #expect(try await h.get("/tasks", token: token).status == 200)
            let refused = try await h.get("/tasks", token: token)
            #expect(refused.status == 429)
            #expect(refused.headers.first(name: "Retry-After") == "10")
            clock.advance(by: 10)
            #expect(try await h.get("/tasks", token: token).status == 200)
        }
    }

    @Test(arguments: [false, true])
    func retryAfterAndCountingOfRefusedCallsAreConfigurable(variant: Bool) async throws {
        let clock = ManualFakeClock()
        let h = try await Harness.start(records: 0, clock: clock) {
            $0.rate = RateLimit(limit: 2, window: 60)
            $0.rate.sendsRetryAfter = !variant
            $0.rate.countsRejectedCalls = variant
            $0.sendsRateLimitHeaders = variant
        }
        try await h.stopAfter {
            let token = try await h.token()
            let ok = try await h.get("/tasks", token: token)
            #expect((ok.headers.first(name: "X-RateLimit-Remaining") == "0") == variant)
            let refused = try await h.get("/tasks", token: token)
            #expect(refused.status == 429)
            #expect((refused.headers.first(name: "Retry-After") != nil) == !variant)
            #expect(await h.fake.callCount(clientID: "acme-client") == (variant ? 3 : 2))
        }
    }

    @Test func errorsAndTokenCallsCountAndClientsAreSeparate() async throws {
        let h = try await Harness.start(records: 0) { $0.rate = RateLimit(limit: 4, window: 3600) }
        try await h.stopAfter {
            let acme = try await h.token()
            #expect(try await h.get("/nope", token: acme).status == 403)
            #expect(try await h.get("/tasks", token: acme, business: "globex").status == 400)
            #expect(try await h.get("/tasks", token: acme).status == 200)
            #expect(try await h.get("/tasks", token: acme).status == 429)
            let globex = try await h.token(Harness.globex)
            #expect(try await h.get("/tasks", token: globex, business: "globex").status == 200)
            let log = await h.fake.requestLog()
            #expect(log.filter { $0.clientID == "acme-client" && $0.counted }.count == 4)
            #expect(log.last?.clientID == "globex-client")
        }
    }

    @Test func businessesOfOneClientShareItsLimit() async throws {
        let shared = [
            AccountSpec(subdomain: "acme", clientID: "agency", secret: "s"),
            AccountSpec(subdomain: "globex", clientID: "agency", secret: "s"),
        ]
        let h = try await Harness.start(accounts: shared, records: 0) { $0.rate = RateLimit(limit: 3, window: 3600) }
        try await h.stopAfter {
            let token = try await h.token(shared[0])
            #expect(try await h.get("/tasks", token: token, business: "acme").status == 200)
            #expect(try await h.get("/tasks", token: token, business: "globex").status == 200)
            #expect(try await h.get("/tasks", token: token, business: "acme").status == 429)
        }
    }
}
