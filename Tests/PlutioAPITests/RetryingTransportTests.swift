import Foundation
import Synchronization
import Testing

@testable import PlutioAPI

/// Answers or transport failures from a script, counting the calls.
final class FailingTransport: HTTPTransport {
    let script: Mutex<[Result<APIResponse, TransportError>]>
    let calls = Mutex(0)

    init(_ script: [Result<APIResponse, TransportError>]) { self.script = Mutex(script) }

    func send(_ request: APIRequest) async throws -> APIResponse {
        calls.withLock { $0 += 1 }
        let next = script.withLock { $0.isEmpty ? .success(APIResponse(status: 200)) : $0.removeFirst() }
        return try next.get()
    }
}

/// Counts renewals; puts nothing on requests.
final class CountingAuthorizer: RequestAuthorizer {
    let renewals = Mutex(0)
    func authorize(_ request: inout APIRequest, renew: Bool) async throws {}
    func renew() async throws { renewals.withLock { $0 += 1 } }
}

/// Which writes are retried: a create only when it surely did not take effect (contract §4.8).
@Suite struct RetryingTransportTests {
    static func send(
        _ method: HTTPVerb, _ script: [Result<APIResponse, TransportError>]
    ) async -> (Result<Int, APIError>, Int) {
        let inner = FailingTransport(script)
        let transport = RetryingTransport(
            inner: inner,
            policy: RetryPolicy(
                maxAttempts: 5, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2), maxTotalWait: .seconds(1)),
            clock: VirtualClock(), authorizer: nil, jitter: { 0 })
        let request = APIRequest(
            method: method, url: URL(string: "http://127.0.0.1/v1.11/tasks")!, body: Array("{}".utf8))
        do {
            let response = try await transport.send(request)
            return (.success(response.status), inner.calls.withLock { $0 })
        } catch let error as APIError {
            return (.failure(error), inner.calls.withLock { $0 })
        } catch {
            Issue.record("unexpected \(error)")
            return (.failure(.invalidResponse(request: "", reason: "")), 0)
        }
    }

    @Test(arguments: [
        Result<APIResponse, TransportError>.success(APIResponse(status: 500)), .failure(.timeout),
        .failure(.connection("reset", sent: true)),
    ])
    func aCreateWhoseAnswerIsLostIsOutcomeUnknownAndSentOnce(first: Result<APIResponse, TransportError>) async {
        let (result, calls) = await Self.send(.post, [first])
        #expect(calls == 1)
        guard case .failure(let error) = result, case .outcomeUnknown = error else {
            Issue.record("expected outcomeUnknown, got \(result)")
            return
        }
        #expect(!error.isRetryable)
        #expect(error.localizedDescription.contains("may have been applied"))
    }

    @Test(arguments: [
        Result<APIResponse, TransportError>.success(APIResponse(status: 429)),
        .failure(.connection("refused", sent: false)),
    ])
    func aCreateThatSurelyDidNotArriveIsRetried(first: Result<APIResponse, TransportError>) async {
        let (result, calls) = await Self.send(.post, [first])
        #expect(result == .success(200))
        #expect(calls == 2)
    }

    @Test(arguments: [HTTPVerb.put, .delete])
    func idempotentWritesAreRetriedAfterA500OrALostAnswer(method: HTTPVerb) async {
        let (result, calls) = await Self.send(method, [.success(APIResponse(status: 500)), .failure(.timeout)])
        #expect(result == .success(200))
        #expect(calls == 3)
    }

    /// Tokens that live seconds may expire again on their way: a few fresh ones are tried, then
    /// the 401 stands.
    @Test(arguments: [(3, true), (4, false)])
    func a401RenewsTheTokenAFewTimes(unauthorized: Int, succeeds: Bool) async throws {
        let inner = FailingTransport(Array(repeating: .success(APIResponse(status: 401)), count: unauthorized))
        let authorizer = CountingAuthorizer()
        let transport = RetryingTransport(
            inner: inner, policy: .standard, clock: VirtualClock(), authorizer: authorizer, jitter: { 0 })
        let request = APIRequest(method: .get, url: URL(string: "http://127.0.0.1/v1.11/tasks")!)
        let response = try await transport.send(request)
        #expect((response.status == 200) == succeeds)
        #expect(authorizer.renewals.withLock { $0 } == 3)
        #expect(inner.calls.withLock { $0 } == 4)
    }
}
