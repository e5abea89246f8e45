import Catalog
import Foundation
import JSONCore

extension FakePlutio {
    /// Resolves the route and verb after authentication, then runs the handler.
    func route(
        _ request: FakeRequest, client: FakeAPIClient?, now: Date, entry: inout RequestLogEntry,
        write: inout WriteOutcome?
    ) throws(APIFailure) -> FakeResponse {
        if request.path == Self.apiPrefix + "/oauth/token" { return try issueToken(request, now: now) }
        let (client, business) = try authorize(request, now: now)
        entry.business = business
        guard request.path.hasPrefix(Self.apiPrefix + "/") else { throw unsupported() }
        let segments = request.path.dropFirst(Self.apiPrefix.count + 1).split(
            separator: "/", omittingEmptySubsequences: false
        )
        .map(String.init)
        guard let kind = catalog.kind(named: segments[0]) else { throw unsupported() }
        if config.faults.refusedKinds.contains(kind.name) {
            entry.fault = "refused"
            throw APIFailure(status: 403, message: "Method not allowed")
        }
        // A path-form read (§3.7), where the configuration lets a kind answer one.
        if request.method == "GET", segments.count == 2, config.pathGetKinds.contains(kind.name),
            segments[1] != "bulk", segments[1] != "archive"
        {
            guard let record = workspaces[business]?.record(kind.name, segments[1]) else { throw .notFound() }
            return .jsonBytes(served(record))
        }
        let verb = try Self.verb(method: request.method, tail: Array(segments.dropFirst()))
        guard let verb else { throw unsupported() }
        guard isAllowed(verb, on: kind) else { throw unsupported() }
        var context = WriteContext(kind: kind, business: business, user: client.userID, now: now)
        if verb == .list {
            if config.unlistableKinds.contains(kind.name) {
                entry.fault = "unlistable"
                throw APIFailure(status: 403, message: "Method not allowed")
            }
            return try list(kind, request, business: business)
        }
        write = WriteOutcome(kind: kind.name, verb: verb)
        if verb == .create, let fault = nextCreateFault(kind.name) { write?.fault = fault }
        if write?.fault == .dropBefore { return FakeResponse.dropped }
        var body = try Self.jsonBody(request)
        if config.normalisesWrites { body = Self.normalised(body) }
        // A create whose answer is lost, applied some seconds later (§10 `--apply-late`).
        if verb == .create,
            let late = config.faults.lateApplies.first(where: {
                $0.kind == kind.name && $0.n == createCounts[kind.name]
            })
        {
            lateWrites.append(
                LateWrite(
                    call: entry.call, path: request.path, kind: kind, business: business, user: client.userID,
                    body: body, bytes: request.body, due: now.addingTimeInterval(late.delay)))
            entry.fault = "applyLate"
            return FakeResponse.dropped
        }
        defer {
            write?.applied = context.applied
            write?.id = context.recordID
            write?.invited = context.invited
        }
        if verb != .create, case .string(let id)? = body["_id"] { context.recordID = id.string }
        return try self.write(verb, body: body, context: &context)
    }

    /// Whether a kind takes a verb: the catalogue's verbs, restricted ones when allowed, and the
    /// `/bulk` forms of U and D where the configuration takes them on every kind (§10).
    func isAllowed(_ verb: Verb, on kind: ResourceKind) -> Bool {
        if config.bulkWritesOnly, verb == .update || verb == .delete { return false }
        if config.bulkWritesOnly || config.bulkEverywhere {
            if verb == .bulkUpdate, kind.supports(.update) { return true }
            if verb == .bulkDelete, kind.supports(.delete) { return true }
        }
        return kind.supports(verb) || (config.allowsRestrictedWrites && kind.restrictedVerbs.contains(verb))
    }

    /// The verb for a method and the path segments after the kind; nil for unknown forms.
    static func verb(method: String, tail: [String]) throws(APIFailure) -> Verb? {
        switch (method, tail) {
        case ("GET", []): return .list
        case ("POST", []): return .create
        case ("PUT", []): return .update
        case ("DELETE", []): return .delete
        case ("PUT", ["bulk"]): return .bulkUpdate
        case ("DELETE", ["bulk"]): return .bulkDelete
        case ("POST", ["bulk", "archive"]): return .archive
        case ("POST", ["archive"]): return .archiveOne
        case ("POST", ["move"]): return .move
        case ("POST", ["copy"]): return .copy
        case ("DELETE", ["all"]): return .deleteAll
        default: return nil
        }
    }

    /// What a normalising server stores: strings trimmed with runs of whitespace made one space,
    /// object keys sorted, numbers as values (the canonical form).
    static func normalised(_ object: JSONObject) -> JSONObject {
        func value(_ v: JSONValue) -> JSONValue {
            switch v {
            case .string(let s):
                return .string(JSONString(s.string.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")))
            case .number(let n): return .number(JSONNumber(n.double))
            case .array(let items): return .array(items.map(value))
            case .object(let o): return .object(normalised(o))
            default: return v
            }
        }
        return JSONObject(object.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: value($0.value)) })
    }

    /// The write body: a JSON object, else 400.
    static func jsonBody(_ request: FakeRequest) throws(APIFailure) -> JSONObject {
        guard !request.body.isEmpty, case .object(let object)? = try? JSONValue.parse(request.body) else {
            throw .badRequest("Request body must be a JSON object")
        }
        return object
    }
}

/// Who is writing, to which kind, when; and whether anything changed.
struct WriteContext {
    var kind: ResourceKind
    var business: String
    var user: String
    var now: Date
    var applied = false
    /// The record created or changed (for single-record writes).
    var recordID: String?
    /// The address a new person was invited at (created without `invite:false`, §4.8).
    var invited: String?
}

/// What one write did, for the write log and the faults aimed at writes.
struct WriteOutcome {
    var kind: String
    var verb: Verb
    var applied = false
    var id: String?
    var fault: WriteFault.Mode?
    var invited: String?
}
