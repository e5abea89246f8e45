import Foundation
import JSONCore

/// Writes (contract §4.1): bodies go out as the caller's bytes, unchanged, so a record rebuilt
/// from an archive keeps its numbers, escapes and key order.
///
/// A create whose answer is lost throws `APIError.outcomeUnknown` and is never sent again here:
/// the caller looks for the record it may have made first. PUT and DELETE are idempotent and are
/// retried by the transport.
extension PlutioClient {
    /// Bulk routes take at most this many ids (contract §4.1).
    public static let bulkLimit = 100

    /// `POST /<kind>`: answers the created record as the server sent it.
    public func create(_ kind: String, body: [UInt8]) async throws -> RawRecord {
        try await record(from: write(.post, kind, body: body))
    }

    /// `PUT /<kind>` with `_id` in the body, or `PUT /<kind>/bulk` with that one id where the
    /// server takes only that (see `WriteRoutes`): answers the updated record when the answer
    /// holds it.
    @discardableResult
    public func update(_ kind: String, body: [UInt8]) async throws -> RawRecord? {
        try await routed(
            kind, .update, single: { try await record(from: write(.put, kind, body: body)) },
            bulk: { try await bulkUpdate(kind, oneRecord: body) })
    }

    /// `POST /<kind>/move` with `_id` and the destination fields: answers the moved record.
    public func move(_ kind: String, body: [UInt8]) async throws -> RawRecord {
        try await record(from: write(.post, kind + "/move", body: body, idempotent: true))
    }

    /// `DELETE /<kind>`: moves the record to the trash. False when there was nothing to delete
    /// (404: missing or already trashed, as after a retried delete that had been applied).
    /// Through `DELETE /<kind>/bulk` where the server takes only that (see `WriteRoutes`), which
    /// skips ids it cannot find: true then.
    @discardableResult
    public func delete(_ kind: String, id: String) async throws -> Bool {
        do {
            return try await routed(
                kind, .delete,
                single: {
                    _ = try await write(.delete, kind, body: JSONValue.object(["_id": .string(JSONString(id))]).bytes)
                    return true
                },
                bulk: {
                    try await bulkDelete(kind, ids: [id])
                    return true
                })
        } catch let error as APIError {
            if case .notFound = error.underlying { return false }
            throw error
        }
    }

    /// Sets the same fields on each record: `/bulk`, 100 ids a call, where the kind has it
    /// (`hasBulk`, from the catalogue) or the server is known to take it; else one update each,
    /// which switches to `/bulk` for the rest once the server refuses the single form.
    public func updateEach(_ kind: String, ids: [String], fields: JSONObject, hasBulk: Bool) async throws {
        var rest = ids[...]
        while let id = rest.first {
            if hasBulk || takesBulk(kind) { return try await bulkUpdate(kind, ids: Array(rest), fields: fields) }
            var body = JSONObject([.init(key: "_id", value: .string(JSONString(id)))])
            for member in fields where member.key != "_id" { body[member.key] = member.value }
            try await update(kind, body: JSONValue.object(body).bytes)
            rest = rest.dropFirst()
        }
    }

    /// Deletes the records like `updateEach`: `/bulk` where taken, else one delete each (a 404,
    /// gone already, is no failure).
    public func deleteEach(_ kind: String, ids: [String], hasBulk: Bool) async throws {
        var rest = ids[...]
        while let id = rest.first {
            if hasBulk || takesBulk(kind, deletes: true) { return try await bulkDelete(kind, ids: Array(rest)) }
            try await delete(kind, id: id)
            rest = rest.dropFirst()
        }
    }

    /// `PUT /<kind>/bulk`: sets `fields` on every record, `bulkLimit` ids per call.
    public func bulkUpdate(_ kind: String, ids: [String], fields: JSONObject) async throws {
        for chunk in Self.chunks(ids) {
            var body = JSONObject([.init(key: "_ids", value: .array(chunk.map(JSONValue.string)))])
            for member in fields where member.key != "_ids" { body[member.key] = member.value }
            _ = try await write(.put, kind + "/bulk", body: JSONValue.object(body).bytes)
        }
    }

    /// `DELETE /<kind>/bulk`, `bulkLimit` ids per call.
    public func bulkDelete(_ kind: String, ids: [String]) async throws {
        for chunk in Self.chunks(ids) {
            let body = JSONObject([.init(key: "_ids", value: .array(chunk.map(JSONValue.string)))])
            _ = try await write(.delete, kind + "/bulk", body: JSONValue.object(body).bytes)
        }
    }

    /// `POST /<kind>/bulk/archive` with `isArchived`, `bulkLimit` ids per call. Idempotent: the
    /// same call again leaves the records as they are.
    public func archive(_ kind: String, ids: [String], archived: Bool = true) async throws {
        for chunk in Self.chunks(ids) {
            let body = JSONObject([
                .init(key: "_ids", value: .array(chunk.map(JSONValue.string))),
                .init(key: "isArchived", value: .bool(archived)),
            ])
            _ = try await write(.post, kind + "/bulk/archive", body: JSONValue.object(body).bytes, idempotent: true)
        }
    }

    static func chunks(_ ids: [String]) -> [ArraySlice<String>] {
        stride(from: 0, to: ids.count, by: bulkLimit).map { ids[$0..<min($0 + bulkLimit, ids.count)] }
    }

    /// Sends one write and answers the body; `idempotent` for POST routes that are (move).
    func write(
        _ method: HTTPVerb, _ path: String, body: [UInt8], idempotent: Bool? = nil
    ) async throws -> APIRequest.Answer {
        var request = APIRequest(method: method, url: url(path, query: []), body: body, isIdempotent: idempotent)
        request.setHeader("Content-Type", "application/json")
        let response = try await transport.send(request)
        noteDateHeader(response)
        if let error = APIError.check(response, for: request) { throw error }
        return APIRequest.Answer(summary: request.summary, body: response.body)
    }

    /// The record in a write's answer: one JSON object with a string `_id`.
    func record(from answer: APIRequest.Answer) throws -> RawRecord {
        let id: String?
        do { id = try RawJSON.topLevelString("_id", in: answer.body) } catch {
            throw APIError.invalidResponse(request: answer.summary, reason: "\(error.reason) at byte \(error.offset)")
        }
        guard let id else { throw APIError.invalidResponse(request: answer.summary, reason: "the record has no _id") }
        return RawRecord(bytes: RawJSON.oneLine(answer.body[...]), id: id)
    }
}

extension APIRequest {
    /// A write's answer body, with the request it answered for messages.
    struct Answer {
        var summary: String
        var body: [UInt8]
    }
}
