import Catalog
import Foundation
import JSONCore
import PlutioAPI

/// Reads chosen records of a workspace by id: `$in` on `_id`, 100 ids a call, archived and
/// template records included; kinds that cannot be read by `_id` (wiki entities, §3.6) are listed
/// by their parent and picked. A delta reads the target records it touches this way, a restore
/// the live records it links to.
package struct RecordsByID: Sendable {
    let client: PlutioClient
    let catalog: Catalog

    /// Ids per `$in` call (the URL stays near 2.5 KB).
    package static let batch = 100

    package init(client: PlutioClient, catalog: Catalog) {
        self.client = client
        self.catalog = catalog
    }

    /// The records of a kind among `ids` that the workspace has, by id.
    package func records(_ name: String, _ ids: Set<String>) async throws -> [String: JSONObject] {
        guard !ids.isEmpty, let kind = catalog.kind(named: name) else { return [:] }
        var out: [String: JSONObject] = [:]
        func keep(_ sequence: RecordSequence) async throws {
            for try await record in sequence where ids.contains(record.id) {
                if case .object(let object) = try record.parsed() { out[record.id] = object }
            }
        }
        if kind.idReadForbidden {
            if let field = kind.listBy,
                let parent = catalog.references(of: kind).first(where: { $0.path == field })?.to.first
            {
                for try await owner in client.records(of: parent) {
                    var filter = JSONObject()
                    filter[field] = .string(owner.id)
                    try await keep(client.records(of: name, filter: filter))
                }
            } else {
                try await keep(client.records(of: name))
            }
            return out
        }
        let sorted = ids.sorted()
        for chunk in stride(from: 0, to: sorted.count, by: Self.batch) {
            let slice = Array(sorted[chunk..<min(chunk + Self.batch, sorted.count)])
            try await keep(client.records(of: name, filter: Self.inFilter("_id", slice)))
        }
        return out
    }

    /// `{path: {"$in": [ids]}}`.
    package static func inFilter(_ path: String, _ ids: [String]) -> JSONObject {
        var within = JSONObject()
        within["$in"] = .array(ids.map { .string($0) })
        var filter = JSONObject()
        filter[path] = .object(within)
        return filter
    }
}
