import Archive
import Catalog
import Foundation
import Import
import JSONCore
import PlutioAPI
import StateStore
import Synchronization

/// Points live records that still name a restored record's old id at its new one, field by
/// field: only the fields that held an old id are sent (by PUT, or `/move` for a parent), and
/// their values before go to an undo archive first.
struct Repointer: Sendable {
    /// The target, the catalogue and the request's journal run.
    let context: RunContext
    var client: PlutioClient { context.client }
    var catalog: Catalog { context.catalog }
    var journal: ImportJournal { context.journal }
    let set: RestoredSet
    let liveness: Liveness
    /// Where the current values of live records go before they are overwritten (`UndoArchive`).
    var undoDirectory: URL?

    /// The journal step naming an undo archive written by this request.
    static let undoStep = "undo archive "

    /// Live records by kind and id.
    typealias Holders = [String: [String: JSONObject]]

    /// The live records re-pointed so far, and those the target refused.
    final class Tally: Sendable {
        private let state = Mutex((count: 0, failures: [String]()))
        var count: Int { state.withLock { $0.count } }
        var failures: [String] { state.withLock { $0.failures } }
        func add(_ n: Int) { state.withLock { $0.count += n } }
        func fail(_ what: String) { state.withLock { $0.failures.append(what) } }
    }

    /// Live records that named a restored record's old id (as the newest archive shows them)
    /// are read as they are now and get only the fields that held an old id, with the new ids;
    /// nothing else of theirs changes. `replaced`: gone copy's id -> source id (see
    /// `Recreator.matchEarlierRestores`). Answers how many were changed.
    func repoint(using archives: [URL], replaced: [String: String] = [:], tally: Tally? = nil) async throws -> Int {
        guard let newest = archives.first else { return 0 }
        let (newIDs, kindOf) = try restoredIDs(replaced: replaced)
        guard !newIDs.isEmpty else { return 0 }
        let holders = try archivedHolders(in: newest, naming: newIDs)
        // Records that came after the newest archive and name an old id are asked of the
        // workspace itself; the holders the archive knows are read as they are now.
        var found = try await liveHolders(naming: kindOf, newest: newest.lastPathComponent, tally: tally)
        for (name, ids) in holders.sorted(by: { $0.key < $1.key }) {
            let unread = ids.subtracting(found[name]?.keys ?? [:].keys)
            do {
                found[name, default: [:]].merge(try await liveness.records(name, unread)) { current, _ in current }
            } catch let error as APIError where error.isRefusal {
                tally?.fail(
                    "\(unread.count) \(name) naming restored records could not be read, so not re-pointed: "
                        + error.localizedDescription)
            }
        }
        try keepUndo(found, newIDs: newIDs)
        return try await send(found, newIDs: newIDs, tally: tally)
    }

    /// Old id -> new id of every restored record with a target, and old id -> its kind.
    func restoredIDs(replaced: [String: String]) throws -> (newIDs: [String: String], kindOf: [String: String]) {
        var newIDs: [String: String] = [:]
        var kindOf: [String: String] = [:]
        for kind in catalog.kinds {
            try set.forEachLine(kind.name) { raw in
                guard let id = raw.objectValue?["_id"]?.stringValue, let entry = try journal.entry(kind.name, id),
                    entry.status == .created || entry.status == .failed, let to = entry.targetID
                else { return }
                newIDs[id] = to
                kindOf[id] = kind.name
            }
        }
        // A copy an earlier restore made, gone since: what was pointed at it moves to the new one.
        for (gone, source) in replaced {
            guard let to = newIDs[source] else { continue }
            newIDs[gone] = to
            kindOf[gone] = kindOf[source]
        }
        return (newIDs, kindOf)
    }

    /// Who referenced a restored record in the newest archive, by kind.
    func archivedHolders(in newest: URL, naming newIDs: [String: String]) throws -> [String: Set<String>] {
        var holders: [String: Set<String>] = [:]
        let updatable = { (name: String) in
            catalog.kind(named: name).map { $0.role == .data && $0.supports(.update) } ?? false
        }
        try ArchiveReader(url: newest).forEachRecordLine(of: updatable) { name, line in
            guard let kind = catalog.kind(named: name), let raw = RawJSONValue(line),
                let id = raw.objectValue?["_id"]?.stringValue, newIDs[id] == nil,
                catalog.referenceValues(in: raw, of: kind).contains(where: { newIDs[$0.value] != nil })
            else { return }
            holders[name, default: []].insert(id)
        }
        return holders
    }

    /// The values of the live records about to change, kept before any of them is changed and
    /// named in the journal (a rerun after a kill reports it with its own).
    func keepUndo(_ found: Holders, newIDs: [String: String]) throws {
        guard let undoDirectory else { return }
        var before: [String: [[UInt8]]] = [:]
        for (name, records) in found.sorted(by: { $0.key < $1.key }) {
            guard let kind = catalog.kind(named: name) else { continue }
            for (id, live) in records.sorted(by: { $0.key < $1.key }) where newIDs[id] == nil {
                if let bytes = repointedValues(live, of: kind, newIDs: newIDs) {
                    before[name, default: []].append(bytes)
                }
            }
        }
        guard !before.isEmpty else { return }
        let undo = try UndoArchive.write(before, of: client.settings, into: undoDirectory, why: "restore re-pointing")
        try journal.markDone(Self.undoStep + undo.path)
    }

    /// Sends each live record its re-pointed fields; answers how many changed.
    func send(_ found: Holders, newIDs: [String: String], tally: Tally?) async throws -> Int {
        var repointed = 0
        for (name, records) in found.sorted(by: { $0.key < $1.key }) {
            guard let kind = catalog.kind(named: name) else { continue }
            for (id, live) in records.sorted(by: { $0.key < $1.key }) where newIDs[id] == nil {
                do {
                    if try await repoint(live, id: id, of: kind, newIDs: newIDs) { repointed += 1 }
                } catch let error as APIError {
                    // Refused (it also names a record that is gone, say): reported; a rerun tries
                    // again. A holder pointed already gets nothing more: only what differs is sent.
                    switch error.underlying {
                    case .validation, .notFound, .forbidden:
                        tally?.fail("\(name) \(id): \(error.localizedDescription)")
                        continue
                    default: throw error
                    }
                }
            }
        }
        return repointed
    }

    /// A live record's bytes as they are, when re-pointing would change it (for the undo archive).
    func repointedValues(_ live: JSONObject, of kind: ResourceKind, newIDs: [String: String]) -> [UInt8]? {
        var rewritten = live
        _ = catalog.remapReferences(in: &rewritten, of: kind) { ref in newIDs[ref.value] ?? ref.value }
        return rewritten == live ? nil : JSONValue.object(live).bytes
    }

    /// Rewrites the old ids a live record holds and sends the fields that changed; true when
    /// something was sent.
    func repoint(_ live: JSONObject, id: String, of kind: ResourceKind, newIDs: [String: String]) async throws -> Bool {
        var rewritten = live
        _ = catalog.remapReferences(in: &rewritten, of: kind) { ref in newIDs[ref.value] ?? ref.value }
        var put = JSONObject([.init(key: "_id", value: .string(id))])
        var move = JSONObject([.init(key: "_id", value: .string(id))])
        for member in rewritten where member.key != "_id" && live[member.key] != member.value {
            if kind.moveFields.contains(member.key) {
                move[member.key] = member.value
            } else {
                put[member.key] = member.value
            }
        }
        // A typed reference goes with its type field.
        for ref in catalog.references(of: kind) {
            let key = Reference.topLevelKey(of: ref.path)
            if let typeKey = ref.typeKey, put[key] != nil, let type = live[typeKey] { put[typeKey] = type }
        }
        if put.count > 1 { _ = try await client.update(kind.name, body: JSONValue.object(put).bytes) }
        if move.count > 1 { _ = try await client.move(kind.name, body: JSONValue.object(move).bytes) }
        return put.count > 1 || move.count > 1
    }
}
