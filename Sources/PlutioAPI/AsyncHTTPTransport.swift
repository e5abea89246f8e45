import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The real transport, on one AsyncHTTPClient for the process.
///
/// The client does not retry connection establishment itself: a refused connection, a DNS or a
/// TLS failure comes back at once as `TransportError.connection(sent: false)`, and
/// `RetryingTransport` decides (bounded by `RetryPolicy`). Left to AsyncHTTPClient's own retries,
/// each attempt against a dead server waited for the whole request deadline.
public struct AsyncHTTPTransport: HTTPTransport, StreamingTransport {
    private let timeout: TimeAmount
    private let maxBody: Int

    /// The process's client: 10 s to connect, 90 s without a byte ends a read.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(90))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// - Parameters:
    ///   - timeout: for one whole request and its answer (a download's deadline is longer).
    ///   - maxBodyBytes: the largest answer accepted in memory.
    public init(timeout: Duration = .seconds(120), maxBodyBytes: Int = 512 << 20) {
        self.timeout = .milliseconds(Int64(timeout.seconds * 1000))
        maxBody = maxBodyBytes
    }

    public func send(_ request: APIRequest) async throws -> APIResponse {
        try await perform(request, deadline: timeout) { response in
            let buffer = try await response.body.collect(upTo: maxBody)
            return APIResponse(
                status: Int(response.status.code), headers: Self.headers(response), body: Array(buffer: buffer))
        }
    }

    public func stream(
        _ request: APIRequest, deadline: Duration, into sink: (UnsafeRawBufferPointer) throws -> Void
    ) async throws -> APIResponse {
        try await perform(request, deadline: .milliseconds(Int64(deadline.seconds * 1000))) { response in
            let status = Int(response.status.code)
            let head = APIResponse(status: status, headers: Self.headers(response))
            guard APIError.check(head, for: request) == nil else {
                // An error answer is small and goes to `APIError.check` whole.
                var answer = head
                answer.body = Array(buffer: try await response.body.collect(upTo: 1 << 20))
                return answer
            }
            for try await chunk in response.body {
                do { try chunk.withUnsafeReadableBytes { try sink($0) } } catch { throw SinkFailure(error: error) }
            }
            return head
        }
    }

    /// Runs a request and reads its answer with `read`; maps the client's failures to
    /// `TransportError`, and never swallows cancellation.
    private func perform(
        _ request: APIRequest, deadline: TimeAmount, read: (HTTPClientResponse) async throws -> APIResponse
    ) async throws -> APIResponse {
        var r = HTTPClientRequest(url: request.url.absoluteString)
        r.method = HTTPMethod(rawValue: request.method.rawValue)
        for (name, value) in request.headers { r.headers.add(name: name, value: value) }
        if let body = request.body { r.body = .bytes(ByteBuffer(bytes: body)) }
        var sent = false
        do {
            let response = try await Self.client.execute(r, timeout: deadline)
            sent = true
            return try await read(response)
        } catch let failure as SinkFailure {
            throw failure.error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw TransportError.timeout
        } catch let error as HTTPClientError where error == .connectTimeout {
            throw TransportError.connection("connect timeout", sent: false)
        } catch let error as HTTPClientError where error == .cancelled {
            throw CancellationError()
        } catch let error as NIOConnectionError {
            throw TransportError.connection("cannot connect: \(Self.reason(error))", sent: false)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw TransportError.connection(Self.reason(error), sent: sent || request.body != nil)
        }
    }

    /// A sink's own failure (a full disk), which is not the network's and is rethrown as it is.
    struct SinkFailure: Error { let error: any Error }

    static func headers(_ response: HTTPClientResponse) -> [(name: String, value: String)] {
        response.headers.map { ($0.name, $0.value) }
    }

    /// A short reason for messages: the first underlying error, e.g. "connection refused".
    static func reason(_ error: any Error) -> String {
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return reason(first.error) }
            if let dns = e.dnsAAAAError ?? e.dnsAError { return "name lookup failed (\(dns))" }
            return "no address to connect to"
        }
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        return String(describing: error)
    }
}
