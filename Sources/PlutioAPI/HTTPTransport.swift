// PlutioAPI: the Plutio REST client.
//
// One `HTTPTransport` protocol with a real implementation; pacing (`PacedTransport`) and retry
// (`RetryingTransport`) wrap it as decorators. `PlutioClient` adds the token, the Business header
// and paging. Records leave as raw bytes, never re-serialised.
import Foundation

/// An HTTP method the client uses.
public enum HTTPVerb: String, Sendable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case delete = "DELETE"
}

/// One request, fully formed.
public struct APIRequest: Sendable {
    public var method: HTTPVerb
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Whether repeating the request cannot create a second effect: true for all but POST,
    /// unless the caller knows better (a token request is a POST without side effects).
    public var isIdempotent: Bool

    public init(
        method: HTTPVerb, url: URL, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        isIdempotent: Bool? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.isIdempotent = isIdempotent ?? (method != .post)
    }

    /// Sets a header, replacing any earlier value of the same name.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name, value))
    }

    /// The method and URL without query or user info, for messages: it names the server, and
    /// never carries the query (which may hold ids), headers or credentials.
    public var summary: String {
        var text = "\(method.rawValue) "
        if let scheme = url.scheme, let host = url.host { text += "\(scheme)://\(host)" }
        if let port = url.port { text += ":\(port)" }
        return text + url.path
    }
}

/// One answer.
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Sends requests.
///
/// Contract: answers every HTTP status as an `APIResponse` (status codes are not errors here);
/// throws `TransportError` when no complete answer arrived. Implementations are safe to call
/// from many tasks at once.
public protocol HTTPTransport: Sendable {
    func send(_ request: APIRequest) async throws -> APIResponse
}

/// Sends requests whose answers are too large to hold (file binaries).
///
/// Contract: a 2xx answer's body goes to `sink` chunk by chunk, in order, and the returned
/// response has an empty body; any other answer comes back whole (it is small) for
/// `APIError.check`. Throws `TransportError` when no complete answer arrived (the sink may have
/// had part of it), and rethrows the sink's own errors unchanged.
public protocol StreamingTransport: Sendable {
    func stream(
        _ request: APIRequest, deadline: Duration, into sink: (UnsafeRawBufferPointer) throws -> Void
    ) async throws -> APIResponse
}

/// No complete answer arrived.
public enum TransportError: Error, Sendable, Equatable {
    /// The connection failed or closed before a complete answer; `sent` tells whether the
    /// request may have reached the server.
    case connection(String, sent: Bool)
    /// No answer within the timeout.
    case timeout
}
