import Foundation
import JSONCore

/// One API call as the fake saw it.
public struct RequestLogEntry: Sendable, Hashable {
    /// The call number, from 1.
    public var call: Int
    public var time: Date
    public var method: String
    public var path: String
    /// The raw query string, decoded.
    public var query: String
    /// The API client the call was attributed to.
    public var clientID: String?
    public var business: String?
    public var status: Int
    /// Whether the call counted against the client's rate limit.
    public var counted: Bool
    /// The injected fault, if any (`500`, `storm`, `drop`, `dropAfterWrite`, `dropMidBody`, `slow`).
    public var fault: String?

    var json: JSONValue {
        var o = JSONObject()
        o["call"] = .number(Double(call))
        o["time"] = .string(Timestamp.string(time))
        o["method"] = .string(method)
        o["path"] = .string(path)
        o["query"] = .string(query)
        o["clientId"] = clientID.map(JSONValue.string) ?? .null
        o["business"] = business.map(JSONValue.string) ?? .null
        o["status"] = .number(Double(status))
        o["counted"] = .bool(counted)
        o["fault"] = fault.map(JSONValue.string) ?? .null
        return .object(o)
    }
}
