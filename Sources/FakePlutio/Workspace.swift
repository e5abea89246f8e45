import Basics
import Catalog
import Foundation
import JSONCore

/// The records of one business: live tables per kind, the trash bin and file binaries.
///
/// A value type: the server actor owns one per business and mutates it in place.
public struct Workspace: Sendable {
    let catalog: Catalog
    /// The business this workspace belongs to.
    public let business: FakeBusiness
    var tables: [String: KindTable] = [:]
    var trash: [TrashRow] = []
    /// File binaries by handle.
    public var binaries: [String: [UInt8]] = [:]
    var random: SeededRandom
    /// The last human number given per kind (`taskId`, `invoiceId`); found by a scan on first use.
    var lastNumbers: [String: Int] = [:]

    init(catalog: Catalog, business: FakeBusiness, seed: UInt64) {
        self.catalog = catalog
        self.business = business
        self.random = SeededRandom(seed: seed)
    }

    /// A fresh record id.
    mutating func newID() -> String { MeteorID.make(&random) }

    /// The live table of a kind.
    func table(_ kind: String) -> KindTable { tables[kind] ?? KindTable() }

    /// Live record counts per kind.
    public var counts: [String: Int] { tables.mapValues(\.count).filter { $0.value > 0 } }

    /// The number of live records.
    public var recordCount: Int { tables.values.reduce(0) { $0 + $1.count } }

    /// The number of trash rows.
    public var trashRowCount: Int { trash.count }

    /// A live record.
    func record(_ kind: String, _ id: String) -> StoredRecord? { tables[kind]?[id] }

    /// A live record as JSON, for tests and tools.
    public func object(kind: String, id: String) -> JSONObject? { record(kind, id)?.object }

    /// The live records of a kind in natural order, for tests and tools.
    public func objects(kind: String) -> [JSONObject] { table(kind).inOrder.map(\.object) }

    /// Every record in the trash bin, with its kind.
    public func trashedObjects() -> [(kind: String, object: JSONObject)] {
        trash.flatMap { row in row.records.map { ($0.kind, $0.record.object) } }
    }

    /// Creates a record: assigns `_id`, `businessId`, `createdBy`, `createdAt`, `updatedAt`
    /// and the kind's create defaults; client values for server fields are ignored.
    mutating func create(kind: ResourceKind, body: JSONObject, at date: Date, by user: String) -> StoredRecord {
        var object = JSONObject([.init(key: "_id", value: .string(newID()))])
        for member in body where !Catalog.serverOwnedFields.contains(member.key) { object[member.key] = member.value }
        if case .object(let defaults) = kind.createDefaults {
            for member in defaults where object[member.key] == nil { object[member.key] = member.value }
        }
        let stamp = JSONValue.string(Timestamp.string(date))
        object["businessId"] = .string(business.id)
        object["createdBy"] = .string(user)
        object["createdAt"] = stamp
        object["updatedAt"] = stamp
        let record = StoredRecord(object)
        tables[kind.name, default: KindTable()].append(record)
        return record
    }

    /// Stores a complete record as given (seeding).
    mutating func insert(_ kind: String, _ object: JSONObject) {
        tables[kind, default: KindTable()].append(StoredRecord(object))
    }

    /// Applies a partial update: sent fields replace stored ones whole, `null` is stored,
    /// server fields and `ignored` fields are left alone, `updatedAt` is set.
    @discardableResult
    mutating func update(
        _ kind: String, _ id: String, with changes: JSONObject, ignoring ignored: Set<String> = [], at date: Date
    )
        -> StoredRecord?
    {
        guard var object = record(kind, id)?.object else { return nil }
        for member in changes where !Catalog.serverOwnedFields.contains(member.key) && !ignored.contains(member.key) {
            object[member.key] = member.value
        }
        object["updatedAt"] = .string(Timestamp.string(date))
        let record = StoredRecord(object)
        tables[kind]?.replace(record)
        return record
    }

    /// The record and its cascade (contract §5.1), root first.
    func cascade(of kind: ResourceKind, id: String) -> [(kind: String, record: StoredRecord)] {
        guard let root = record(kind.name, id) else { return [] }
        var out: [(kind: String, record: StoredRecord)] = [(kind.name, root)]
        var seen: Set<String> = [id]
        var index = 0
        while index < out.count {
            let (parentKindName, parent) = out[index]
            index += 1
            guard let parentKind = catalog.kind(named: parentKindName) else { continue }
            let parentSlug = parentKind.slug(of: parent.value)
            for rule in parentKind.cascade {
                for child in table(rule.kind).inOrder where child.object[rule.field]?.stringValue == parent.id {
                    if let typeKey = rule.typeKey, child.object[typeKey]?.stringValue != parentSlug { continue }
                    if seen.insert(child.id).inserted { out.append((rule.kind, child)) }
                }
            }
        }
        return out
    }

    /// Moves a record and its cascade to the trash as one row.
    mutating func trash(_ kind: ResourceKind, _ id: String, at date: Date, by user: String) -> TrashRow? {
        let records = cascade(of: kind, id: id)
        guard let root = records.first else { return nil }
        for (k, r) in records { tables[k]?.remove(r.id) }
        let children = records.dropFirst().map { item in
            (slug: catalog.kind(named: item.kind)?.slug(of: item.record.value) ?? item.kind, id: item.record.id)
        }
        let row = TrashRow(
            id: newID(), entityType: kind.slug(of: root.record.value) ?? kind.name, entityId: id,
            title: root.record.object.displayTitle, deletedAt: date, deletedBy: user, records: records,
            childSlugs: children)
        trash.append(row)
        return row
    }

    /// Purges one trash row for good.
    mutating func purgeTrashRow(_ rowID: String) -> Bool {
        guard let i = trash.firstIndex(where: { $0.id == rowID }) else { return false }
        trash.remove(at: i)
        return true
    }

    /// Purges every trash row; answers their ids.
    mutating func emptyTrash() -> [String] {
        defer { trash.removeAll() }
        return trash.map(\.id)
    }

    /// Purges rows deleted before `cutoff`.
    mutating func expireTrash(before cutoff: Date) {
        trash.removeAll { $0.deletedAt < cutoff }
    }

    /// Finds the kind of a live record by id, searching the given kinds.
    func kindOfLiveRecord(_ id: String, among kinds: [String]) -> String? {
        kinds.first { tables[$0]?[id] != nil }
    }
}

extension Workspace {
    /// The trash bin's rows as the API shows them.
    public func trashRows() -> [JSONObject] { trash.map(\.row.object) }

    /// Lists one more child in a trash row, as a service whose rows name kinds this build does
    /// not know would (contract §11.5: which children cascade is unknown). False when no such row.
    @discardableResult
    public mutating func listChild(entityType: String, entityId: String, inTrashRow rowID: String) -> Bool {
        guard let i = trash.firstIndex(where: { $0.id == rowID }) else { return false }
        var row = trash[i].row.object
        let child: JSONValue = [
            "entityType": .string(JSONString(entityType)), "entityId": .string(JSONString(entityId)),
        ]
        row["children"] = .array((row["children"]?.arrayValue ?? []) + [child])
        trash[i].row = StoredRecord(row)
        return true
    }
}
