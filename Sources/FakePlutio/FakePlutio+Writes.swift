import Catalog
import Foundation
import JSONCore

extension FakePlutio {
    /// Runs one write verb (contract §4, §5).
    func write(_ verb: Verb, body: JSONObject, context: inout WriteContext) throws(APIFailure) -> FakeResponse {
        if let answer = try writeRows(verb, body: body, context: &context) { return answer }
        let kind = context.kind
        switch verb {
        case .create:
            let record = try create(kind, body: body, context: context)
            context.applied = true
            context.recordID = record.id
            // A person added without `invite:false` who has an email is invited (§4.8).
            if kind.name == "people", body["invite"] != .bool(false) {
                context.invited = Self.invitationAddress(record.object, body)
            }
            return .jsonBytes(served(record))
        case .update:
            let id = try Self.requiredID(body)
            let record = try update(kind, id, body, context: context)
            context.applied = true
            return .jsonBytes(served(record))
        case .delete:
            let id = try Self.requiredID(body)
            guard trashRecord(kind, id, context: context) else { throw .notFound() }
            context.applied = true
            return .json(["_id": .string(id)])
        case .move:
            let record = try move(kind, body, context: context)
            context.applied = true
            return .jsonBytes(served(record))
        case .copy:
            let record = try copy(kind, body, context: context)
            context.applied = true
            context.recordID = record.id
            return .jsonBytes(served(record))
        case .bulkUpdate, .bulkDelete, .archive, .archiveOne:
            return try writeMany(verb, body: body, context: &context)
        case .list, .deleteAll:
            throw unsupported()
        }
    }

    /// The trash bin's and the archive's rows: purged, or their records trashed; nil for any
    /// other kind.
    func writeRows(_ verb: Verb, body: JSONObject, context: inout WriteContext) throws(APIFailure) -> FakeResponse? {
        switch (context.kind.name, verb) {
        case ("trash-bin", .delete):
            let id = try Self.requiredID(body)
            guard mutate(context.business, { $0.purgeTrashRow(id) }) else { throw .notFound() }
            context.applied = true
            return .json(["_id": .string(id)])
        case ("trash-bin", .bulkDelete):
            let ids = try Self.requiredIDs(body)
            let purged = ids.filter { id in mutate(context.business, { $0.purgeTrashRow(id) }) }
            context.applied = !purged.isEmpty
            return .json(["_ids": .array(purged.map(JSONValue.string))])
        case ("trash-bin", .deleteAll):
            let purged = mutate(context.business) { $0.emptyTrash() }
            context.applied = true
            return .json(["_ids": .array(purged.map(JSONValue.string))])
        case ("archive", .delete), ("archive", .bulkDelete):
            let rowIDs = verb == .delete ? [try Self.requiredID(body)] : try Self.requiredIDs(body)
            var trashed: [String] = []
            for rowID in rowIDs {
                guard let ws = workspaces[context.business],
                    let row = archiveRows(ws).first(where: { $0.id == rowID }),
                    let slug = row.object["entityType"]?.stringValue, let target = catalog.kind(forSlug: slug),
                    let entityID = row.object["entityId"]?.stringValue
                else { continue }
                if trashRecord(target, entityID, context: context) { trashed.append(rowID) }
            }
            if verb == .delete, trashed.isEmpty { throw .notFound() }
            context.applied = !trashed.isEmpty
            return verb == .delete
                ? .json(["_id": .string(rowIDs[0])]) : .json(["_ids": .array(trashed.map(JSONValue.string))])
        default: return nil
        }
    }

    /// Writes to several records (`/bulk`, archiving); all or nothing where the contract says so.
    func writeMany(_ verb: Verb, body: JSONObject, context: inout WriteContext) throws(APIFailure) -> FakeResponse {
        let kind = context.kind
        switch verb {
        case .bulkUpdate:
            let ids = try Self.requiredIDs(body)
            var changes = body
            changes["_ids"] = nil
            let found = ids.filter { workspaces[context.business]?.record(kind.name, $0) != nil }
            // All or nothing: every record is validated before any is changed.
            for id in found { _ = try prepareUpdate(kind, id, changes, context: context) }
            var updated: [[UInt8]] = []
            for id in found { updated.append(served(try update(kind, id, changes, context: context))) }
            context.applied = !updated.isEmpty
            return .array(updated)
        case .bulkDelete:
            let ids = try Self.requiredIDs(body)
            let deleted = ids.filter { trashRecord(kind, $0, context: context) }
            context.applied = !deleted.isEmpty
            return .json(["_ids": .array(deleted.map(JSONValue.string))])
        case .archive:
            let ids = try Self.requiredIDs(body)
            guard case .bool(let archived)? = body["isArchived"] else { throw .badRequest("isArchived is required") }
            let done = ids.filter { id in
                mutate(context.business) {
                    $0.update(kind.name, id, with: ["isArchived": .bool(archived)], at: context.now)
                } != nil
            }
            context.applied = !done.isEmpty
            return .json(["_ids": .array(done.map(JSONValue.string))])
        case .archiveOne:
            let id = try Self.requiredID(body)
            guard case .bool(let archived)? = body["isArchived"] else { throw .badRequest("isArchived is required") }
            guard
                mutate(
                    context.business,
                    { $0.update(kind.name, id, with: ["isArchived": .bool(archived)], at: context.now) }) != nil
            else { throw .notFound() }
            context.applied = true
            return .json(["_id": .string(id)])
        default:
            throw unsupported()
        }
    }

    /// Runs `body` on a workspace and stores the result.
    @discardableResult
    func mutate<T>(_ business: String, _ body: (inout Workspace) -> T) -> T {
        var ws = workspaces[business]!
        workspaces[business] = nil
        defer { workspaces[business] = ws }
        return body(&ws)
    }

    static func requiredID(_ body: JSONObject) throws(APIFailure) -> String {
        guard let id = body["_id"]?.stringValue, !id.isEmpty else { throw .badRequest("_id is required") }
        return id
    }

    static func requiredIDs(_ body: JSONObject) throws(APIFailure) -> [String] {
        guard case .array(let items)? = body["_ids"] else { throw .badRequest("_ids is required") }
        let ids = items.compactMap(\.stringValue)
        guard ids.count == items.count else { throw .badRequest("_ids must be a list of ids") }
        guard ids.count <= 100 else { throw .badRequest("A bulk request takes at most 100 ids") }
        return ids
    }

    // MARK: Create

    func create(_ kind: ResourceKind, body: JSONObject, context: WriteContext) throws(APIFailure) -> StoredRecord {
        var body = body
        // What a template gives is validated and dropped like what the client sent.
        if config.templateIdCopiesContent, let templateID = body["templateId"]?.stringValue {
            copyTemplateContent(into: &body, templateID: templateID, business: context.business)
        }
        body = createBody(kind, body, business: context.business)
        if kind.defaultBlocks != nil { body["blocks"] = nil }
        // A create-only extra (§8): it decides whether an invitation goes out, and is not stored.
        if kind.name == "people" { body["invite"] = nil }
        if kind.name == "automations" {
            for (field, value) in Self.automationSkeleton where body[field] == nil { body[field] = value }
        }
        let sent = Set(body.map(\.key)).subtracting(Catalog.serverOwnedFields)
        try validateWrite(kind, record: body, sent: sent, id: nil, business: context.business)
        var record = mutate(context.business) { $0.create(kind: kind, body: body, at: context.now, by: context.user) }
        if let defaults = kind.defaultBlocks, Self.matches(defaults.when, record.object),
            let blocksKind = catalog.kind(named: "blocks")
        {
            let slug = kind.slug(of: record.value) ?? kind.name
            // A template body's default blocks are template blocks too.
            let isTemplate = record.isTrue("isTemplate")
            let ids = defaults.types.map { type in
                mutate(context.business) { ws in
                    var block: JSONObject = [
                        "entityType": .string(slug), "entityId": .string(record.id), "type": .string(type),
                    ]
                    if isTemplate { block["isTemplate"] = true }
                    return ws.create(kind: blocksKind, body: block, at: context.now, by: context.user).id
                }
            }
            record = mutate(context.business) {
                $0.update(kind.name, record.id, with: ["blocks": .array(ids.map(JSONValue.string))], at: context.now)!
            }
        }
        if kind.name == "projects", config.defaultProjectBoard { addDefaultBoard(project: record.id, context: context) }
        if kind.name == "blocks", config.blockCreateAppendsToOwner { appendBlockToOwner(record, context: context) }
        if config.mirrorsPersonCompanyLinks { mirrorLinks(kind, before: nil, after: record.object, context: context) }
        return record
    }

    /// The address an invitation to a new person goes to: the first contact email, else the
    /// create-only `email`; nil when the person has none.
    static func invitationAddress(_ record: JSONObject, _ sent: JSONObject) -> String? {
        let address = record["contactEmails"]?.arrayValue?.first?["address"]?.stringValue ?? sent["email"]?.stringValue
        return address?.isEmpty == false ? address : nil
    }

    /// The board "Tasks" and its default group that some accounts give every new project.
    func addDefaultBoard(project: String, context: WriteContext) {
        guard let boards = catalog.kind(named: "task-boards"), let groups = catalog.kind(named: "task-groups") else {
            return
        }
        mutate(context.business) { ws in
            let board = ws.create(
                kind: boards, body: ["title": "Tasks", "projectId": .string(project), "position": 0], at: context.now,
                by: context.user)
            _ = ws.create(
                kind: groups,
                body: [
                    "title": "To do", "taskBoardId": .string(board.id), "projectId": .string(project), "position": 0,
                    "isDefault": true,
                ], at: context.now, by: context.user)
        }
    }

    static func matches(_ conditions: [String: String]?, _ object: JSONObject) -> Bool {
        (conditions ?? [:]).allSatisfy { object[$0.key]?.stringValue == $0.value }
    }

    /// Kind-specific checks of the fields a write sends (on create: all of them).
    func validateKindFields(
        _ kind: ResourceKind, _ record: JSONObject, sent: Set<String>, creating: Bool, business: String
    ) throws(APIFailure) {
        switch kind.name {
        case "custom-fields" where creating || sent.contains("entityType") || sent.contains("inputType"):
            if !Self.customFieldEntityTypes.contains(record["entityType"]?.stringValue ?? "") {
                throw .badRequest("Invalid entity type")
            }
            if !Self.customFieldInputTypes.contains(record["inputType"]?.stringValue ?? "") {
                throw .badRequest("Invalid input type")
            }
        case "task-groups" where sent.contains("title"):
            let count = record["title"]?.stringValue?.count ?? 0
            if !(1...256).contains(count) { throw .badRequest("title must be between 1 and 256 characters") }
        case "files" where creating || sent.contains("type") || sent.contains("handle"):
            let type = record["type"]?.stringValue ?? "file"
            if type == "link" {
                guard record["url"]?.stringValue?.isEmpty == false else { throw .badRequest("url is required") }
            } else if !(creating && config.refusesAllFileCreates), let handle = record["handle"]?.stringValue,
                workspaces[business]?.binaries[handle] != nil
            {
                break
            } else {
                throw .badRequest("Handle is required")
            }
        case "blocks" where creating || sent.contains("type") || sent.contains("entityType"):
            let slug = record["entityType"]?.stringValue ?? ""
            if let owner = catalog.kind(forSlug: slug), let types = owner.blockTypes {
                let type = record["type"]?.stringValue ?? ""
                if !types.contains(type) {
                    throw .badRequest(
                        "Type \"\(type)\" is invalid. Valid options are: \(types.joined(separator: ", "))")
                }
            }
            if slug == "wiki" || slug == "wiki-page", record["hasText"] != nil {
                throw .badRequest("hasText is not allowed on wiki blocks")
            }
        default: break
        }
    }

    /// The kinds a custom field may apply to (§8).
    static let customFieldEntityTypes: Set<String> = [
        "person", "company", "project", "task", "invoice", "proposal", "contract", "form", "event", "time-track",
        "item", "invoice-subscription", "file", "messenger", "scheduler", "transaction", "workspace", "business",
        "conversation",
    ]

    /// The custom-field input types (§8).
    static let customFieldInputTypes = Set(Seeder.customFieldInputTypes)

    /// What an automation created without them gets: a draft skeleton.
    static let automationSkeleton: [(String, JSONValue)] = [
        ("status", "draft"), ("nodes", []), ("edges", []), ("triggerType", .null), ("triggerConfig", [:]),
    ]

    func copyTemplateContent(into body: inout JSONObject, templateID: String, business: String) {
        guard let ws = workspaces[business], let template = ws.record("templates", templateID),
            let slug = template.object["entityType"]?.stringValue, let bodyKind = catalog.kind(forSlug: slug),
            let bodyID = template.object["entityId"]?.stringValue, let source = ws.record(bodyKind.name, bodyID)
        else { return }
        for member in source.object where body[member.key] == nil && !Catalog.serverOwnedFields.contains(member.key) {
            if member.key == "isTemplate" || member.key == "blocks" { continue }
            body[member.key] = member.value
        }
    }

    // MARK: Update

    /// Validates a PUT of one record; answers what it applies, what it ignores, and which fields it sets.
    func prepareUpdate(
        _ kind: ResourceKind, _ id: String, _ changes: JSONObject, context: WriteContext
    ) throws(APIFailure) -> (before: StoredRecord, changes: JSONObject, ignored: Set<String>, sent: Set<String>) {
        guard let before = workspaces[context.business]?.record(kind.name, id) else { throw .notFound() }
        var ignored = Set(kind.ignoredOnWrite)
        if kind.lifecycleStatus, config.ignoresProposalContractStatus { ignored.insert("status") }
        let changes = updateChanges(kind, changes)
        var merged = before.object
        var sent = Set<String>()
        for member in changes where !Catalog.serverOwnedFields.contains(member.key) && !ignored.contains(member.key) {
            merged[member.key] = member.value
            sent.insert(member.key)
        }
        try validateWrite(kind, record: merged, sent: sent, id: id, business: context.business)
        return (before, changes, ignored, sent)
    }

    func update(
        _ kind: ResourceKind, _ id: String, _ changes: JSONObject, context: WriteContext
    ) throws(APIFailure) -> StoredRecord {
        let (before, changes, ignored, sent) = try prepareUpdate(kind, id, changes, context: context)
        let record = mutate(context.business) {
            $0.update(kind.name, id, with: changes, ignoring: ignored, at: context.now)!
        }
        if let field = Catalog.numberFields[kind.name], sent.contains(field) {
            noteNumber(kind.name, field, changes[field], business: context.business)
        }
        if config.mirrorsPersonCompanyLinks {
            mirrorLinks(kind, before: before.object, after: record.object, context: context)
        }
        return workspaces[context.business]?.record(kind.name, id) ?? record
    }

    // MARK: Delete

    /// Moves a record and its cascade to the trash; keeps owners' block lists in step.
    func trashRecord(_ kind: ResourceKind, _ id: String, context: WriteContext) -> Bool {
        guard let row = mutate(context.business, { $0.trash(kind, id, at: context.now, by: context.user) }) else {
            return false
        }
        if config.blockCreateAppendsToOwner {
            for item in row.records where item.kind == "blocks" { removeBlockFromOwner(item.record, context: context) }
        }
        return true
    }

    func owner(ofBlock block: StoredRecord, in business: String) -> (ResourceKind, StoredRecord)? {
        guard let slug = block.object["entityType"]?.stringValue, let kind = catalog.kind(forSlug: slug),
            let id = block.object["entityId"]?.stringValue, let owner = workspaces[business]?.record(kind.name, id)
        else { return nil }
        return (kind, owner)
    }

    /// Appends a new block to its owner's `blocks[]`, for owners that keep one (§9.1: documents,
    /// block groups); a scheduler or a template row does not.
    func appendBlockToOwner(_ block: StoredRecord, context: WriteContext) {
        guard let (kind, owner) = owner(ofBlock: block, in: context.business),
            catalog.references(of: kind).contains(where: { $0.path == "blocks[]" })
        else { return }
        let blocks = (owner.object["blocks"]?.arrayValue ?? []) + [.string(block.id)]
        mutate(context.business) { $0.update(kind.name, owner.id, with: ["blocks": .array(blocks)], at: context.now) }
    }

    func removeBlockFromOwner(_ block: StoredRecord, context: WriteContext) {
        guard let (kind, owner) = owner(ofBlock: block, in: context.business),
            let blocks = owner.object["blocks"]?.arrayValue, blocks.contains(.string(block.id))
        else { return }
        let kept = blocks.filter { $0 != .string(block.id) }
        mutate(context.business) { $0.update(kind.name, owner.id, with: ["blocks": .array(kept)], at: context.now) }
    }

    // MARK: Person <-> company mirroring (configurable)

    func mirrorLinks(_ kind: ResourceKind, before: JSONObject?, after: JSONObject, context: WriteContext) {
        let sides: (field: String, otherKind: String, otherField: String)
        switch kind.name {
        case "people": sides = ("companies", "companies", "people")
        case "companies": sides = ("people", "people", "companies")
        default: return
        }
        func linked(_ o: JSONObject?) -> Set<String> {
            Set((o?[sides.field]?.arrayValue ?? []).compactMap { $0["_id"]?.stringValue })
        }
        guard let selfID = after["_id"]?.stringValue else { return }
        let old = linked(before)
        let new = linked(after)
        for otherID in new.symmetricDifference(old) {
            guard let other = workspaces[context.business]?.record(sides.otherKind, otherID) else { continue }
            var list = other.object[sides.otherField]?.arrayValue ?? []
            let has = list.contains { $0["_id"]?.stringValue == selfID }
            if new.contains(otherID), !has {
                list.append(["_id": .string(selfID)])
            } else if !new.contains(otherID), has {
                list.removeAll { $0["_id"]?.stringValue == selfID }
            } else {
                continue
            }
            mutate(context.business) {
                $0.update(sides.otherKind, otherID, with: [sides.otherField: .array(list)], at: context.now)
            }
        }
    }
}
