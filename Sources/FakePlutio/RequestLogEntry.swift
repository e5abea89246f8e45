import Basics
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

/// An invitation the fake would have emailed: a person created without `invite:false` who has
/// an email (contract §4.8).
public struct Invitation: Sendable, Hashable {
    /// The call that created the person.
    public var call: Int
    public var business: String
    public var personID: String
    public var email: String

    var json: JSONValue {
        var o = JSONObject()
        o["call"] = .number(Double(call))
        o["business"] = .string(business)
        o["personId"] = .string(personID)
        o["email"] = .string(email)
        return .object(o)
    }
}

/// One write to a resource as the fake handled it: what was sent, what it answered, and whether
/// the write was applied (a fault may answer 500 or drop the connection after applying it).
public struct WriteLogEntry: Sendable, Hashable {
    /// The call number, as in the request log.
    public var call: Int
    public var method: String
    public var path: String
    /// The status answered; 0 when the connection was dropped instead.
    public var status: Int
    public var kind: String
    /// The request body's bytes.
    public var body: [UInt8]
    /// The record created or changed (single-record writes).
    public var id: String?
    public var applied: Bool
    /// The injected fault, if any (`dropBeforeWrite`, `dropAfterWrite`, `500AfterWrite`, `500`, ...).
    public var fault: String?
    /// The address an invitation was sent to: a person created without `invite:false` (§4.8).
    public var invited: String?

    /// The body as JSON, when it parses.
    public var json: JSONValue? { try? JSONValue.parse(body) }

    var entryJSON: JSONValue {
        var o = JSONObject()
        o["call"] = .number(Double(call))
        o["method"] = .string(method)
        o["path"] = .string(path)
        o["status"] = .number(Double(status))
        o["kind"] = .string(kind)
        o["body"] = json ?? .string(String(decoding: body, as: UTF8.self))
        o["id"] = id.map(JSONValue.string) ?? .null
        o["applied"] = .bool(applied)
        o["fault"] = fault.map(JSONValue.string) ?? .null
        o["invited"] = invited.map(JSONValue.string) ?? .null
        return .object(o)
    }
}
