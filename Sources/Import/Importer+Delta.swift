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
                    let reason = Self.failureText(
                        "the target will not list \(kind.name) (\(error.localizedDescription)), so this change "
                            + "could not be checked against it and was not applied")
                    for id in changed.map(\.sourceID) + gone.map(\.sourceID) {
                        try journal.intendChange(kind.name, id, action: "failed", fields: reason)
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
}
