import Archive
import Basics
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import Session
import StateStore

/// What a delta import does with a newer archive of the source than the run it builds on.
public struct DeltaOptions: Sendable, Equatable {
    /// Records gone from the source stay in the target (`--keep-deleted`).
    public var keepDeleted = false
    /// Conflicts take the source's side (`--prefer source`): a target record changed since the
    /// import wrote it is overwritten, one deleted there is created again.
    public var preferSource = false

    public init(keepDeleted: Bool = false, preferSource: Bool = false) {
        self.keepDeleted = keepDeleted
        self.preferSource = preferSource
    }
}

/// A delta (issue 21): the journal's rows came over from the run this one builds on, each with
/// the source record as it was applied. Records new at the source are created by the ordinary
/// passes; this part finds the records the source changed or lost, reads their target records
/// (100 ids a call), and sends only what changed: a PUT of the changed fields, `/move` for a
/// changed parent, a delete for a record gone from the source, `/bulk/archive` for a changed
/// archived state.
///
/// Conflicts: a field the target changed since the import wrote it (its `updatedAt` is newer than
/// the end of the run that wrote it, and the field holds neither what the import wrote nor the
/// source's new value) is kept and reported, unless `preferSource`. Crash safety comes from the
/// same comparison: a rerun reads the target again, and a field that already holds the source's
/// new value is not sent again, so an update, move or delete applied before a kill is not a
/// conflict on resume.
extension Importer {
    /// A record the source changed since the run that last applied it.
    struct Changed {
        var sourceID: String
        var targetID: String
        var old: JSONObject
        var new: JSONObject
        /// Top-level fields whose values differ (server-owned ones and `updatedAt` left out).
        var fields: [String]
        var writtenAt: String?
    }

    /// A record the journal created that the source no longer has (trashed or deleted there).
    struct Gone {
        var sourceID: String
        var targetID: String
        var old: JSONObject
        var writtenAt: String?
    }

    /// What a delta found before it writes, by kind.
    struct Delta {
        var changed: [String: [Changed]] = [:]
        var gone: [String: [Gone]] = [:]
        /// Records new at the source (created by the ordinary passes).
        var new: [String: Int] = [:]
        /// Their ids, by kind.
        var newIDs: [String: Set<String>] = [:]
        var unchanged: [String: Int] = [:]
        /// Gone records left in the target (`--keep-deleted`).
        var kept: [String: Int] = [:]
        /// Changed records deleted in the target since (conflicts found before any write).
        var conflicted: [String: Int] = [:]
        /// Changed and gone records of kinds the target would not let be read: not applied.
        var refused: [String: Int] = [:]
        /// Records made again (`preferSource`), by kind, with what sat under them.
        var recreated: [String: Set<String>] = [:]
        /// The target records of changed and gone records, by kind and target id.
        var targets: [String: [String: JSONObject]] = [:]
        /// Calls the target reads made.
        var reads = 0
    }

    /// Fields a delta never compares or sends: the server's own, derived ones, and values the
    /// target keeps its own way (task numbers, a file's stored binary, template flags).
    func deltaIgnored(_ kind: ResourceKind) -> Set<String> {
        var out = Catalog.serverOwnedFields.union(Catalog.derivedFields[kind.name] ?? [])
        out.insert("isTemplate")
        if kind.name == "tasks", let number = Catalog.numberFields[kind.name] { out.insert(number) }
        if kind.name == "files", !keepsFileHandles { out.formUnion(["type", "handle"]) }
        return out
    }

    /// The top-level fields whose values differ between two versions of a source record.
    func changedFields(_ kind: ResourceKind, _ old: JSONObject, _ new: JSONObject) -> [String] {
        let ignored = deltaIgnored(kind)
        var keys = Set(old.map(\.key))
        keys.formUnion(new.map(\.key))
        return keys.subtracting(ignored).filter { (old[$0] ?? .null) != (new[$0] ?? .null) }.sorted()
    }

    /// Compares the archive's records with the journal's, kind by kind, and reads the target
    /// records of those changed or gone. With `writes` (a run, not a plan), rows are settled on
    /// the way: a record refused before that changed since is forgotten (created in its turn),
    /// one gone from both sides is marked deleted, and one changed at the source but deleted in
    /// the target is reported as a conflict (or forgotten, so created again, with `preferSource`).
    ///
    /// `ownRows`: the journal is this delta's own (its rows carried over, some settled by this
    /// run); false when a plan compares with the rows of the run a delta would build on.
    func findDelta(extracted: Set<String>, target: Target, writes: Bool, ownRows: Bool = true) async throws -> Delta {
        guard let options = delta else { return Delta() }
        var out = Delta()
        let reader = RecordsByID(client: client, catalog: catalog)
        // Records made again (`preferSource`), by kind: what sat under them in the target went to
        // its trash with them (contract §5.1), so it is made again too.
        var recreated: [String: Set<String>] = [:]
        for kind in try importOrder() where kinds?.contains(kind.name) ?? true {
            guard case .matchOrCreate = planner.decision(kind) else { continue }
            let rows = try journal.applied(kind.name)
            let parents = catalog.kinds.flatMap { parent in
                parent.cascade.filter { $0.kind == kind.name && parent.name != kind.name }.map {
                    (parent.name, $0.field)
                }
            }
            var seen = Set<String>()
            var changed: [Changed] = []
            let url = scratch.appendingPathComponent("\(kind.name).ndjson")
            if extracted.contains(kind.name) {
                try NDJSONFile.forEachLine(url) { line in
                    guard let id = NDJSONFile.id(of: line) else { return }
                    seen.insert(id)
                    guard let row = rows[id] else {
                        out.new[kind.name, default: 0] += 1
                        out.newIDs[kind.name, default: []].insert(id)
                        return
                    }
                    // Rows this run settled already (a resumed delta) hold the new version.
                    guard row.notes.contains(.carried) || !ownRows else { return }
                    if !recreated.isEmpty, [.created, .failed].contains(row.status),
                        case .object(let new) = try JSONValue.parse(line),
                        parents.contains(where: { recreated[$0.0]?.contains(new[$0.1]?.stringValue ?? "") == true })
                    {
                        if writes { try journal.forget(kind.name, id) }
                        recreated[kind.name, default: []].insert(id)
                        out.new[kind.name, default: 0] += 1
                        out.newIDs[kind.name, default: []].insert(id)
                        return
                    }
                    switch row.status {
                    case .created,
                        .failed where row.targetID != nil:
                        guard let targetID = row.targetID, let before = row.source, before != line,
                            case .object(let old) = try JSONValue.parse(before),
                            case .object(let new) = try JSONValue.parse(line)
                        else {
                            out.unchanged[kind.name, default: 0] += 1
                            return
                        }
                        let fields = changedFields(kind, old, new)
                        if fields.isEmpty {
                            out.unchanged[kind.name, default: 0] += 1
                        } else {
                            changed.append(
                                Changed(
                                    sourceID: id, targetID: targetID, old: old, new: new, fields: fields,
                                    writtenAt: row.writtenAt))
                        }
                    case .deleted:
                        // Taken back from the source's trash: created again.
                        out.new[kind.name, default: 0] += 1
                        out.newIDs[kind.name, default: []].insert(id)
                    case .dangling, .failed:
                        // Not made before; a changed version is tried again.
                        if let before = row.source, before != line {
                            if writes { try journal.forget(kind.name, id) }
                            out.new[kind.name, default: 0] += 1
                            out.newIDs[kind.name, default: []].insert(id)
                        } else {
                            out.unchanged[kind.name, default: 0] += 1
                        }
                    case .matched, .skipped, .intent:
                        out.unchanged[kind.name, default: 0] += 1
                    }
                }
            }
            var gone: [Gone] = []
            // A kind the export did not read to its end (or did not read at all) says nothing of
            // what is gone.
            if !incompleteKinds.contains(kind.name), manifestKinds.contains(kind.name) {
                for (id, row) in rows.sorted(by: { $0.key < $1.key }) where !seen.contains(id) {
                    guard row.notes.contains(.carried) || !ownRows, [.created, .failed].contains(row.status),
                        let targetID = row.targetID
                    else { continue }
                    if options.keepDeleted {
                        out.kept[kind.name, default: 0] += 1
                        continue
                    }
                    var old = JSONObject()
                    if let bytes = row.source, case .object(let object) = try JSONValue.parse(bytes) { old = object }
                    gone.append(Gone(sourceID: id, targetID: targetID, old: old, writtenAt: row.writtenAt))
                }
            }
            guard !changed.isEmpty || !gone.isEmpty else { continue }
            let ids = Set(changed.map(\.targetID) + gone.map(\.targetID))
            let before = client.callsMade
            let current: [String: JSONObject]
            do { current = try await reader.records(kind.name, ids) } catch let error as APIError where error.isRefusal
            {
                // Without the target's records nothing of the kind is changed on a guess.
                out.refused[kind.name] = changed.count + gone.count
                if writes {
                    let reason = JSONValue.string(
                        JSONString(
                            "the target will not list \(kind.name) (\(error.localizedDescription)), so this change "
                                + "could not be checked against it and was not applied"))
                    for id in changed.map(\.sourceID) + gone.map(\.sourceID) {
                        try journal.intendChange(kind.name, id, action: "failed", fields: "{\"reason\":\(reason.text)}")
                    }
                }
                continue
            }
            out.reads += client.callsMade - before
            out.targets[kind.name] = current
            var kept: [Changed] = []
            for change in changed {
                if current[change.targetID] != nil {
                    kept.append(change)
                    continue
                }
                // Deleted in the target since the import wrote it.
                if writes {
                    if options.preferSource {
                        try journal.intendChange(kind.name, change.sourceID, action: "recreated", fields: nil)
                        try journal.changeDone(kind.name, [change.sourceID], action: "recreated")
                        try journal.forget(kind.name, change.sourceID)
                    } else {
                        try journal.intendChange(
                            kind.name, change.sourceID, action: "conflict",
                            fields: Self.conflictText([], deletedInTarget: true))
                        try journal.changeDone(kind.name, [change.sourceID], action: "conflict")
                    }
                }
                if options.preferSource {
                    out.new[kind.name, default: 0] += 1
                    out.newIDs[kind.name, default: []].insert(change.sourceID)
                    recreated[kind.name, default: []].insert(change.sourceID)
                } else {
                    out.conflicted[kind.name, default: 0] += 1
                }
            }
            var left: [Gone] = []
            for record in gone {
                if current[record.targetID] != nil {
                    left.append(record)
                } else if writes {
                    // Gone from both sides (deleted by a killed run of this delta, or in the target).
                    try journal.markDeleted(
                        kind.name, record.sourceID, reason: "gone from the source; already gone from the target")
                    try journal.changeDone(kind.name, [record.sourceID], action: "deleted")
                }
            }
            if !kept.isEmpty { out.changed[kind.name] = kept }
            if !left.isEmpty { out.gone[kind.name] = left }
        }
        out.recreated = recreated
        return out
    }

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
            for change in found.changed[kind.name] ?? [] {
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
                fields: "{\"fields\":\(text),\"reason\":\"\(kind.name) cannot be updated through the API\"}")
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
            let reason = JSONValue.string(JSONString(error.localizedDescription)).text
            try journal.intendChange(
                kind.name, sourceID, action: "failed", fields: "{\"fields\":\(text),\"reason\":\(reason)}")
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
                        fields:
                            "{\"reason\":\"gone from the source, but \(kind.name) cannot be deleted through the API: delete it in Plutio\"}"
                    )
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
            let rows = try journal.applied(kind.name)
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

extension Importer {
    /// What a delta will do and cost (see `DeltaPlan`), from the archive's records extracted to
    /// the scratch directory; reads the target (step 0 and the records the delta touches) and
    /// writes nothing.
    package func planDelta(archive: URL, base: String, ownRows: Bool) async throws -> DeltaPlan {
        try makePrivateDirectory(scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var importer = self
        let manifest = try ArchiveVerifier.manifest(of: archive)
        importer.archiveLacksRoles = manifest.kinds["roles"]?.complete == false
        importer.incompleteKinds = Set(manifest.kinds.filter { !$0.value.complete }.keys)
        importer.manifestKinds = Set(manifest.kinds.keys)
        return try await importer.planDelta(extracted: try importer.extract(archive), base: base, ownRows: ownRows)
    }

    func planDelta(extracted: Set<String>, base: String, ownRows: Bool) async throws -> DeltaPlan {
        let before = client.callsMade
        var target = try await readTarget()
        target.optionFields = try await optionFields()
        let found = try await findDelta(extracted: extracted, target: target, writes: false, ownRows: ownRows)
        var plan = DeltaPlan(base: base)
        plan.targetReads = client.callsMade - before
        var deleted: [String: Set<String>] = [:]
        for kind in try importOrder() where extracted.contains(kind.name) || found.gone[kind.name] != nil {
            var line = DeltaPlan.Kind(kind: kind.name, records: 0)
            let new = found.newIDs[kind.name] ?? []
            var followUps = 0
            let url = scratch.appendingPathComponent("\(kind.name).ndjson")
            if extracted.contains(kind.name) {
                try NDJSONFile.forEachLine(url) { bytes in
                    line.records += 1
                    guard let id = NDJSONFile.id(of: bytes), new.contains(id) else { return }
                    followUps += bytes.withUnsafeBytes { buffer in
                        (try? JSONValidator.validate(buffer)).map { planner.followUps(kind, $0) } ?? 0
                    }
                }
            }
            if case .matchOrCreate = planner.decision(kind) {} else { continue }
            line.create = found.new[kind.name] ?? 0
            line.conflicts = found.conflicted[kind.name] ?? 0
            line.kept = found.kept[kind.name] ?? 0
            line.unchanged = found.unchanged[kind.name] ?? 0
            var archives = 0
            for change in found.changed[kind.name] ?? [] {
                guard let current = found.targets[kind.name]?[change.targetID] else { continue }
                let decision = try decide(kind, change, current: current, target: target)
                if !decision.conflicts.isEmpty { line.conflicts += 1 }
                if decision.put.count > 0 || decision.blocks != nil { line.update += 1 }
                if decision.put.count > 0, decision.blocks != nil { line.calls += 1 }
                if decision.move.count > 0 { line.move += 1 }
                if decision.archived != nil { archives += 1 }
                if decision.isEmpty, decision.conflicts.isEmpty { line.unchanged += 1 }
            }
            line.archive = archives
            var deletes = 0
            for record in found.gone[kind.name] ?? [] {
                guard let current = found.targets[kind.name]?[record.targetID] else { continue }
                if delta?.preferSource != true,
                    let fields = try changedInTarget(kind, record, current: current, target: target), !fields.isEmpty
                {
                    line.conflicts += 1
                    continue
                }
                line.delete += 1
                deleted[kind.name, default: []].insert(record.targetID)
                if !inCascade(kind, current, of: deleted) { deletes += 1 }
            }
            let hundreds = kind.supports(.archive) || kind.supports(.bulkUpdate) || client.takesBulk(kind.name)
            line.calls += line.create + followUps + line.update + line.move
            line.calls += hundreds ? (archives + 99) / 100 : archives
            line.calls +=
                kind.supports(.bulkDelete) || client.takesBulk(kind.name, deletes: true)
                ? (deletes + 99) / 100 : deletes
            // Boards and groups a target makes with new projects, and companies' links, are read once.
            if line.create > 0, Self.madeWithParent[kind.name] != nil || kind.name == "companies" {
                plan.targetReads += 1
            }
            plan.kinds.append(line)
        }
        return plan
    }
}
