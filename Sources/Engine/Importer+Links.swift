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
        let ordersBlocks = catalog.references(of: kind).contains { $0.path == "blocks[]" }
        var done = 0
        try await forEachRecord(kind.name) { object, sourceID in
            defer { advance(kind.name, .link, &done) }
            guard let entry = try journal.entry(kind.name, sourceID), entry.status == .created,
                let targetID = entry.targetID, try !journal.isDone("second-pass \(kind.name) \(sourceID)")
            else { return }
            var body = JSONObject([.init(key: "_id", value: .string(targetID))])
            let fields = followUpFields(kind, object).filter { $0 != "blocks" || ordersBlocks }
            for field in fields.sorted() {
                guard let value = object[field], !value.isNull else { continue }
                body[field] = value
            }
            // A typed reference resolves through its type field (`entityType` + `entityId`): sent alike.
            for ref in catalog.references(of: kind) where fields.contains(Reference.topLevelKey(of: ref.path)) {
                if let key = ref.typeKey, body[Reference.topLevelKey(of: ref.path)] != nil, let value = object[key] {
                    body[key] = value
                }
            }
            let dropped = try remap(&body, kind, target: Target())
            for path in dropped { summary.dropped[path, default: 0] += 1 }
            if body["blocks"] != nil {
                let unused = try journal.unusedDefaults(owner: targetID)
                if !unused.isEmpty { try await client.bulkDelete("blocks", ids: unused) }
            }
            // `_id` is not a reference path: what is left besides it is worth a PUT.
            if body.count > 1 {
                do {
                    _ = try await client.update(kind.name, body: JSONValue.object(body).bytes)
                } catch let error as APIError {
                    if case .forbidden = error.underlying, kind.restrictedVerbs.contains(.update) {
                        // Dashboard pages may not be updated (§4.6): their blocks were made in order.
                        try journal.settle(
                            kind.name, sourceID, status: .created, targetID: targetID,
                            reason:
                                "the target refuses updates of \(kind.name): its blocks were created in order instead",
                            dropped: entry.dropped + dropped)
                        try journal.markDone("second-pass \(kind.name) \(sourceID)")
                        return
                    }
                    guard case .validation = error.underlying else { throw error }
                    try journal.settle(
                        kind.name, sourceID, status: .failed, targetID: targetID,
                        reason: "created, but the target refused its follow-up PUT: \(error.localizedDescription)",
                        dropped: entry.dropped + dropped)
                    summary.failed[kind.name, default: 0] += 1
                }
            }
            try journal.markDone("second-pass \(kind.name) \(sourceID)")
        }
    }

    /// Archives the records created from archived source records: `/bulk/archive` in chunks of
    /// 100 where the kind has it, else a PUT of `isArchived` each (§4.3). Records matched onto
    /// the target's own are left as the target has them.
    func archiveAll(_ kind: ResourceKind) async throws {
        guard kind.archivable, kind.supports(.update) || kind.supports(.archive) else { return }
        var ids: [String] = []
        var chunk = 0
        func flush() async throws {
            defer {
                ids.removeAll()
                chunk += 1
            }
            let step = "archive \(kind.name) \(chunk)"
            guard !ids.isEmpty, try !journal.isDone(step) else { return }
            if kind.supports(.archive) {
                try await client.archive(kind.name, ids: ids)
            } else {
                for id in ids {
                    let body = JSONObject([
                        .init(key: "_id", value: .string(id)), .init(key: "isArchived", value: true),
                    ])
                    _ = try await client.update(kind.name, body: JSONValue.object(body).bytes)
                }
            }
            try journal.markDone(step)
        }
        try await forEachRecord(kind.name) { object, sourceID in
            guard object["isArchived"] == .bool(true), let entry = try journal.entry(kind.name, sourceID),
                entry.status == .created, let id = entry.targetID
            else { return }
            ids.append(id)
            if ids.count == PlutioClient.bulkLimit { try await flush() }
        }
        try await flush()
    }
}
