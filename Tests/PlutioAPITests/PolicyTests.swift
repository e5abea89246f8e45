import Foundation
import StateStore
import Testing

@testable import PlutioAPI

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 5, baseDelay: .seconds(1), maxDelay: .seconds(8), maxTotalWait: .seconds(20))

    @Test(arguments: [
        (1, 0.0, nil, Duration?.some(.milliseconds(500))),
        (1, 0.999_999, nil, .some(.milliseconds(999))),
        (2, 1.0, nil, .some(.seconds(2))),
        (3, 1.0, nil, .some(.seconds(4))),
        (4, 1.0, nil, .some(.seconds(8))),
        (5, 1.0, nil, nil),
        (2, 0.5, Duration?.some(.seconds(7)), .some(.seconds(7))),
    ])
    func backsOffExponentiallyWithJitter(attempt: Int, jitter: Double, retryAfter: Duration?, expected: Duration?) {
        let delay = policy.delay(after: attempt, waited: .zero, retryAfter: retryAfter, jitter: jitter)
        if let expected, let delay {
            #expect(abs((delay - expected).seconds) < 0.002, "\(delay) vs \(expected)")
        } else {
            #expect(delay == expected)
        }
    }

    @Test func boundsTheTotalWait() {
        #expect(policy.delay(after: 3, waited: .seconds(16), jitter: 1) == .seconds(4))
        #expect(policy.delay(after: 3, waited: .seconds(17), jitter: 1) == nil)
        #expect(policy.delay(after: 2, waited: .seconds(17), retryAfter: .seconds(3), jitter: 0) == .seconds(3))
        #expect(policy.delay(after: 2, waited: .seconds(18), retryAfter: .seconds(3), jitter: 0) == nil)
    }

    /// What `export` against a dead server waits, whatever the machine: eight attempts, about a
    /// minute at most (the e2e test checks the attempts; the waits are checked here).
    @Test(arguments: [0.0, 1.0])
    func theStandardPolicyGivesUpAfterEightAttemptsWithinAboutAMinute(jitter: Double) {
        var waited = Duration.zero
        var attempt = 1
        while let delay = RetryPolicy.standard.delay(after: attempt, waited: waited, jitter: jitter) {
            waited += delay
            attempt += 1
        }
        #expect(attempt == 8)
        #expect(waited >= .seconds(31) && waited <= .seconds(64), "\(waited)")
    }
}

@Suite struct RateBudgetTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    @Test(arguments: [
        ("1000/1h", 1000, 3600.0), ("60/6s", 60, 6), ("5/2m", 5, 120), ("100/90", 100, 90), ("10/250ms", 10, 0.25),
    ])
    func parses(text: String, limit: Int, seconds: Double) throws {
        let budget = try #require(RateBudget(parsing: text))
        #expect(budget.limit == limit)
        #expect(budget.window.seconds == seconds)
        // Printed as a command line writes it, and read back the same.
        #expect(RateBudget(parsing: budget.description).map { [$0.limit] } == [limit])
        #expect(RateBudget(parsing: budget.description)?.window.seconds == seconds)
    }

    @Test(arguments: [
        ("1000/1h", "1000/1h"), ("60/6s", "60/6s"), ("5/2m", "5/2m"), ("100/90", "100/90s"), ("10/250ms", "10/0.25s"),
        ("7/1d", "7/1d"),
    ])
    func printsAsACommandLineWritesIt(text: String, printed: String) {
        #expect(RateBudget(parsing: text)?.description == printed)
    }

    @Test(arguments: [
        "", "1000", "x/1h", "0/1h", "10/", "10/-3s", "10/1y", "1000/inf", "1000/infh", "1000/nan",
        "1000/99999999999999999d",
    ])
    func refusesNonsense(text: String) { #expect(RateBudget(parsing: text) == nil) }

    @Test func proceedsWhileTheWindowHasRoom() {
        let budget = RateBudget(limit: 3, window: .seconds(10))
        let times = [t0, t0.addingTimeInterval(1)]
        #expect(budget.decide(times: times, blockedUntil: nil, now: t0.addingTimeInterval(2)) == .proceed)
    }

    @Test func waitsForTheOldestCallThatMattersToLeave() {
        let budget = RateBudget(limit: 3, window: .seconds(10))
        let times = [t0, t0.addingTimeInterval(1), t0.addingTimeInterval(2), t0.addingTimeInterval(3)]
        #expect(
            budget.decide(times: times, blockedUntil: nil, now: t0.addingTimeInterval(5))
                == .wait(until: t0.addingTimeInterval(11)))
        #expect(budget.decide(times: times, blockedUntil: nil, now: t0.addingTimeInterval(11.5)) == .proceed)
    }

    @Test func aBlockWinsUntilItEnds() {
        let budget = RateBudget(limit: 3, window: .seconds(10))
        let block = t0.addingTimeInterval(30)
        #expect(budget.decide(times: [], blockedUntil: block, now: t0) == .wait(until: block))
        #expect(budget.decide(times: [], blockedUntil: block, now: block.addingTimeInterval(0.1)) == .proceed)
    }
}

@Suite struct ConnectionSettingsTests {
    let env = [
        "PLUTIO_API_URL": "http://127.0.0.1:9/v1.11", "PLUTIO_BUSINESS": "Env", "PLUTIO_CLIENT_ID": "env-id",
        "PLUTIO_CLIENT_SECRET": "env-secret", "PLUTIO_RATE": "60/6s",
    ]

    @Test func flagsWinOverTheEnvironment() throws {
        let flags = ConnectionSettings.Flags(
            apiURL: "https://x.example/v1.11/", business: "Acme", clientID: "f", clientSecret: "s", rate: "10/1m")
        let s = try ConnectionSettings.resolve(flags, environment: env)
        #expect(s.apiURL.absoluteString == "https://x.example/v1.11")
        #expect(s.business == "acme")
        #expect(s.clientID == "f" && s.clientSecret == "s")
        #expect(s.rate == RateBudget(limit: 10, window: .seconds(60)))
    }

    @Test func theEnvironmentFillsWhatFlagsLeaveOut() throws {
        let s = try ConnectionSettings.resolve(.init(), environment: env)
        #expect(s.apiURL.absoluteString == "http://127.0.0.1:9/v1.11")
        #expect(s.business == "env" && s.clientID == "env-id" && s.rate.limit == 60)
    }

    @Test func defaultsAreThePublicAPIAndItsLimit() throws {
        let s = try ConnectionSettings.resolve(.init(business: "a", clientID: "b", clientSecret: "c"), environment: [:])
        #expect(s.apiURL.absoluteString == "https://api.plutio.com/v1.11")
        #expect(s.rate == .plutio)
    }

    @Test(arguments: [
        (ConnectionSettings.Flags(clientID: "b", clientSecret: "c"), "--business"),
        (ConnectionSettings.Flags(business: "a", clientSecret: "c"), "--client-id"),
        (ConnectionSettings.Flags(business: "a", clientID: "b"), "--client-secret"),
        (ConnectionSettings.Flags(apiURL: "ftp://x", business: "a", clientID: "b", clientSecret: "c"), "--api-url"),
        (ConnectionSettings.Flags(business: "a", clientID: "b", clientSecret: "c", rate: "fast"), "--rate"),
    ])
    func explainsWhatIsMissingOrWrong(flags: ConnectionSettings.Flags, mentions: String) {
        do {
            _ = try ConnectionSettings.resolve(flags, environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.localizedDescription.contains(mentions))
        }
    }

    @Test func neverShowsTheSecret() throws {
        let s = try ConnectionSettings.resolve(
            .init(business: "a", clientID: "b", clientSecret: "hunter2"), environment: [:])
        #expect(!s.description.contains("hunter2"))
        #expect(!"\(s)".contains("hunter2"))
    }
}

@Suite struct APIErrorTests {
    let request = APIRequest(method: .get, url: URL(string: "https://api.plutio.com/v1.11/tasks?q=secret")!)

    @Test(arguments: [
        (200, false, ""), (401, false, "unauthorized"), (403, false, "forbidden"), (404, false, "notFound"),
        (400, false, "validation"), (429, true, "rateLimited"), (500, true, "server"), (503, true, "server"),
    ])
    func mapsStatusesInOnePlace(status: Int, retryable: Bool, name: String) {
        let error = APIError.check(
            APIResponse(status: status, body: Array(#"{"code":1,"message":"m"}"#.utf8)), for: request)
        if name.isEmpty {
            #expect(error == nil)
        } else {
            let e = try! #require(error)
            #expect(e.isRetryable == retryable)
            #expect(String(describing: e).hasPrefix(name))
            #expect(!(e.errorDescription ?? "").contains("secret"))
        }
    }

    @Test func survivesNonJSONErrorBodiesAndReadsRetryAfter() {
        let html = APIError.check(APIResponse(status: 400, body: Array("<html>oops</html>".utf8)), for: request)
        #expect(html == .validation(request: "GET https://api.plutio.com/v1.11/tasks", message: "HTTP 400"))
        let limited = APIError.check(APIResponse(status: 429, headers: [("retry-after", "12")]), for: request)
        #expect(limited == .rateLimited(request: "GET https://api.plutio.com/v1.11/tasks", retryAfter: .seconds(12)))
    }

    @Test(arguments: [
        ("12", Duration.seconds(12)), ("0", .zero), ("1.5", .milliseconds(1500)), (" 3 ", .seconds(3)),
        ("-1", nil), ("Wed, 21 Oct 2026 07:28:00 GMT", nil), ("", nil),
    ])
    func readsRetryAfterOnce(header: String, delay: Duration?) {
        let answer = APIError.check(APIResponse(status: 429, headers: [("Retry-After", header)]), for: request)
        #expect(answer == .rateLimited(request: request.summary, retryAfter: delay))
    }

    @Test func namesTheServerButNeitherQueryNorUserInfo() {
        let r = APIRequest(method: .get, url: URL(string: "https://user:pw@example.com:8443/v1.11/tasks?q=secret")!)
        #expect(r.summary == "GET https://example.com:8443/v1.11/tasks")
    }

    @Test func exitDecisionsReadTheLastFailureOfARetriedCall() {
        let limited = APIError.rateLimited(request: "GET x", retryAfter: nil)
        let gaveUp = APIError.gaveUp(request: "GET x", attempts: 51, last: limited)
        #expect(gaveUp.underlying == limited)
        #expect(gaveUp.localizedDescription.contains("rate limit"))
    }
}

@Suite struct RawJSONTests {
    @Test func splitsAnArrayIntoTheExactBytesOfEachRecord() throws {
        let body = #" [ {"_id":"A","x":[1,{"y":"]"}],"s":"a\"b"} ,{"n":1.50,"_id":"B"}] "#
        let records = try RawJSON.records(in: Array(body.utf8))
        #expect(records.map(\.id) == ["A", "B"])
        #expect(String(decoding: records[0].bytes, as: UTF8.self) == #"{"_id":"A","x":[1,{"y":"]"}],"s":"a\"b"}"#)
        #expect(String(decoding: records[1].bytes, as: UTF8.self) == #"{"n":1.50,"_id":"B"}"#)
        #expect(try RawJSON.records(in: Array("[]".utf8)).isEmpty)
    }

    @Test(arguments: [
        #"{"a":1}"#, #"[{"a":1}]"#, #"[{"_id":5}]"#, #"[1]"#, #"[{"_id":"A"}"#, #"[{"_id":"A"}] x"#,
        #"[{"_id":"A","n":01}]"#, #"[{"_id":"A"},{"_id":"B","s":"\x"}]"#, "[{\"_id\":\"A\",\"s\":\"\u{1}\"}]",
    ])
    func refusesWhatIsNotAListOfValidRecords(body: String) {
        #expect(throws: RawJSON.Malformed.self) { try RawJSON.records(in: Array(body.utf8)) }
    }

    @Test func saysWhereAMalformedRecordIs() {
        #expect(throws: RawJSON.Malformed(offset: 30, reason: "expected fraction digits")) {
            try RawJSON.records(in: Array(#"[{"_id":"A"},{"_id":"B","n":1.}]"#.utf8))
        }
        #expect(throws: RawJSON.Malformed(offset: 13, reason: "a record has no string _id")) {
            try RawJSON.records(in: Array(#"[{"_id":"A"},{"id":"B"}]"#.utf8))
        }
    }

    @Test func readsOnlyTopLevelKeys() throws {
        let object = Array(#"{"nested":{"_id":"inner"},"_id":"outer"}"#.utf8)
        #expect(try RawJSON.topLevelString("_id", in: object) == "outer")
        #expect(try RawJSON.topLevelString("missing", in: object) == nil)
        #expect(try RawJSON.topLevelString("_id", in: Array(#"{"\u005fid":"caf\u00e9"}"#.utf8)) == "café")
        #expect(throws: RawJSON.Malformed.self) { try RawJSON.topLevelString("_id", in: Array(#"{"_id":"A""#.utf8)) }
    }
}

/// The server's clock as `Date` headers tell it, until a record it stamped tells better.
@Suite struct ServerClockTests {
    @Test(arguments: [
        ("Wed, 02 Dec 2026 12:31:53 GMT", 1_796_214_713.0), ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ])
    func readsAnHTTPDate(text: String, seconds: Double) {
        #expect(ServerClock.httpDate(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["Wed, 02 Dec 2026 12:31:53 PST", "2026-12-02T12:31:53Z", "", "Wed, 32 Foo 2026 12:31 GMT"])
    func refusesAnythingElse(text: String) {
        #expect(ServerClock.httpDate(text) == nil)
    }
}
