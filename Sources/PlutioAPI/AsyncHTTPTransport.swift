import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The real transport, on AsyncHTTPClient's shared client (its pool lives for the process).
public struct AsyncHTTPTransport: HTTPTransport {
    private let timeout: TimeAmount
    private let maxBody: Int

    /// - Parameters:
    ///   - timeout: for one whole request and its answer.
    ///   - maxBodyBytes: the largest answer accepted.
    public init(timeout: Duration = .seconds(120), maxBodyBytes: Int = 512 << 20) {
        self.timeout = .milliseconds(Int64(timeout.seconds * 1000))
        maxBody = maxBodyBytes
    }

    public func send(_ request: APIRequest) async throws -> APIResponse {
        var r = HTTPClientRequest(url: request.url.absoluteString)
        r.method = HTTPMethod(rawValue: request.method.rawValue)
        for (name, value) in request.headers { r.headers.add(name: name, value: value) }
        if let body = request.body { r.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await HTTPClient.shared.execute(r, timeout: timeout)
            let buffer = try await response.body.collect(upTo: maxBody)
            return APIResponse(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer: buffer))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw TransportError.timeout
        } catch let error as HTTPClientError where error == .connectTimeout {
            throw TransportError.connection("connect timeout", sent: false)
        } catch let error as NIOConnectionError {
            throw TransportError.connection("cannot connect (\(error))", sent: false)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw TransportError.connection(String(describing: error), sent: true)
        }
    }
}
