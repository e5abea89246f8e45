import JSONCore

/// An HTTP request as the fake sees it, independent of the HTTP server.
public struct FakeRequest: Sendable {
    public var method: String
    /// The path without the query, e.g. `/v1.11/tasks`.
    public var path: String
    /// Decoded query items in order.
    public var query: [(name: String, value: String)]
    /// Headers with lower-cased names.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(
        method: String, path: String, query: [(name: String, value: String)] = [], headers: [String: String] = [:],
        body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, b in b })
        self.body = body
    }

    /// Splits a raw query string (`a=1&b=x%20y`); `+` decodes to a space, as form encoding does.
    public static func parseQuery(_ raw: String) -> [(name: String, value: String)] {
        raw.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}

/// What the transport does with a response, for injected connection faults.
public enum TransportAction: Sendable, Equatable {
    /// Send the response.
    case respond
    /// Close the connection without answering.
    case drop
    /// Send the head and part of the body, then close.
    case dropMidBody
}

/// The fake's answer.
public struct FakeResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var transport: TransportAction = .respond
    /// Seconds to wait before answering.
    public var delay: Double = 0

    init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A connection closed without an answer.
    static var dropped: FakeResponse {
        var r = FakeResponse(status: 0, body: [])
        r.transport = .drop
        return r
    }

    static func json(_ value: JSONValue, status: Int = 200) -> FakeResponse {
        FakeResponse(status: status, headers: [("Content-Type", "application/json")], body: value.bytes)
    }

    static func jsonBytes(_ bytes: [UInt8]) -> FakeResponse {
        FakeResponse(status: 200, headers: [("Content-Type", "application/json")], body: bytes)
    }

    /// A JSON array of already-serialised records.
    static func array(_ items: some Sequence<[UInt8]>) -> FakeResponse {
        var out: [UInt8] = [UInt8(ascii: "[")]
        var first = true
        for item in items {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: item)
        }
        out.append(UInt8(ascii: "]"))
        return jsonBytes(out)
    }
}

/// An API error answer: `{"code": status, "message": ...}` plus any extra fields.
struct APIFailure: Error, Sendable {
    var status: Int
    var message: String
    var extra: [JSONObject.Member] = []
    var headers: [(name: String, value: String)] = []

    var response: FakeResponse {
        var object = JSONObject(extra)
        object["code"] = .number(Double(status))
        object["message"] = .string(message)
        var r = FakeResponse.json(.object(object), status: status)
        r.headers += headers
        return r
    }

    static func badRequest(_ message: String) -> APIFailure { APIFailure(status: 400, message: message) }
    static func notFound(_ message: String = "Not found") -> APIFailure { APIFailure(status: 404, message: message) }
}
