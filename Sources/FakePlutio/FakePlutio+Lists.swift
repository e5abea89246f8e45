import Catalog
import Foundation
import JSONCore
import MongoQuery

extension FakePlutio {
    /// `GET /<res>` (contract §3): a bare array of one page of the filtered natural order.
    func list(_ kind: ResourceKind, _ request: FakeRequest, business: String) throws(APIFailure) -> FakeResponse {
        var skip = 0
        var limit: Int?
        var sortField: String?
        var parts: [MongoQuery] = []
        for item in request.query {
            switch item.name {
            case "skip": skip = try Self.nonNegative(item.value, "skip")
            case "limit": limit = try Self.nonNegative(item.value, "limit")
            case "sort":
                if config.refusesSort { throw .badRequest("sort is not supported") }
                sortField = item.value
            case "q":
                do { parts.append(try MongoQuery(text: item.value)) } catch { throw .badRequest(error.description) }
            default: parts.append(.keyValue(path: item.name, value: item.value))
            }
        }
        let query = MongoQuery.allOf(parts)
        if kind.idReadForbidden, query.fieldPaths.contains("_id") {
            // wiki-entities answer 404 for reads by _id; automations refuse get-by-id.
            throw kind.name == "wiki-entities" ? .notFound() : unsupported()
        }
        if let scope = kind.scope { try checkScope(scope, query) }
        guard let ws = workspaces[business] else { throw .notFound() }
        let hideArchived = config.hidesArchived && !query.fieldPaths.contains("isArchived")
        let hideTemplates = config.hidesTemplates && !query.fieldPaths.contains("isTemplate")
        let rows: [StoredRecord]? =
            switch kind.name {
            case "trash-bin": ws.trash.map(\.row)
            case "archive": archiveRows(ws)
            default: nil
            }
        let table = ws.table(kind.name)
        // A pinned entityId narrows the scan to the records the index names; the query still
        // decides which of them match.
        let pinned: Set<String>? =
            switch query.pinnedValues(of: "entityId") {
            case .single(let v): table.ids(withEntityIn: [v])
            case .list(let vs): table.ids(withEntityIn: vs)
            case nil: nil
            }
        let source: AnySequence<StoredRecord> =
            rows.map { AnySequence($0) } ?? pinned.map { AnySequence(table.inOrder(among: $0)) }
            ?? AnySequence(table.inOrder)
        func visible(_ record: StoredRecord) -> Bool {
            if hideArchived, record.isTrue("isArchived") { return false }
            if hideTemplates, record.isTrue("isTemplate") { return false }
            return query.matches(record.value)
        }
        let requested = (limit ?? 0) == 0 ? config.defaultLimit : limit
        let pageSize = min(requested ?? Int.max, config.limitCap ?? Int.max)
        if config.honoursSort, let sortField {
            let sorted = Self.sorted(source.filter(visible), by: sortField)
            return .array(sorted.dropFirst(skip).prefix(pageSize).map(served))
        }
        var page: [[UInt8]] = []
        var passed = 0
        for record in source where pageSize > 0 && visible(record) {
            if passed >= skip {
                page.append(served(record))
                if page.count == pageSize { break }
            }
            passed += 1
        }
        return .array(page)
    }

    static func nonNegative(_ text: String, _ name: String) throws(APIFailure) -> Int {
        guard let v = Int(text), v >= 0 else { throw .badRequest("\(name) must be a non-negative integer") }
        return v
    }

    /// Scoped kinds need one of their field sets pinned; batches (`$in`) only when accepted.
    func checkScope(_ scope: [[String]], _ query: MongoQuery) throws(APIFailure) {
        for fields in scope {
            let pins = fields.map { query.pinnedValues(of: $0) }
            guard pins.allSatisfy({ $0 != nil }) else { continue }
            let batched = pins.contains { if case .list = $0 { true } else { false } }
            if batched, !config.acceptsBatchedCommentScopes, fields != ["_id"] { continue }
            return
        }
        throw .badRequest(scope.last.map { "\($0.joined(separator: " and ")) are required" } ?? "scope required")
    }

    /// `/archive` rows: one per archived record across kinds (contract §5.2).
    func archiveRows(_ ws: Workspace) -> [StoredRecord] {
        var rows: [StoredRecord] = []
        for kind in catalog.kinds where kind.archivable {
            for record in ws.table(kind.name).inOrder where record.isTrue("isArchived") {
                rows.append(
                    StoredRecord(
                        JSONObject([
                            .init(key: "_id", value: .string(Self.archiveRowID(record.id))),
                            .init(key: "entityType", value: .string(kind.slug(of: record.value) ?? kind.name)),
                            .init(key: "entityId", value: .string(record.id)),
                            .init(key: "title", value: .string(record.object.displayTitle)),
                            .init(key: "updatedAt", value: record.object["updatedAt"] ?? .null),
                        ])))
            }
        }
        return rows
    }

    /// The stable `/archive` row id of an archived record.
    static func archiveRowID(_ recordID: String) -> String {
        var r = SeededRandom(seed: stableHash("archive:" + recordID))
        return MeteorID.make(&r)
    }

    /// Stable sort by a field (`-field` descending); missing values first.
    static func sorted(_ records: [StoredRecord], by spec: String) -> [StoredRecord] {
        let descending = spec.hasPrefix("-")
        let field = descending ? String(spec.dropFirst()) : spec
        let keyed = records.enumerated().map { ($0.offset, $0.element, $0.element.value.value(atPath: field)) }
        return keyed.sorted { a, b in
            let order = compare(a.2, b.2)
            if order == 0 { return a.0 < b.0 }
            return descending ? order > 0 : order < 0
        }.map(\.1)
    }

    static func compare(_ a: JSONValue?, _ b: JSONValue?) -> Int {
        switch (a, b) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (.number(let x)?, .number(let y)?): return x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let x)?, .string(let y)?): return x < y ? -1 : (x > y ? 1 : 0)
        case (.bool(let x)?, .bool(let y)?): return x == y ? 0 : (x ? 1 : -1)
        default: return 0
        }
    }
}

extension FakePlutio {
    /// The `/archive` rows of a business as the API shows them.
    public func archiveRowObjects(_ subdomain: String) -> [JSONObject] {
        workspaces[subdomain].map { archiveRows($0).map(\.object) } ?? []
    }
}
