import Archive
import Basics
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import StateStore

/// Creating records: one kind at a time, in the archive's order, each body remapped.
extension Importer {
    /// Fields that put a record under another of its own kind (§9.3): a kind with one is created
    /// top-down, parents before children, since PUT may not change a parent (§4.8).
    static let treeFields = ["file-folders": "parentFolderId", "wiki-entities": "parentId"]

    /// Which records of a kind a pass creates: blocks owned by a template row wait until the
    /// template rows exist (a block body and its template row point at each other), and blocks
    /// of a document that cannot be updated are made in the document's order (§9.3).
    enum Phase {
        case all
        case templateBlocks
        case pageBlocks
        case otherBlocks

        /// Owners whose `blocks[]` cannot be PUT (§4.6): their blocks are made in order instead.
        static let unorderedOwners: Set<String> = ["dashboard-page"]

        func includes(_ kind: ResourceKind, _ object: JSONObject) -> Bool {
            guard kind.name == "blocks" else { return self == .all }
            let owner = object["entityType"]?.stringValue ?? ""
            switch self {
            case .all: return true
            case .templateBlocks: return owner == "template"
            case .pageBlocks: return Self.unorderedOwners.contains(owner)
            case .otherBlocks: return owner != "template" && !Self.unorderedOwners.contains(owner)
            }
        }
    }

    /// Creates the blocks of documents that cannot be updated (dashboard pages) in each
    /// document's `blocks[]` order, then any such block no document lists.
    func createPageBlocks(_ blocks: ResourceKind, target: inout Target, summary: inout Summary) async throws {
        var held: [String: JSONObject] = [:]
        try await forEachRecord(blocks.name) { object, id in
            if Phase.pageBlocks.includes(blocks, object) { held[id] = object }
        }
        var order: [String] = []
        for owner in ["dashboard-pages"] {
            try await forEachRecord(owner) { page, _ in
                order += (page["blocks"]?.arrayValue ?? []).compactMap(\.stringValue).filter { held[$0] != nil }
            }
        }
        order += held.keys.filter { !order.contains($0) }.sorted()
        var spare: [String: [String]] = [:]
        var done = 0
        for id in order {
            guard let object = held.removeValue(forKey: id), try !isSettled(blocks, id, object, target: &target)
            else { continue }
            defer { advance(blocks.name, .create, &done) }
            try await createOne(blocks, object, id, target: &target, spare: &spare, summary: &summary)
        }
    }

    /// Whether a create made a file a link to its source URL (§6): the binary stays in the archive.
    static func madeLink(_ kind: ResourceKind, source: JSONObject, made: JSONObject) -> Bool {
        kind.name == "files" && source["type"]?.stringValue != made["type"]?.stringValue
    }

    /// The note of a record whose create lost its answer and was found applied.
    static let foundNote = "its create lost its answer; found applied in the target"

    /// Lost answers a create may meet, each followed by a lookup, before the run stops.
    static let lostAnswersPerCreate = 3

    func createAll(
        _ kind: ResourceKind, phase: Phase = .all, target: inout Target, summary: inout Summary
    ) async throws {
        var done = 0
        let treeField = Self.treeFields[kind.name]
        // A tree kind's ids, to tell a parent still to come from one that is not in the archive.
        var inArchive = Set<String>()
        if treeField != nil { try await forEachRecord(kind.name) { _, id in inArchive.insert(id) } }
        var spare = try await spareRecords(kind)
        var force = false
        while true {
            var waiting = 0
            var made = 0
            try await forEachRecord(kind.name) { object, sourceID in
                guard phase.includes(kind, object), try !isSettled(kind, sourceID, object, target: &target) else {
                    return
                }
                // A parent still to come (or to be created again after a lost answer) is waited for.
                if let treeField, !force, let parent = object[treeField]?.stringValue, inArchive.contains(parent),
                    try !isSettled(kind, parent)
                {
                    waiting += 1
                    return
                }
                defer { advance(kind.name, .create, &done) }
                try await createOne(kind, object, sourceID, target: &target, spare: &spare, summary: &summary)
                made += 1
            }
            if waiting == 0 { break }
            // Parents that never come (a cycle): what waits is created without them, and reported.
            if made == 0 { force = true }
        }
        // What the target made that no source record took goes (boards of projects that had none).
        let unused = spare.values.flatMap { $0 }
        try await client.deleteEach(kind.name, ids: unused, hasBulk: kind.supports(.bulkDelete))
    }

    /// Records a target may make by itself under a new parent (§10: a default board "Tasks" with
    /// a group on every new project), with the field that names the parent and its kind.
    static let madeWithParent = [
        "task-boards": ("projectId", "projects"), "task-groups": ("taskBoardId", "task-boards"),
    ]

    /// The target's records of a kind that sit under a parent this import made and stand for no
    /// source record: made by the target itself. By parent (target id). A parent matched onto a
    /// record the target had (a live project a restore links to) has no spare records: its
    /// boards are its own.
    func spareRecords(_ kind: ResourceKind) async throws -> [String: [String]] {
        guard let (field, parentKind) = Self.madeWithParent[kind.name] else { return [:] }
        // A delta that made no parent of this kind has no spare records to look for.
        if delta != nil, try !journal.createdHere(parentKind) { return [:] }
        var out: [String: [String]] = [:]
        for try await record in client.records(of: kind.name) {
            guard case .object(let object) = try record.parsed(), let parent = object[field]?.stringValue,
                try journal.isCreated(parentKind, targetID: parent),
                try !journal.isMapped(kind.name, targetID: record.id)
            else { continue }
            out[parent, default: []].append(record.id)
        }
        return out
    }

    /// Whether a record was settled by an earlier run (refused ones too); an intent the
    /// reconciliation could not find is created again.
    func isSettled(_ kind: ResourceKind, _ sourceID: String, _ object: JSONObject, target: inout Target) throws -> Bool
    {
        guard try isSettled(kind, sourceID) else { return false }
        // A role the target has now (made or matched) resolves people's slugs; a skipped one does not.
        if kind.name == "roles", let slug = object["slug"]?.stringValue,
            [.created, .matched].contains(try journal.entry(kind.name, sourceID)?.status)
        {
            target.roleSlugs.insert(slug)
        }
        return true
    }

    func isSettled(_ kind: ResourceKind, _ sourceID: String) throws -> Bool {
        guard let entry = try journal.entry(kind.name, sourceID) else { return false }
        // A record a delta deleted that the source has again (taken back from its trash) is made anew.
        return entry.status != .intent && entry.status != .deleted
            && !(entry.status == .failed && entry.notes.contains(.createAgain))
    }

    func createOne(
        _ kind: ResourceKind, _ object: JSONObject, _ sourceID: String, target: inout Target,
        spare: inout [String: [String]], summary: inout Summary
    ) async throws {
        if try settleWithoutCreate(kind, object, sourceID, target: target, summary: &summary) { return }
        var (body, dropped) = try createBody(kind, object, target: target)
        if let field = lostRequirement(kind, body, dropped: dropped) {
            try journal.settle(
                kind.name, sourceID, status: .dangling, targetID: nil,
                reason: lostRequirementReason(kind, field, target: target), dropped: dropped)
            summary.count(\.skipped, kind.name)
            return
        }
        for path in dropped { summary.dropped[path, default: 0] += 1 }
        if kind.name == "blocks", try await tookDefaultBlock(object, sourceID, body: body, dropped: dropped) {
            summary.count(\.created, kind.name)
            return
        }
        if try await tookSpare(kind, sourceID, body: body, dropped: dropped, spare: &spare) {
            summary.count(\.created, kind.name)
            return
        }
        guard
            let sent = try await send(
                kind, sourceID, body: &body, dropped: dropped, target: target, summary: &summary)
        else { return }
        if kind.name == "custom-fields" {
            try mapOptions(source: object, targetOptions: Self.optionsByLabel(sent.made))
        }
        let note = [notes(kind, source: object, made: sent.made, found: sent.found)].compactMap { $0 } + sent.notes
        try journal.created(
            kind.name, sourceID, targetID: sent.id, dropped: dropped,
            reason: note.isEmpty ? nil : note.joined(separator: "; "),
            notes: Self.madeLink(kind, source: object, made: sent.made) ? .linkToSourceURL : [],
            defaults: defaultBlocks(kind, sent.made))
        if kind.name == "roles", let slug = object["slug"]?.stringValue { target.roleSlugs.insert(slug) }
        summary.count(\.created, kind.name)
    }

    /// Settles a record that is not created: matched onto the target's own, a role or an owner
    /// the target will not let be checked, a block of a block group. True when settled.
    func settleWithoutCreate(
        _ kind: ResourceKind, _ object: JSONObject, _ sourceID: String, target: Target, summary: inout Summary
    ) throws -> Bool {
        if let key = planner.matchKey(kind, object), let targetID = target.keys[kind.name]?[key] {
            // Options first: a crash between the two leaves the field unsettled, so it is mapped again.
            if kind.name == "custom-fields" {
                try mapOptions(source: object, targetOptions: target.options[targetID] ?? [:])
            }
            // A business has one owner: the source's maps onto the target's, whatever their emails (§4.8).
            let reason = key == "owner" ? "the source's owner maps onto the target's owner" : nil
            try journal.settle(kind.name, sourceID, status: .matched, targetID: targetID, reason: reason)
            summary.count(\.matched, kind.name)
            return true
        }
        if kind.name == "roles", target.unlistable.contains("roles") {
            try settleUnseenRole(object, sourceID, summary: &summary)
            return true
        }
        // A business has one owner (§4.8): without the target's people, the source's owner cannot
        // be matched onto the target's, and is not made a second time.
        if kind.name == "people", target.unlistable.contains("people"), planner.matchKey(kind, object) == "owner" {
            try journal.settle(
                kind.name, sourceID, status: .skipped, targetID: nil,
                reason: "the target will not list people, so the source's owner cannot be matched onto the target's "
                    + "owner; a business has one owner, so it is not created")
            summary.count(\.skipped, kind.name)
            return true
        }
        if kind.name == "blocks", object["entityType"]?.stringValue == "blocks-group" {
            try journal.settle(
                kind.name, sourceID, status: .dangling, targetID: nil,
                reason: "belongs to a block group: block groups are matched by title, never rebuilt")
            summary.count(\.skipped, kind.name)
            return true
        }
        return false
    }

    /// The target made one under this record's parent already (`madeWithParent`): it becomes
    /// this record. When the target refuses that, it stays spare (deleted at the end). True when
    /// taken.
    func tookSpare(
        _ kind: ResourceKind, _ sourceID: String, body: JSONObject, dropped: [String], spare: inout [String: [String]]
    ) async throws -> Bool {
        guard let field = Self.madeWithParent[kind.name]?.0, let parent = body[field]?.stringValue,
            let made = spare[parent]?.first
        else { return false }
        spare[parent]?.removeFirst()
        if try await overwrite(kind.name, made, with: body) {
            try journal.created(
                kind.name, sourceID, targetID: made, dropped: dropped,
                reason: "took the place of the one the target made with its \(field.dropLast(2))")
            return true
        }
        spare[parent, default: []].append(made)
        return false
    }

    /// The least privileged baseline role: what a person gets when its own role cannot be
    /// checked and the target refuses it.
    static let fallbackRole = "client"

    /// A person's role slug that the target would not let us check (roles unlistable), if any.
    func unseenRole(_ body: JSONObject, _ target: Target) -> String? {
        guard target.rolesUnverified, let role = body["role"]?.stringValue,
            !Self.baselineRoles.contains(role), role != Self.fallbackRole
        else { return nil }
        return role
    }

    /// Roles when the target will not list them (§11.17): the baseline five are taken as there
    /// (§4.8); another role is not created, since whether the target has it cannot be told and a
    /// second copy could not be taken back. People send its slug as it is.
    func settleUnseenRole(_ object: JSONObject, _ sourceID: String, summary: inout Summary) throws {
        let slug = object["slug"]?.stringValue ?? ""
        if Self.baselineRoles.contains(slug) {
            try journal.settle(
                "roles", sourceID, status: .matched, targetID: nil,
                reason: "the target will not list roles: taken as its baseline role \(slug) (§4.8)")
            summary.count(\.matched, "roles")
        } else {
            try journal.settle(
                "roles", sourceID, status: .skipped, targetID: nil,
                reason: "not created: the target will not list roles, so whether it has \(slug) already cannot be "
                    + "told; people with it are sent with it (as \(Self.fallbackRole) where the target refuses it)")
            summary.count(\.skipped, "roles")
        }
    }

    /// Why a record cannot be created without a reference that resolved nowhere.
    func lostRequirementReason(_ kind: ResourceKind, _ field: String, target: Target) -> String {
        let targets = catalog.references(of: kind).filter { Reference.topLevelKey(of: $0.path) == field }
            .flatMap(\.to)
        if let unseen = targets.first(where: target.unlistable.contains) {
            return "not created: its \(field) names a \(unseen) record the target will not list, so it cannot be "
                + "matched there"
        }
        return "not created: its \(field) names a record that is neither in the archive nor in the target "
            + "(trashed or deleted at the source)"
    }

    /// A required field (§4.7) left empty because its reference resolved nowhere, if any.
    func lostRequirement(_ kind: ResourceKind, _ body: JSONObject, dropped: [String]) -> String? {
        let lost = Set(dropped.map { Reference.topLevelKey(of: $0) })
        return kind.required.first { group in
            group.allSatisfy { body[$0] == nil || body[$0] == .null } && group.contains(where: lost.contains)
        }?.first
    }

    /// The blocks the server made with a new document (§4.5), typed by the catalogue's order.
    func defaultBlocks(_ kind: ResourceKind, _ made: JSONObject) -> [(type: String, id: String)] {
        guard let defaults = kind.defaultBlocks, let ids = made["blocks"]?.arrayValue?.compactMap(\.stringValue) else {
            return []
        }
        return zip(defaults.types, ids).map { ($0, $1) }
    }

    /// A source block whose document got a default block of its type takes that block: a PUT of
    /// its content instead of a create, so the document ends with exactly its archived blocks.
    func tookDefaultBlock(
        _ object: JSONObject, _ sourceID: String, body: JSONObject, dropped: [String]
    ) async throws
        -> Bool
    {
        guard let owner = body["entityId"]?.stringValue, let type = object["type"]?.stringValue,
            let block = try journal.unusedDefault(owner: owner, type: type)
        else { return false }
        // A default block the target will not let take this content stays unused (deleted later).
        guard try await overwrite("blocks", block, with: body) else { return false }
        try journal.tookDefault("blocks", sourceID, blockID: block, dropped: dropped, reason: nil)
        return true
    }

    /// PUTs a create body onto a record the target made by itself; false when the target refuses
    /// (then the record is created instead).
    func overwrite(_ kind: String, _ id: String, with body: JSONObject) async throws -> Bool {
        var update = JSONObject([.init(key: "_id", value: .string(id))])
        for member in body where member.key != "_id" { update[member.key] = member.value }
        do {
            _ = try await client.update(kind, body: JSONValue.object(update).bytes)
            return true
        } catch let error as APIError {
            switch error.underlying {
            case .validation, .notFound, .forbidden: return false
            default: throw error
            }
        }
    }

    /// What the target did not take as sent, for the report: lifecycle states it keeps its own
    /// (sent, paid, signed, active), template flags it dropped, files that became links, and
    /// task numbers it assigned anew.
    /// `found`: the create's answer was lost and a lookup found the record it made.
    func notes(_ kind: ResourceKind, source: JSONObject, made: JSONObject, found: Bool = false) -> String? {
        var notes: [String] = []
        if found { notes.append(Self.foundNote) }
        for field in Self.rewrittenByServer(kind).subtracting(["options", "type", "handle"]).sorted() {
            let was = source[field] ?? .null
            let now = made[field] ?? .null
            if was != now, !(was == .null && now == .bool(false)), !(was == .bool(false) && now == .null) {
                notes.append("\(field) \(was.text) not reproduced: the target has \(now.text)")
            }
        }
        if kind.defaultBlocks == nil, catalog.references(of: kind).contains(where: { $0.path == "blocks[]" }),
            !kind.supports(.update), source["blocks"]?.arrayValue?.isEmpty == false
        {
            notes.append("cannot be updated: its blocks are created in its order, which a server may not keep")
        }
        if kind.name == "automations" {
            notes.append("ids inside nodes and edges are kept as in the source (§4.6): check the automation")
        }
        if Self.madeLink(kind, source: source, made: made) { notes += ImportJournal.Notes.linkToSourceURL.text }
        if kind.name == "tasks", let number = Catalog.numberFields[kind.name], let was = source[number],
            let now = made[number], was != now
        {
            notes.append("renumbered: task \(was.text) is \(now.text) in the target")
        }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// Maps a source custom field's option ids onto the target field's, by label.
    func mapOptions(source: JSONObject, targetOptions: [String: String]) throws {
        for (label, sourceOption) in Self.optionsByLabel(source) {
            guard let targetOption = targetOptions[label] else { continue }
            try journal.settle(
                "custom-field-options", sourceOption, status: .matched, targetID: targetOption, reason: nil)
        }
    }
}
