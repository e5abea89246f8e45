import Basics
import Foundation
import JSONCore

/// One row of the trash bin: a deleted root record with its cascade (contract §5.1).
struct TrashRow: Sendable {
    var id: String
    var entityType: String
    var entityId: String
    var title: String
    var deletedAt: Date
    var deletedBy: String
    /// Trashed records, root first, with their kinds.
    var records: [(kind: String, record: StoredRecord)]
    /// The row as the API shows it.
    var row: StoredRecord

    init(
        id: String, entityType: String, entityId: String, title: String, deletedAt: Date, deletedBy: String,
        records: [(kind: String, record: StoredRecord)], childSlugs: [(slug: String, id: String)]
    ) {
        self.id = id
        self.entityType = entityType
        self.entityId = entityId
        self.title = title
        self.deletedAt = deletedAt
        self.deletedBy = deletedBy
        self.records = records
        let children: [JSONValue] = childSlugs.map { ["entityType": .string($0.slug), "entityId": .string($0.id)] }
        row = StoredRecord(
            JSONObject([
                .init(key: "_id", value: .string(id)),
                .init(key: "entityType", value: .string(entityType)),
                .init(key: "entityId", value: .string(entityId)),
                .init(key: "title", value: .string(title)),
                .init(key: "createdAt", value: .string(Timestamp.string(deletedAt))),
                .init(key: "createdBy", value: .string(deletedBy)),
                .init(key: "children", value: .array(children)),
            ]))
    }
}

extension JSONObject {
    /// A human title: `title`, else `name` (or `name.first name.last`), else empty.
    var displayTitle: String {
        if let t = self["title"]?.stringValue { return t }
        if let n = self["name"]?.stringValue { return n }
        if let n = self["name"]?.objectValue {
            return [n["first"]?.stringValue, n["last"]?.stringValue].compactMap { $0 }.joined(separator: " ")
        }
        return ""
    }
}
