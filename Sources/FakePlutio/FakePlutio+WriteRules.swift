import Catalog
import Foundation
import JSONCore

/// What creates and updates accept (contract §4.8). The defaults are the strictest plausible
/// service; each softer variant is a `FakeConfig` switch (§10).
extension FakePlutio {
    /// The values a task `status` may take.
    static let taskStatuses: Set<String> = ["incomplete", "completed", "overdue"]

    /// The body a create stores: server-owned, derived and lifecycle fields dropped, numbers assigned.
    func createBody(_ kind: ResourceKind, _ body: JSONObject, business: String) -> JSONObject {
        var body = body
        for field in Catalog.derivedFields[kind.name] ?? [] { body[field] = nil }
        // Archive afterwards (§4.3); lifecycle states start over (new invoices are drafts).
        body["isArchived"] = nil
        if kind.ignoredOnWrite.contains("status") || (kind.lifecycleStatus && config.ignoresProposalContractStatus) {
            body["status"] = kind.ignoredOnWrite.contains("status") ? "draft" : nil
        }
        if !config.keepsTemplateFlag { body["isTemplate"] = nil }
        if let field = Catalog.numberFields[kind.name] {
            if config.assignsNumbers || body[field] == nil {
                body[field] = nextNumber(kind.name, field, business: business)
            } else {
                noteNumber(kind.name, field, body[field], business: business)
            }
        }
        if kind.name == "custom-fields", config.generatesOptionIDs, case .array(let options)? = body["options"] {
            body["options"] = .array(
                options.map { option in
                    guard case .object(var o) = option else { return option }
                    o["_id"] = .string(mutate(business) { $0.newID() })
                    return .object(o)
                })
        }
        return body
    }

    /// The next human number of a kind in a business: `taskId` 1 + the largest, `invoiceId` `INV-<n>`.
    func nextNumber(_ kind: String, _ field: String, business: String) -> JSONValue {
        let next = mutate(business) { ws in
            let next = Self.lastNumber(kind, field, in: ws) + 1
            ws.lastNumbers[kind] = next
            return next
        }
        return field == "invoiceId" ? .string("INV-\(next)") : .number(Double(next))
    }

    /// A number a client set (by PUT, or on create under `--keep-numbers`) moves the business's
    /// counter past it, so no later create repeats it.
    func noteNumber(_ kind: String, _ field: String, _ value: JSONValue?, business: String) {
        guard let n = Self.number(in: value) else { return }
        mutate(business) { ws in ws.lastNumbers[kind] = max(n, Self.lastNumber(kind, field, in: ws)) }
    }

    /// The largest number given so far: the counter, or on first use a scan of the table.
    static func lastNumber(_ kind: String, _ field: String, in ws: Workspace) -> Int {
        ws.lastNumbers[kind] ?? ws.table(kind).inOrder.compactMap { number(in: $0.object[field]) }.max() ?? 1000
    }

    /// The number in `1042` or `"INV-1042"`.
    static func number(in value: JSONValue?) -> Int? {
        switch value {
        case .number(let n)?: Int(exactly: n.double)
        case .string(let s)?: Int(s.string.drop { !$0.isNumber })
        default: nil
        }
    }

    /// The changes a PUT applies: server-owned and derived fields dropped, and destination fields
    /// too unless parents may change by PUT (they change through `/move`).
    func updateChanges(_ kind: ResourceKind, _ changes: JSONObject) -> JSONObject {
        var changes = changes
        for field in Catalog.derivedFields[kind.name] ?? [] { changes[field] = nil }
        if !config.parentsByPut {
            for field in kind.moveFields where field != "position" { changes[field] = nil }
        }
        return changes
    }

    // MARK: Validation shared by create and PUT

    /// Checks the fields a write sends as create does: required fields (on PUT only those sent),
    /// task `status`, the kind's own rules, references, custom fields and `blocks[]`.
    ///
    /// - Parameters:
    ///   - record: the record as it would be stored (for a PUT: the stored record with the changes).
    ///   - sent: the top-level keys the write sent.
    ///   - id: the record's id, for a PUT.
    func validateWrite(
        _ kind: ResourceKind, record: JSONObject, sent: Set<String>, id: String?, business: String
    ) throws(APIFailure) {
        for group in kind.required where id == nil || group.contains(where: sent.contains) {
            let present = group.contains { field in
                switch record[field] {
                case nil, .null?: false
                case .string(let s)?: !s.string.isEmpty
                default: true
                }
            }
            if !present { throw .badRequest("\(group[0]) is required") }
        }
        if kind.name == "tasks", sent.contains("status"),
            !(record["status"]?.stringValue.map(Self.taskStatuses.contains) ?? false)
        {
            throw .badRequest("status is invalid")
        }
        try validateKindFields(kind, record, sent: sent, creating: id == nil, business: business)
        if config.checksReferences { try checkReferences(kind, record: record, sent: sent, business: business) }
        try validateCustomFields(kind, record: record, sent: sent, business: business)
        if sent.contains("blocks"), catalog.references(of: kind).contains(where: { $0.path == "blocks[]" }) {
            try checkBlockList(record["blocks"], ownerID: id, business: business)
        }
    }

    /// Every reference of the catalogue a write sends must be null, absent, or name a live record
    /// of a declared target kind in the same business (slug references: an existing role slug).
    func checkReferences(
        _ kind: ResourceKind, record: JSONObject, sent: Set<String>, business: String
    ) throws(APIFailure) {
        guard let ws = workspaces[business] else { return }
        let skipped = Set(
            catalog.references(of: kind).filter { ref in
                ref.serverSet || ref.derived || ref.targetsAnyKind || ref.path == "blocks[]"
                    || ref.path.hasPrefix("customFields[]")
            }.map(\.path))
        for ref in catalog.referenceValues(in: .object(record), of: kind) where !skipped.contains(ref.path) {
            guard sent.contains(Reference.topLevelKey(of: ref.path)) || (ref.slug != nil && sent.contains("entityType"))
            else { continue }
            let found: Bool
            switch ref.naming {
            case .slug:
                found = ref.targetKinds.contains { target in
                    let key = catalog.kind(named: target)?.slugKey ?? "slug"
                    return ws.table(target).inOrder.contains { $0.object[key]?.stringValue == ref.value }
                }
            case .id:
                found = ref.targetKinds.contains { ws.record($0, ref.value) != nil }
            }
            if !found { throw .badRequest("\(ref.path.replacingOccurrences(of: "[]", with: "")) is invalid") }
        }
    }

    /// `customFields[]`: each entry names a field of this record's `entityType`, and select values
    /// are option ids of that field.
    func validateCustomFields(
        _ kind: ResourceKind, record: JSONObject, sent: Set<String>, business: String
    ) throws(APIFailure) {
        guard sent.contains("customFields"), case .array(let entries)? = record["customFields"],
            let ws = workspaces[business]
        else { return }
        let slug = kind.slug(of: .object(record))
        for entry in entries {
            guard let fieldID = entry["_id"]?.stringValue, let field = ws.record("custom-fields", fieldID) else {
                if config.checksReferences { throw .badRequest("Invalid custom field") }
                continue
            }
            // A field applies to a kind by any of its slugs (businesses' fields say `workspace` too).
            let applies = field.object["entityType"]?.stringValue.map { fieldSlug in
                fieldSlug == slug || catalog.kind(forSlug: fieldSlug)?.name == kind.name
            }
            if config.checksReferences, applies != true { throw .badRequest("Invalid custom field") }
            let options = Set((field.object["options"]?.arrayValue ?? []).compactMap { $0["_id"]?.stringValue })
            let value = entry["value"] ?? .null
            if value.isNull { continue }
            switch field.object["inputType"]?.stringValue {
            case "select":
                guard let id = value.stringValue, options.contains(id) else {
                    throw .badRequest("Invalid custom field value")
                }
            case "multiselect":
                guard let items = value.arrayValue, case let ids = items.compactMap(\.stringValue),
                    ids.count == items.count, ids.allSatisfy(options.contains)
                else { throw .badRequest("Invalid custom field value") }
            default: continue
            }
        }
    }

    /// A `blocks[]` a write sends lists exactly the live blocks that point back at the record, in
    /// any order (none for a record being created).
    func checkBlockList(_ value: JSONValue?, ownerID: String?, business: String) throws(APIFailure) {
        let sent: [String]
        switch value {
        case nil, .null?: sent = []
        case .array(let items)?:
            sent = items.compactMap(\.stringValue)
            guard sent.count == items.count else { throw .badRequest("Invalid blocks") }
        default: throw .badRequest("Invalid blocks")
        }
        let own =
            ownerID.flatMap { id in
                workspaces[business]?.table("blocks").inOrder.filter { $0.object["entityId"]?.stringValue == id }
                    .map(\.id)
            } ?? []
        guard sent.count == Set(sent).count, Set(sent) == Set(own) else { throw .badRequest("Invalid blocks") }
    }

    // MARK: Move

    /// A `/move` destination must be a live record of the field's target kinds, and a tree move
    /// must not put a record under itself.
    func checkMoveDestination(
        _ kind: ResourceKind, id: String, field: String, value: JSONValue, business: String
    ) throws(APIFailure) {
        guard let ws = workspaces[business], let target = value.stringValue else {
            let required = kind.required.contains { $0 == [field] }
            if value.isNull, !required { return }
            throw .badRequest("\(field) is invalid")
        }
        let targets = catalog.references(of: kind).filter { $0.path == field }.flatMap(\.to)
        guard let targetKind = targets.first(where: { ws.record($0, target) != nil }) else {
            throw .badRequest("\(field) is invalid")
        }
        // Walk up from the destination through the same field: reaching the record is a cycle.
        var current: String? = targetKind == kind.name ? target : nil
        var steps = 0
        while let at = current, steps < 10_000 {
            if at == id { throw .badRequest("\(field) is invalid: the move would form a cycle") }
            current = ws.record(kind.name, at)?.object[field]?.stringValue
            steps += 1
        }
    }

    /// Records under a moved or copied record follow it: where a descendant held the root's old
    /// value of a destination field (a board's groups and tasks and their `projectId`), it takes
    /// the new one.
    func carryDestination(
        _ changes: JSONObject, from old: JSONObject, to records: [(kind: String, id: String)], context: WriteContext
    ) {
        for member in changes {
            guard let before = old[member.key], before != member.value else { continue }
            for (kind, id) in records where workspaces[context.business]?.record(kind, id)?.object[member.key] == before
            {
                mutate(context.business) {
                    $0.update(kind, id, with: [member.key: member.value], at: context.now)
                }
            }
        }
    }
}
