import Archive
import Catalog
import Foundation
import JSONCore
import MongoQuery
import PlutioAPI

/// Puts live records back to their archived field values by PUT, keeping their ids (issue 10:
/// "that invoice changed, I need last week's version").
///
/// Only writable fields are sent: server-owned and derived fields never, lifecycle states the
/// server keeps its own and `blocks[]` are reported instead; a parent changes through `/move`.
public struct Reverter: Sendable {
    let client: PlutioClient
    let catalog: Catalog

    public init(client: PlutioClient, catalog: Catalog = .standard) {
        self.client = client
        self.catalog = catalog
    }

    /// What became of one record.
    public struct Result: Sendable, Equatable {
        public var id: String
        /// Fields sent (PUT or move).
        public var reverted: [String] = []
        /// Fields that differ but cannot be written back, with why.
        public var kept: [String: String] = [:]
        /// Not in the archive, not live, or refused by the target.
        public var missing: String?
    }

    /// Reverts the records `ids` of `kind` to their values in `archive`; `fields` narrows what
    /// is compared (nil: every field).
    ///
    /// A field the archived record lacks is left as it is, unless `fields` names it (then it is
    /// set to null). With `dryRun`, nothing is sent: the results say what would be.
    public func revert(
        archive: URL, kind name: String, ids: [String], fields: Set<String>?, dryRun: Bool = false
    ) async throws -> [Result] {
        guard let kind = catalog.kind(named: name) else { throw MissingKind(kind: name, available: []) }
        var archived: [String: JSONObject] = [:]
        let query = try MongoQuery(JSONValue.object(TrashRestorer.idsFilter(ids)))
        try ArchiveInspector(url: archive).records(of: name, matching: query) { line in
            if case .object(let o) = try JSONValue.parse(line), let id = o["_id"]?.stringValue { archived[id] = o }
        }
        var live: [String: JSONObject] = [:]
        for try await record in client.records(of: name, filter: TrashRestorer.idsFilter(ids)) {
            if case .object(let o) = try record.parsed() { live[record.id] = o }
        }
        var results: [Result] = []
        for id in ids {
            var result = Result(id: id)
            guard let was = archived[id] else {
                result.missing = "not in the archive"
                results.append(result)
                continue
            }
            guard let now = live[id] else {
                result.missing = "not live (trashed? use restore --trash)"
                results.append(result)
                continue
            }
            var put = JSONObject([.init(key: "_id", value: .string(id))])
            var move = JSONObject([.init(key: "_id", value: .string(id))])
            var keys: [String] = []
            for member in was where !keys.contains(member.key) { keys.append(member.key) }
            for member in now where !keys.contains(member.key) { keys.append(member.key) }
            for key in keys where fields?.contains(key) ?? (was[key] != nil) {
                let old = was[key] ?? .null
                guard old != (now[key] ?? .null) else { continue }
                if Catalog.serverOwnedFields.contains(key) || Catalog.derivedFields[name]?.contains(key) == true {
                    continue
                }
                if key == "status", kind.lifecycleStatus || kind.ignoredOnWrite.contains("status") {
                    result.kept[key] = "a lifecycle state the server keeps its own (§4.5)"
                } else if key == "blocks" {
                    result.kept[key] = "the document's blocks are records of their own; restore them to revert it"
                } else if kind.moveFields.contains(key) {
                    move[key] = old
                } else {
                    put[key] = old
                }
            }
            do {
                if !dryRun, put.count > 1 { _ = try await client.update(name, body: JSONValue.object(put).bytes) }
                if !dryRun, move.count > 1 { _ = try await client.move(name, body: JSONValue.object(move).bytes) }
                result.reverted = (put.map(\.key) + move.map(\.key)).filter { $0 != "_id" }.sorted()
            } catch let error as APIError {
                // Refused (an archived value names a record that is gone, say): reported, the next goes on.
                switch error.underlying {
                case .validation, .notFound, .forbidden: result.missing = "refused: \(error.localizedDescription)"
                default: throw error
                }
            }
            results.append(result)
        }
        return results
    }
}
