import Basics
import Catalog
import Foundation
import JSONCore
import PlutioAPI

/// The trash bin's rows, read as restore rows: each row's root and cascaded children by kind
/// (children of a type the catalogue does not know are kept aside), and when it was deleted.
struct TrashRows: Sendable {
    let client: PlutioClient
    let catalog: Catalog
    /// Only these rows (trash-bin `_id`s); nil: every row.
    var rowIDs: Set<String>?
    /// Only rows deleted at or after this time.
    var since: Date?

    func read() async throws -> [RestoreRow] {
        var rows: [RestoreRow] = []
        for try await raw in client.records(of: "trash-bin") {
            guard case .object(let row) = try raw.parsed() else { continue }
            if let rowIDs, !rowIDs.contains(raw.id) { continue }
            let deletedAt = row["createdAt"]?.stringValue.flatMap({ Timestamp.date($0) })
            if let since, let deletedAt, deletedAt < since { continue }
            var records: [RestoreRecord] = []
            var unknown: [String] = []
            for entry in [JSONValue.object(row)] + (row["children"]?.arrayValue ?? []) {
                guard let slug = entry["entityType"]?.stringValue, let id = entry["entityId"]?.stringValue else {
                    continue
                }
                guard let kind = catalog.kind(forSlug: slug) else {
                    unknown.append("\(slug) \(id)")
                    continue
                }
                records.append(RestoreRecord(kind: kind.name, id: id))
            }
            var item = RestoreRow(id: raw.id, title: row["title"]?.stringValue ?? "", records: records)
            item.unknownChildren = unknown
            item.deletedAt = deletedAt
            rows.append(item)
        }
        return rows
    }
}
