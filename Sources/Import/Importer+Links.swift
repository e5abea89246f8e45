import Archive
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import StateStore

/// What a record gets after every record exists: one PUT with its second-pass references, its
/// `blocks[]` order and its invoice number; then the archived state of the source.
extension Importer {
    /// One PUT per created record that needs one. A document's default blocks that no source
    /// block took are deleted first, so that its `blocks[]` lists exactly its archived blocks.
    func secondPass(_ kind: ResourceKind, summary: inout Summary) async throws {
        guard kind.supports(.update) else { return }
        // A delta that created nothing of this kind has no second pass to make (nor links to read).
        if delta != nil, try !journal.createdHere(kind.name) { return }
        let ordersBlocks = catalog.references(of: kind).contains { $0.path == "blocks[]" }
        let mirrored = try await mirroredLinks(kind)
        var done = 0
        try await forEachRecord(kind.name) { object, sourceID in
            defer { advance(kind.name, .link, &done) }
            guard let entry = try journal.entry(kind.name, sourceID), entry.status == .created,
                let targetID = entry.targetID, try !journal.isDone("second-pass \(kind.name) \(sourceID)")
            else { return }
            var body = JSONObject([.init(key: "_id", value: .string(targetID))])
            // Default blocks no archived block took go first; an empty blocks[] is sent only then.
            let unused = ordersBlocks ? try journal.unusedDefaults(owner: targetID) : []
            let fields = followUpFields(kind, object).filter { $0 != "blocks" || ordersBlocks }
            for field in fields.sorted() {
                guard let value = object[field], !value.isNull else { continue }
                // The record was created without it: an empty list is already what it holds
                // (but an empty blocks[] once default blocks are deleted).
                if value.arrayValue?.isEmpty == true, field != "blocks" || unused.isEmpty { continue }
                body[field] = value
            }
            // A typed reference resolves through its type field (`entityType` + `entityId`): sent
            // alike, and only while the reference itself survives.
            let typed = catalog.references(of: kind).filter {
                $0.typeKey != nil && fields.contains(Reference.topLevelKey(of: $0.path))
            }
            for ref in typed where body[Reference.topLevelKey(of: ref.path)] != nil {
                if let key = ref.typeKey, let value = object[key] { body[key] = value }
            }
            let dropped = try remap(&body, kind, target: Target())
            for ref in typed where body[Reference.topLevelKey(of: ref.path)] == nil {
                if let key = ref.typeKey { body[key] = nil }
            }
            if !dropped.isEmpty {
                // Reported with the record (a rerun after a crash adds nothing twice).
                for path in dropped { summary.dropped[path, default: 0] += 1 }
                var merged = entry.dropped
                for path in dropped where !merged.contains(path) { merged.append(path) }
                try journal.settle(
                    kind.name, sourceID, status: .created, targetID: targetID, reason: entry.reason, dropped: merged)
            }
            if !unused.isEmpty { try await deleteBlocks(unused) }
            // A link the server mirrored from the other side is there already (§9.3).
            if let (field, current) = mirrored, let targetLinks = current[targetID], let wanted = body[field],
                Set(wanted.arrayValue ?? []) == Set(targetLinks)
            {
                body[field] = nil
            }
            // `_id` is not a reference path: what is left besides it is worth a PUT.
            if body.count > 1 {
                do {
                    _ = try await client.update(kind.name, body: JSONValue.object(body).bytes)
                } catch let error as APIError {
                    // Refused, or the record is gone from the target (trashed there since): the
                    // record stays created, reported as failed; the run goes on.
                    switch error.underlying {
                    case .validation, .notFound, .forbidden: break
                    default: throw error
                    }
                    let current = try journal.entry(kind.name, sourceID) ?? entry
                    try journal.settle(
                        kind.name, sourceID, status: .failed, targetID: targetID,
                        reason: "created, but the target refused its follow-up PUT: \(error.localizedDescription)",
                        dropped: current.dropped)
                    summary.count(\.failed, kind.name)
                }
            }
            try journal.markDone("second-pass \(kind.name) \(sourceID)")
        }
    }

    /// Deletes default blocks no archived block took; a 404 means a run before this one did.
    func deleteBlocks(_ ids: [String]) async throws {
        do {
            try await client.bulkDelete("blocks", ids: ids)
        } catch let error as APIError {
            guard case .notFound = error.underlying else { throw error }
        }
    }

    /// Two-sided links (people <-> companies, §9.3) are PUT on the people first; a server that
    /// mirrors them has already set the companies' side. For the second side, the target's
    /// current links by record (one list read), so that only a link the server did not mirror
    /// is PUT.
    func mirroredLinks(_ kind: ResourceKind) async throws -> (String, [String: [JSONValue]])? {
        guard kind.name == "companies", let field = secondPassFields[kind.name]?.first else { return nil }
        var current: [String: [JSONValue]] = [:]
        for try await record in client.records(of: kind.name) {
            guard case .object(let object) = try record.parsed(), try journal.isMapped(kind.name, targetID: record.id)
            else { continue }
            current[record.id] = object[field]?.arrayValue ?? []
        }
        return (field, current)
    }

    /// Archives the records created from archived source records: `/bulk/archive` in chunks of
    /// 100 where the kind has it, else a PUT of `isArchived` each (§4.3). Records matched onto
    /// the target's own are left as the target has them.
    func archiveAll(_ kind: ResourceKind) async throws {
        guard kind.archivable, kind.supports(.update) || kind.supports(.archive) else { return }
        var ids: [String] = []
        func flush() async throws {
            defer { ids.removeAll() }
            // Named by its ids: a rerun whose set differs does not take another chunk for this one.
            let step = "archive \(kind.name) " + sha256Hex(Array(ids.joined(separator: ",").utf8)).prefix(16)
            guard !ids.isEmpty, try !journal.isDone(step) else { return }
            if kind.supports(.archive) {
                try await client.archive(kind.name, ids: ids)
            } else {
                // One PUT each, or /bulk where the server takes it (§4.3).
                try await client.updateEach(
                    kind.name, ids: ids, fields: ["isArchived": true], hasBulk: kind.supports(.bulkUpdate))
            }
            try journal.markDone(step)
        }
        try await forEachRecord(kind.name) { object, sourceID in
            // Carried records (a delta's) keep their state; a change of it is the delta's to apply.
            guard object["isArchived"] == .bool(true), let entry = try journal.entry(kind.name, sourceID),
                entry.status == .created, !entry.notes.contains(.carried), let id = entry.targetID
            else { return }
            ids.append(id)
            if ids.count == PlutioClient.bulkLimit { try await flush() }
        }
        try await flush()
    }
}
