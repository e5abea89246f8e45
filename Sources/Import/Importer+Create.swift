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

    /// The note of a file recreated as a link (§6).
    package static let linkNote = "recreated as a link to the source URL; the binary stays in the archive"

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
        return entry.status != .intent && !(entry.status == .failed && entry.reason == Self.retryReason)
    }

    func createOne(
        _ kind: ResourceKind, _ object: JSONObject, _ sourceID: String, target: inout Target,
        spare: inout [String: [String]], summary: inout Summary
    ) async throws {
        if let key = planner.matchKey(kind, object), let targetID = target.keys[kind.name]?[key] {
            // Options first: a crash between the two leaves the field unsettled, so it is mapped again.
            if kind.name == "custom-fields" {
                try mapOptions(source: object, targetOptions: target.options[targetID] ?? [:])
            }
            // A business has one owner: the source's maps onto the target's, whatever their emails (§4.8).
            let reason = key == "owner" ? "the source's owner maps onto the target's owner" : nil
            try journal.settle(kind.name, sourceID, status: .matched, targetID: targetID, reason: reason)
            summary.matched[kind.name, default: 0] += 1
            return
        }
        if kind.name == "roles", target.unlistable.contains("roles") {
            try settleUnseenRole(object, sourceID, summary: &summary)
            return
        }
        // A business has one owner (§4.8): without the target's people, the source's owner cannot
        // be matched onto the target's, and is not made a second time.
        if kind.name == "people", target.unlistable.contains("people"), planner.matchKey(kind, object) == "owner" {
            try journal.settle(
                kind.name, sourceID, status: .skipped, targetID: nil,
                reason: "the target will not list people, so the source's owner cannot be matched onto the target's "
                    + "owner; a business has one owner, so it is not created")
            summary.skipped[kind.name, default: 0] += 1
            return
        }
        if kind.name == "blocks", object["entityType"]?.stringValue == "blocks-group" {
            try journal.settle(
                kind.name, sourceID, status: .dangling, targetID: nil,
                reason: "belongs to a block group: block groups are matched by title, never rebuilt")
            summary.skipped[kind.name, default: 0] += 1
            return
        }
        var (body, dropped) = try createBody(kind, object, target: target)
        if let field = lostRequirement(kind, body, dropped: dropped) {
            try journal.settle(
                kind.name, sourceID, status: .dangling, targetID: nil,
                reason: lostRequirementReason(kind, field, target: target), dropped: dropped)
            summary.skipped[kind.name, default: 0] += 1
            return
        }
        for path in dropped { summary.dropped[path, default: 0] += 1 }
        if kind.name == "blocks", try await tookDefaultBlock(object, sourceID, body: body, dropped: dropped) {
            summary.created[kind.name, default: 0] += 1
            return
        }
        if let field = Self.madeWithParent[kind.name]?.0, let parent = body[field]?.stringValue,
            let made = spare[parent]?.first
        {
            // The target made one under this parent already: it becomes this record (or, when the
            // target refuses that, stays spare and is deleted at the end).
            spare[parent]?.removeFirst()
            if try await overwrite(kind.name, made, with: body) {
                try journal.created(
                    kind.name, sourceID, targetID: made, dropped: dropped,
                    reason: "took the place of the one the target made with its \(field.dropLast(2))")
                summary.created[kind.name, default: 0] += 1
                return
            }
            spare[parent, default: []].append(made)
        }
        var bytes = JSONValue.object(body).bytes
        // By the server's clock: what it stamps a record it makes with (§4.8, late applies).
        let intended = client.serverNow()
        try journal.intend(kind.name, sourceID, bodySHA256: sha256Hex(bytes), at: Timestamp.string(intended))
        let createdID: String
        let made: JSONObject
        var lost = 0
        var found = false
        var extraNotes: [String] = []
        while true {
            do {
                let created = try await client.create(kind.name, body: bytes)
                (createdID, made) = (created.id, try created.parsed().objectValue ?? [:])
                if let stamp = made["createdAt"]?.stringValue.flatMap(Self.date) {
                    client.noteServerTime(stamp, at: Date())
                }
                break
            } catch let error as APIError {
                switch error.underlying {
                // A file the target will not take with its handle comes back as a link (§6).
                case .validation where kind.name == "files" && body["handle"] != nil:
                    body["type"] = .string("link")
                    body["handle"] = nil
                    bytes = JSONValue.object(body).bytes
                    continue
                // A role the target would not let us see (roles unlistable) and refuses: the person
                // comes with the least privileged baseline role, and the report says so.
                case .validation where kind.name == "people" && unseenRole(body, target) != nil:
                    let role = unseenRole(body, target) ?? ""
                    body["role"] = .string(Self.fallbackRole)
                    bytes = JSONValue.object(body).bytes
                    extraNotes.append(
                        "role \(role) refused by the target (which will not list its roles): created as "
                            + "\(Self.fallbackRole); give the person its role in Plutio")
                    continue
                // An answer that says the create was not applied: record why and go on.
                case .validation, .forbidden, .notFound:
                    try journal.settle(
                        kind.name, sourceID, status: .failed, targetID: nil, reason: error.localizedDescription,
                        dropped: dropped)
                    summary.failed[kind.name, default: 0] += 1
                    return
                // A lost answer: look for what it may have made before sending it again (§4.8).
                case .outcomeUnknown where lost < Self.lostAnswersPerCreate:
                    lost += 1
                    let record: (String, JSONObject)?
                    do { record = try await lookUp(kind, body, since: intended) } catch let error as APIError
                        where error.isRefusal
                    {
                        // It cannot be looked for: never sent again on a guess.
                        try journal.settle(
                            kind.name, sourceID, status: .failed, targetID: nil, reason: Self.unlookable(kind),
                            dropped: dropped)
                        summary.failed[kind.name, default: 0] += 1
                        return
                    }
                    if let record {
                        (createdID, made) = record
                        found = true
                        summary.reconciled += 1
                        break
                    }
                    // Not there yet, and sent again: a server that applies it later would end
                    // with two. Looked for once more before the run ends (`sweepLateApplies`).
                    try journal.noteLostAnswer(
                        kind.name, sourceID, intentAt: Timestamp.string(intended), at: Date())
                    continue
                // Anything else (the connection, the credentials, the budget) ends the run.
                default: throw error
                }
            }
            break
        }
        if kind.name == "custom-fields" { try mapOptions(source: object, targetOptions: Self.optionsByLabel(made)) }
        let note = ([notes(kind, source: object, made: made, found: found)].compactMap { $0 } + extraNotes)
        try journal.created(
            kind.name, sourceID, targetID: createdID, dropped: dropped,
            reason: note.isEmpty ? nil : note.joined(separator: "; "), defaults: defaultBlocks(kind, made))
        if kind.name == "roles", let slug = object["slug"]?.stringValue { target.roleSlugs.insert(slug) }
        summary.created[kind.name, default: 0] += 1
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
            summary.matched["roles", default: 0] += 1
        } else {
            try journal.settle(
                "roles", sourceID, status: .skipped, targetID: nil,
                reason: "not created: the target will not list roles, so whether it has \(slug) already cannot be "
                    + "told; people with it are sent with it (as \(Self.fallbackRole) where the target refuses it)")
            summary.skipped["roles", default: 0] += 1
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
        if kind.name == "files", source["type"]?.stringValue != made["type"]?.stringValue {
            notes.append(Self.linkNote)
        }
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

    /// The body a create sends: server-owned, derived, number and second-pass fields out, blocks
    /// out, every reference remapped (what resolves nowhere dropped); files as links (§6).
    func createBody(_ kind: ResourceKind, _ source: JSONObject, target: Target) throws -> (JSONObject, [String]) {
        var body = JSONObject()
        let later = followUpFields(kind, source)
        for member in source {
            // A follow-up field that is an empty list has nothing to wait for: sent as it is.
            let waits = later.contains(member.key) && member.value.arrayValue?.isEmpty != true
            if Self.unsent.contains(member.key) || Catalog.derivedFields[kind.name]?.contains(member.key) == true
                || Catalog.numberFields[kind.name] == member.key || waits
            {
                continue
            }
            body[member.key] = member.value
        }
        if kind.name == "custom-fields", case .array(let options)? = body["options"] {
            body["options"] = .array(
                options.map { option in
                    // Fresh ids, never the source's: a server that keeps client ids keeps these.
                    guard case .object(var o) = option else { return option }
                    o["_id"] = .string(Self.freshID())
                    return .object(o)
                })
        }
        if kind.name == "files", !keepsFileHandles, let type = body["type"]?.stringValue, type != "link" {
            // Binaries cannot be uploaded (§6): the file comes back as a link to where it was.
            body["type"] = .string("link")
            body["handle"] = nil
        }
        let dropped = try remap(&body, kind, target: target)
        // No invitation is emailed unless asked for (§4.8): a create-only extra, never stored.
        if kind.name == "people", !invites { body["invite"] = false }
        return (body, dropped)
    }

    /// Top-level fields a record gets by PUT after every create, not on create: second-pass
    /// references (§9.3), `blocks[]` (set once the blocks exist), the invoice number (the server
    /// assigns its own on create), and a template row's block body (made after the row).
    func followUpFields(_ kind: ResourceKind, _ source: JSONObject) -> Set<String> {
        var fields = secondPassFields[kind.name] ?? []
        fields.insert("blocks")
        if kind.name == "invoices", let number = Catalog.numberFields[kind.name] { fields.insert(number) }
        if kind.name == "templates", source["entityType"]?.stringValue == "block" { fields.insert("entityId") }
        return fields
    }

    /// A new 17-character id in Plutio's alphabet.
    static func freshID() -> String {
        let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz")
        return String((0..<17).map { _ in alphabet.randomElement()! })
    }

    /// Top-level fields that hold second-pass references (§9.3), set by PUT after every create.
    /// A tree's parent field is not among them: trees are created top-down.
    static func secondPassFields(_ kind: ResourceKind, _ catalog: Catalog) -> Set<String> {
        let refs = catalog.references(of: kind)
        let firstPass = Set(refs.filter { $0.secondPass == nil }.map(\.path))
        return Set(
            refs.filter {
                $0.secondPass != nil && $0.path != "blocks[]" && !firstPass.contains($0.path)
                    && $0.path != treeFields[kind.name]
            }.map { Reference.topLevelKey(of: $0.path) })
    }

    /// Remaps every reference in `body` to target ids; answers the paths dropped.
    func remap(_ body: inout JSONObject, _ kind: ResourceKind, target: Target) throws -> [String] {
        var failure: (any Error)?
        let dropped = catalog.remapReferences(in: &body, of: kind) { ref in
            do {
                switch ref.naming {
                case .slug:
                    if target.roleSlugs.contains(ref.value) { return ref.value }
                    // A person needs a role: one the target would not let us see is sent as it is
                    // (the target may have it) rather than dropped; refused, it falls back.
                    if kind.name == "people", ref.path == "role", target.rolesUnverified {
                        return ref.value
                    }
                    return nil
                case .id:
                    if let field = ref.optionOfField {
                        // Only select-like fields hold option ids; other values are data.
                        guard target.optionFields.contains(field) else { return ref.value }
                        return try journal.targetIDs("custom-field-options", for: [ref.value])[ref.value]
                    }
                    for targetKind in ref.targetKinds {
                        if let id = try journal.targetIDs(targetKind, for: [ref.value])[ref.value] { return id }
                    }
                    return nil
                }
            } catch {
                failure = error
                return nil
            }
        }
        if let failure { throw failure }
        return dropped.map(\.path)
    }
}
