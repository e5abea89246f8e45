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

    /// `PUT /<kind>` with `_id` in the body: answers the whole updated record.
    public func update(_ kind: String, body: [UInt8]) async throws -> RawRecord {
        try await record(from: write(.put, kind, body: body))
    }

    /// `POST /<kind>/move` with `_id` and the destination fields: answers the moved record.
    public func move(_ kind: String, body: [UInt8]) async throws -> RawRecord {
        try await record(from: write(.post, kind + "/move", body: body, idempotent: true))
    }

    /// `DELETE /<kind>`: moves the record to the trash. False when there was nothing to delete
    /// (404: missing or already trashed, as after a retried delete that had been applied).
    @discardableResult
    public func delete(_ kind: String, id: String) async throws -> Bool {
        do {
            _ = try await write(.delete, kind, body: JSONValue.object(["_id": .string(id)]).bytes)
            return true
        } catch let error as APIError {
            if case .notFound = error.underlying { return false }
            throw error
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
