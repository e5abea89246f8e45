import Archive
import ArchiveChecks
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
        /// Each field sent (or, with `dryRun`, to be sent): its live value and the archived one,
        /// shortened; nil where the field is absent.
        public var changes: [ArchiveDiff.FieldChange] = []
        /// Fields that differ but cannot be written back, with why.
        public var kept: [String: String] = [:]
        /// Not in the archive, not live, or refused by the target.
        public var missing: String?
    }

    /// What a revert did, and where the values it replaced were kept.
    public struct Outcome: Sendable {
        public var results: [Result]
        /// The undo archive: the records as they were before the revert (nil when nothing was sent).
        public var undoArchive: URL?
    }

    /// Reverts the records `ids` of `kind` to their values in `archive`; `fields` narrows what
    /// is compared (nil: every field).
    ///
    /// A field the archived record lacks is left as it is, unless `fields` names it (then it is
    /// set to null). With `dryRun`, nothing is sent: the results say what would be. Otherwise the
    /// records' current values are written to an undo archive in `undoDirectory` before the
    /// first PUT (a field the revert sets that a record lacks is kept there as null, so that
    /// reverting from the undo archive takes it away again).
    public func revert(
        archive: URL, kind name: String, ids: [String], fields: Set<String>?, dryRun: Bool = false,
        undoDirectory: URL
    ) async throws -> Outcome {
        guard let kind = catalog.kind(named: name) else { throw MissingKind(kind: name, available: []) }
        var archived: [String: JSONObject] = [:]
        let query = try MongoQuery(JSONValue.object(Liveness.idsFilter(ids)))
        try ArchiveInspector(url: archive).records(of: name, matching: query) { line in
            if case .object(let o) = try JSONValue.parse(line), let id = o["_id"]?.stringValue { archived[id] = o }
        }
        var live: [String: (object: JSONObject, bytes: [UInt8])] = [:]
        for try await record in client.records(of: name, filter: Liveness.idsFilter(ids)) {
            if case .object(let o) = try record.parsed() { live[record.id] = (o, record.bytes) }
        }
        var results: [Result] = []
        var writes: [(index: Int, put: JSONObject, move: JSONObject)] = []
        var before: [[UInt8]] = []
        for id in ids {
            var result = Result(id: id)
            guard let was = archived[id] else {
                result.missing = "not in the archive"
                results.append(result)
                continue
            }
            guard let (now, bytes) = live[id] else {
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
                    continue
                } else if key == "blocks" {
                    result.kept[key] = "the document's blocks are records of their own; restore them to revert it"
                    continue
                } else if kind.moveFields.contains(key) {
                    move[key] = old
                } else {
                    put[key] = old
                }
                result.changes.append(
                    .init(
                        field: key, old: now[key].map(ArchiveDiff.shortened), new: was[key].map(ArchiveDiff.shortened)))
            }
            result.reverted = (put.map(\.key) + move.map(\.key)).filter { $0 != "_id" }.sorted()
            if put.count > 1 || move.count > 1 {
                writes.append((results.count, put, move))
                before.append(Self.undoValues(now, bytes, setting: put.map(\.key) + move.map(\.key)))
            }
            results.append(result)
        }
        guard !dryRun, !writes.isEmpty else { return Outcome(results: results) }
        let undo = try UndoArchive.write(
            [name: before], of: client.settings, into: undoDirectory, why: "restore --revert")
        for (index, put, move) in writes {
            do {
                if put.count > 1 { _ = try await client.update(name, body: JSONValue.object(put).bytes) }
                if move.count > 1 { _ = try await client.move(name, body: JSONValue.object(move).bytes) }
            } catch let error as APIError {
                // Refused (an archived value names a record that is gone, say): reported, the next goes on.
                switch error.underlying {
                case .validation, .notFound, .forbidden:
                    results[index].missing = "refused: \(error.localizedDescription)"
                    results[index].reverted = []
                default: throw error
                }
            }
        }
        return Outcome(results: results, undoArchive: undo)
    }

    /// A live record's bytes for the undo archive: as served, with each field the revert sets
    /// that the record lacks added as null.
    static func undoValues(_ now: JSONObject, _ bytes: [UInt8], setting keys: [String]) -> [UInt8] {
        let absent = keys.filter { $0 != "_id" && now[$0] == nil }
        guard !absent.isEmpty else { return bytes }
        var object = now
        for key in absent { object[key] = .null }
        return JSONValue.object(object).bytes
    }
}
