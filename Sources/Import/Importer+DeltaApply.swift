import Archive
import Basics
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import Session
import StateStore

/// Applying a delta (see `Importer+Delta`): field by field what a changed record sends, then the
/// updates and moves, the deletes, documents' `blocks[]` and archived states.
extension Importer {
    /// What a delta sends for one changed record: fields to PUT, to `/move`, the new archived
    /// state, `blocks[]` (after deletes), and the fields in conflict with both sides.
    struct Decision {
        var put = JSONObject()
        var move = JSONObject()
        var archived: Bool?
        var blocks: JSONValue?
        var conflicts: [(field: String, target: JSONValue, source: JSONValue)] = []
        var isEmpty: Bool { put.count == 0 && move.count == 0 && archived == nil && blocks == nil }
    }

    /// Decides, field by field, what a changed record sends (see the extension's comment).
    func decide(_ kind: ResourceKind, _ change: Changed, current: JSONObject, target: Target) throws -> Decision {
        let written = try appliedBody(kind, change.old, target: target)
        let wanted = try appliedBody(kind, change.new, target: target)
        let touched = Self.isNewer(current["updatedAt"]?.stringValue, than: change.writtenAt)
        let rewritten = Self.rewrittenByServer(kind)
        let moves = kind.supports(.move) ? Set(kind.moveFields).subtracting(["position"]) : []
        var out = Decision()
        for field in change.fields {
            let now = current[field] ?? .null
            let new = wanted[field] ?? .null
            if field == "blocks" {
                // The target keeps a document's blocks[] in step with its blocks itself: never a
                // conflict; set once blocks are created and deleted.
                if !Self.equivalent(new, now) { out.blocks = new }
                continue
            }
            if Self.equivalent(new, now) { continue }
            let theirs = touched && !rewritten.contains(field) && !Self.equivalent(written[field] ?? .null, now)
            if theirs, delta?.preferSource != true {
                out.conflicts.append((field, now, new))
                continue
            }
            if field == "isArchived" {
                out.archived = new == .bool(true)
            } else if moves.contains(field) {
                out.move[field] = new
            } else {
                out.put[field] = new
                // A typed reference goes with its type.
                for ref in catalog.references(of: kind) where Reference.topLevelKey(of: ref.path) == field {
                    if let key = ref.typeKey, let type = wanted[key] { out.put[key] = type }
                }
            }
        }
        return out
    }

    /// A source record as the target should hold it: the fields a delta compares, with every
    /// reference remapped through the journal (what resolves nowhere left out).
    func appliedBody(_ kind: ResourceKind, _ object: JSONObject, target: Target) throws -> JSONObject {
        var body = JSONObject()
        let ignored = deltaIgnored(kind)
        for member in object where !ignored.contains(member.key) { body[member.key] = member.value }
        _ = try remap(&body, kind, target: target)
        return body
    }

    /// Whether a target's `updatedAt` is later than the journal's write (no write known: yes).
    static func isNewer(_ stamp: String?, than written: String?) -> Bool {
        guard let written, let writtenDate = Timestamp.date(written) else { return true }
        guard let stamp, let date = Timestamp.date(stamp) else { return true }
        return date > writtenDate
    }

    /// Applies a delta after the creates and the second pass: updates and moves in import
    /// order, then deletes (parents first: a child in the cascade is gone already), then
    /// documents' `blocks[]`, then archived states.
    func apply(_ found: Delta, target: Target, summary: inout Summary) async throws {
        var blocks: [(kind: ResourceKind, sourceID: String, body: JSONObject)] = []
        var archive: [String: (on: [(String, String)], off: [(String, String)])] = [:]
        for kind in try importOrder() {
            var done = 0
            for change in found.changed[kind.name] ?? [] {
                defer { advance(kind.name, .change, &done) }
                guard let current = found.targets[kind.name]?[change.targetID] else { continue }
                let decision = try decide(kind, change, current: current, target: target)
                // What a killed run sent before its answer was recorded: the target holds it.
                if decision.conflicts.isEmpty {
                    let settled = [
                        ("updated", decision.put.count == 0 && decision.blocks == nil),
                        ("moved", decision.move.count == 0), ("archived", decision.archived == nil),
                        ("unarchived", decision.archived == nil),
                    ]
                    for (action, done) in settled where done {
                        try journal.changeDone(kind.name, [change.sourceID], action: action)
                    }
                }
                if !decision.conflicts.isEmpty {
                    try journal.intendChange(
                        kind.name, change.sourceID, action: "conflict",
                        fields: Self.conflictText(decision.conflicts, deletedInTarget: false))
                    try journal.changeDone(kind.name, [change.sourceID], action: "conflict")
                    summary.count(\.conflicts, kind.name)
                }
                if decision.move.count > 0 {
                    var body = JSONObject([.init(key: "_id", value: .string(JSONString(change.targetID)))])
                    for member in decision.move { body[member.key] = member.value }
                    if try await send(kind, change.sourceID, "moved", body, summary: &summary) {
                        summary.count(\.moved, kind.name)
                    }
                }
                if decision.put.count > 0 {
                    var body = JSONObject([.init(key: "_id", value: .string(JSONString(change.targetID)))])
                    for member in decision.put { body[member.key] = member.value }
                    if try await send(kind, change.sourceID, "updated", body, summary: &summary) {
                        summary.count(\.updated, kind.name)
                    }
                }
                if let value = decision.blocks {
                    let body = JSONObject([
                        .init(key: "_id", value: .string(JSONString(change.targetID))),
                        .init(key: "blocks", value: value),
                    ])
                    blocks.append((kind, change.sourceID, body))
                }
                if let archived = decision.archived {
                    if archived {
                        archive[kind.name, default: ([], [])].on.append((change.sourceID, change.targetID))
                    } else {
                        archive[kind.name, default: ([], [])].off.append((change.sourceID, change.targetID))
                    }
                }
                if decision.isEmpty, decision.conflicts.isEmpty { summary.count(\.unchanged, kind.name) }
            }
        }
        if !found.recreated.isEmpty { try await repoint(found.recreated, target: target, summary: &summary) }
        try await deleteGone(found, target: target, summary: &summary)
        for (kind, sourceID, body) in blocks {
            if try await send(kind, sourceID, "updated", body, summary: &summary) {
                summary.count(\.updated, kind.name)
            }
        }
        for (name, sets) in archive.sorted(by: { $0.key < $1.key }) {
            guard let kind = catalog.kind(named: name) else { continue }
            try await setArchived(kind, sets.on, true)
            try await setArchived(kind, sets.off, false)
        }
    }

    /// Records the delta did not make that name a record it made again (`preferSource`) still
    /// name the deleted original in the target: the fields that hold it are sent again, with the
    /// new id (a parent through `/move`).
    func repoint(_ recreated: [String: Set<String>], target: Target, summary: inout Summary) async throws {
        for kind in try importOrder() {
            guard case .matchOrCreate = planner.decision(kind) else { continue }
            let moves = kind.supports(.move) ? Set(kind.moveFields).subtracting(["position"]) : []
            try await forEachRecord(kind.name) { object, sourceID in
                guard let entry = try journal.entry(kind.name, sourceID), entry.status == .created,
                    entry.notes.contains(.carried), let targetID = entry.targetID
                else { return }
                var fields = Set<String>()
                var copy = object
                _ = catalog.remapReferences(in: &copy, of: kind) { ref in
                    if ref.naming == .id, ref.optionOfField == nil,
                        ref.targetKinds.contains(where: { recreated[$0]?.contains(ref.value) == true })
                    {
                        fields.insert(Reference.topLevelKey(of: ref.path))
                    }
                    return ref.value
                }
                guard !fields.isEmpty else { return }
                let wanted = try appliedBody(kind, object, target: target)
                var put = JSONObject([.init(key: "_id", value: .string(JSONString(targetID)))])
                var move = put
                for field in fields.sorted() {
                    if moves.contains(field) {
                        move[field] = wanted[field] ?? .null
                    } else {
                        put[field] = wanted[field] ?? .null
                    }
                }
                if move.count > 1, try await send(kind, sourceID, "moved", move, summary: &summary) {
                    summary.count(\.moved, kind.name)
                }
                if put.count > 1, try await send(kind, sourceID, "updated", put, summary: &summary) {
                    summary.count(\.updated, kind.name)
                }
            }
        }
    }

    /// Sends one update or move of a delta, its intent committed first. A refusal is reported
    /// (the record stays as the target has it) and the run goes on; true when applied.
    func send(
        _ kind: ResourceKind, _ sourceID: String, _ action: String, _ body: JSONObject, summary: inout Summary
    ) async throws -> Bool {
        let fields = body.map(\.key).filter { $0 != "_id" }
        let text = JSONValue.array(fields.map { .string(JSONString($0)) }).text
        guard action == "moved" || kind.supports(.update) else {
            try journal.intendChange(
                kind.name, sourceID, action: "failed",
                fields: Self.failureText("\(kind.name) cannot be updated through the API", fields: fields))
            summary.count(\.failed, kind.name)
            return false
        }
        try journal.intendChange(kind.name, sourceID, action: action, fields: text)
        do {
            if action == "moved" {
                _ = try await client.move(kind.name, body: JSONValue.object(body).bytes)
            } else {
                _ = try await client.update(kind.name, body: JSONValue.object(body).bytes)
            }
        } catch let error as APIError {
            switch error.underlying {
            case .validation, .notFound, .forbidden: break
            default: throw error
            }
            try journal.intendChange(
                kind.name, sourceID, action: "failed",
                fields: Self.failureText(error.localizedDescription, fields: fields))
            summary.count(\.failed, kind.name)
            return false
        }
        try journal.changeDone(kind.name, [sourceID], action: action)
        return true
    }

    /// Deletes in the target the records gone from the source, parents first; a target record
    /// changed since the import wrote it is kept as a conflict unless `preferSource`.
    func deleteGone(_ found: Delta, target: Target, summary: inout Summary) async throws {
        // Target ids deleted so far, by kind: what sits under them went to the trash with them.
        var deleted: [String: Set<String>] = [:]
        for kind in try importOrder() {
            guard let gone = found.gone[kind.name], !gone.isEmpty else { continue }
            guard kind.supports(.delete) else {
                for record in gone {
                    try journal.intendChange(
                        kind.name, record.sourceID, action: "failed",
                        fields: Self.failureText(
                            "gone from the source, but \(kind.name) cannot be deleted through the API: delete it in Plutio"
                        ))
                    summary.count(\.failed, kind.name)
                }
                continue
            }
            var ids: [(String, String)] = []
            for record in gone {
                if let current = found.targets[kind.name]?[record.targetID], delta?.preferSource != true,
                    let fields = try changedInTarget(kind, record, current: current, target: target), !fields.isEmpty
                {
                    try journal.intendChange(
                        kind.name, record.sourceID, action: "conflict",
                        fields: Self.conflictText(
                            fields.map { ($0, current[$0] ?? .null, .null) }, deletedInTarget: false))
                    try journal.changeDone(kind.name, [record.sourceID], action: "conflict")
                    summary.count(\.conflicts, kind.name)
                    continue
                }
                try journal.intendChange(kind.name, record.sourceID, action: "deleted", fields: nil)
                if let current = found.targets[kind.name]?[record.targetID], inCascade(kind, current, of: deleted) {
                    // Trashed with its parent: no call.
                    try journal.markDeleted(
                        kind.name, record.sourceID,
                        reason: "gone from the source; deleted with its parent (in the trash)")
                    try journal.changeDone(kind.name, [record.sourceID], action: "deleted")
                    deleted[kind.name, default: []].insert(record.targetID)
                    summary.count(\.deleted, kind.name)
                    continue
                }
                ids.append((record.sourceID, record.targetID))
            }
            for chunk in stride(from: 0, to: ids.count, by: PlutioClient.bulkLimit) {
                let part = Array(ids[chunk..<min(chunk + PlutioClient.bulkLimit, ids.count)])
                try await client.deleteEach(kind.name, ids: part.map(\.1), hasBulk: kind.supports(.bulkDelete))
                for (sourceID, _) in part {
                    try journal.markDeleted(kind.name, sourceID, reason: "gone from the source; deleted (in the trash)")
                    summary.count(\.deleted, kind.name)
                }
                try journal.changeDone(kind.name, part.map(\.0), action: "deleted")
                deleted[kind.name, default: []].formUnion(part.map(\.1))
            }
        }
    }

    /// Whether a target record sits under one deleted already, so that the target's cascade
    /// (contract §5.1) trashed it with that one.
    func inCascade(_ kind: ResourceKind, _ record: JSONObject, of deleted: [String: Set<String>]) -> Bool {
        catalog.kinds.contains { parent in
            guard let ids = deleted[parent.name], !ids.isEmpty else { return false }
            return parent.cascade.contains { rule in
                guard rule.kind == kind.name, let id = record[rule.field]?.stringValue, ids.contains(id) else {
                    return false
                }
                guard let typeKey = rule.typeKey else { return true }
                return record[typeKey]?.stringValue == parent.slug(of: .object(record))
                    || record[typeKey]?.stringValue == parent.slug
            }
        }
    }

    /// The fields a target record holds other than the import wrote them, when it was changed
    /// since (nil: not touched since).
    func changedInTarget(
        _ kind: ResourceKind, _ record: Gone, current: JSONObject, target: Target
    ) throws
        -> [String]?
    {
        guard Self.isNewer(current["updatedAt"]?.stringValue, than: record.writtenAt) else { return nil }
        let written = try appliedBody(kind, record.old, target: target)
        let rewritten = Self.rewrittenByServer(kind).union(["blocks"])
        return written.map(\.key).filter { field in
            !rewritten.contains(field) && !Self.equivalent(written[field] ?? .null, current[field] ?? .null)
        }.sorted()
    }

    /// Archives or unarchives records whose archived state changed at the source.
    func setArchived(_ kind: ResourceKind, _ records: [(String, String)], _ archived: Bool) async throws {
        guard !records.isEmpty else { return }
        let action = archived ? "archived" : "unarchived"
        for (sourceID, _) in records { try journal.intendChange(kind.name, sourceID, action: action, fields: nil) }
        let ids = records.map(\.1)
        if kind.supports(.archive) {
            try await client.archive(kind.name, ids: ids, archived: archived)
        } else {
            try await client.updateEach(
                kind.name, ids: ids, fields: ["isArchived": .bool(archived)], hasBulk: kind.supports(.bulkUpdate))
        }
        try journal.changeDone(kind.name, records.map(\.0), action: action)
    }

    /// The report's text for a change that failed: why, and the fields it would have sent.
    static func failureText(_ reason: String, fields: [String]? = nil) -> String {
        var object = JSONObject([.init(key: "reason", value: .string(JSONString(reason)))])
        if let fields { object["fields"] = .array(fields.map { .string(JSONString($0)) }) }
        return JSONValue.object(object).text
    }

    /// The report's text for a conflict: each field with the target's and the source's value.
    static func conflictText(
        _ fields: [(field: String, target: JSONValue, source: JSONValue)], deletedInTarget: Bool
    ) -> String {
        if deletedInTarget {
            return
                #"{"reason":"deleted in the target since the import wrote it; not created again (--prefer source does)"}"#
        }
        let items: [JSONValue] = fields.map { item in
            .object(
                JSONObject([
                    .init(key: "field", value: .string(JSONString(item.field))),
                    .init(key: "target", value: item.target), .init(key: "source", value: item.source),
                ]))
        }
        let reason = "changed in the target since the import wrote it; kept (--prefer source takes the source's values)"
        return JSONValue.object(
            JSONObject([
                .init(key: "reason", value: .string(JSONString(reason))), .init(key: "fields", value: .array(items)),
            ])
        ).text
    }
}

extension Importer {
    /// Keeps each archived record as applied, for the next delta to compare with: every row's
    /// source record, and for those this run wrote, when it ended by the server's clock. A record
    /// left in conflict keeps the version the import last applied, so that the next delta finds
    /// the conflict again (and `--prefer source` can still settle it).
    package func rememberSources() throws {
        let changes = try journal.changes()
        let conflicted = Set(changes.filter { $0.action == "conflict" }.map { $0.kind + "/" + $0.sourceID })
        let writes: Set<String> = ["updated", "moved", "archived", "unarchived"]
        let written = Set(changes.filter { writes.contains($0.action) && $0.done }.map { $0.kind + "/" + $0.sourceID })
        let stamp = Timestamp.string(client.serverNow())
        for kind in catalog.kinds {
            let url = scratch.appendingPathComponent("\(kind.name).ndjson")
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let rows = try journal.applied(kind.name, sources: false)
            var records: [(sourceID: String, bytes: [UInt8], written: Bool)] = []
            try NDJSONFile.forEachLine(url) { line in
                guard let id = NDJSONFile.id(of: line), let row = rows[id], row.status != .intent,
                    !conflicted.contains(kind.name + "/" + id)
                else { return }
                let made = row.status == .created && !row.notes.contains(.carried)
                records.append((id, line, made || written.contains(kind.name + "/" + id)))
            }
            try journal.remember(kind.name, records, writtenAt: stamp)
        }
    }
}
