import Foundation
import JSONCore
import Synchronization

/// Where the form of single-record writes a server takes is remembered, per kind and verb
/// (StateStore's `WriteRouteBook`, conforming in Session, keeps it in the user's state database).
public protocol WriteRouteMemory: Sendable {
    func route(kind: String, verb: String) throws -> String?
    func remember(kind: String, verb: String, route: String) throws
}

/// How single-record updates and deletes reach a kind (contract §4.1, §10): `PUT|DELETE /<res>`
/// with `_id` in the body, or `/bulk` with one id. A live-tested client found that the service
/// takes only `/bulk`; the contract takes the single form as likely. The client uses the single
/// form until the server refuses it (403), then `/bulk`, and remembers the answer per kind, so
/// the switch costs one call, once; a kind that takes neither fails fast from then on.
final class WriteRoutes: Sendable {
    enum Verb: String { case update, delete }
    enum Route: String { case single, bulk, neither }

    let memory: (any WriteRouteMemory)?
    private let known = Mutex<[String: Route]>([:])

    init(memory: (any WriteRouteMemory)?) { self.memory = memory }

    /// What was learned of a kind's verb, in this process or earlier ones.
    func route(_ kind: String, _ verb: Verb) -> Route? {
        let key = "\(kind) \(verb.rawValue)"
        if let route = known.withLock({ $0[key] }) { return route }
        guard let text = try? memory?.route(kind: kind, verb: verb.rawValue), let route = Route(rawValue: text) else {
            return nil
        }
        known.withLock { $0[key] = route }
        return route
    }

    /// Records what a kind's verb takes. `neither` is kept for this process only: a kind refused
    /// both ways today may be opened later.
    func learn(_ kind: String, _ verb: Verb, _ route: Route) {
        known.withLock { $0["\(kind) \(verb.rawValue)"] = route }
        if route != .neither { try? memory?.remember(kind: kind, verb: verb.rawValue, route: route.rawValue) }
    }
}

extension PlutioClient {
    /// Sends a single-record write the way the server takes it (see `WriteRoutes`).
    func routed<T>(
        _ kind: String, _ verb: WriteRoutes.Verb, single: () async throws -> T, bulk: () async throws -> T
    ) async throws -> T {
        let learned = routes.route(kind, verb)
        switch learned {
        case .bulk?: return try await bulk()
        case .neither?:
            throw APIError.forbidden(
                request:
                    "\(verb == .update ? "PUT" : "DELETE") \(settings.apiURL.absoluteString)/\(kind) (single or /bulk)")
        case .single?, nil:
            do {
                let result = try await single()
                if learned == nil { routes.learn(kind, verb, .single) }
                return result
            } catch let error as APIError {
                guard case .forbidden = error.underlying, learned == nil else { throw error }
                do {
                    let result = try await bulk()
                    routes.learn(kind, verb, .bulk)
                    return result
                } catch let refused as APIError {
                    if case .forbidden = refused.underlying {
                        routes.learn(kind, verb, .neither)
                        throw error
                    }
                    // The route is there; what was sent was not taken (a 400, a 404).
                    routes.learn(kind, verb, .bulk)
                    throw refused
                }
            }
        }
    }

    /// Whether a kind's updates (or deletes) are known to go through `/bulk`.
    public func takesBulk(_ kind: String, deletes: Bool = false) -> Bool {
        routes.route(kind, deletes ? .delete : .update) == .bulk
    }

    /// `PUT /<kind>/bulk` with one id: the fields of a single-record body.
    func bulkUpdate(_ kind: String, oneRecord body: [UInt8]) async throws -> RawRecord? {
        guard case .object(let object) = try? JSONValue.parse(body), let id = object["_id"]?.stringValue else {
            throw APIError.invalidResponse(request: "PUT \(kind)/bulk", reason: "the update has no _id")
        }
        var fields = object
        fields["_id"] = nil
        var sent = JSONObject([.init(key: "_ids", value: .array([.string(JSONString(id))]))])
        for member in fields { sent[member.key] = member.value }
        let answer = try await write(.put, kind + "/bulk", body: JSONValue.object(sent).bytes)
        // The answer's shape is not promised (§4.1): the record when it lists it.
        return (try? RawJSON.records(in: answer.body))?.first { $0.id == id }
    }
}
