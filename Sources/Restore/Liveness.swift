import Catalog
import Foundation
import Import
import JSONCore
import PlutioAPI

/// Which records the workspace still has: read by `$in` on `_id`, 100 ids a call. A kind the
/// workspace will not list is never taken as gone on a guess (see `IfRefused`).
struct Liveness: Sendable {
    let client: PlutioClient
    let catalog: Catalog
    /// Kinds that count as gone where the workspace will not list them (`--assume-gone`).
    var assumeGone: Set<String> = []

    /// What a liveness question makes of a kind the workspace will not list (or filter by id).
    enum IfRefused {
        /// Every record counts as live: nothing is made on a guess.
        case live
        /// None counts: nothing is trusted (a purge is not made).
        case none
        /// The restore stops (`UnlistableKind`), unless the user said the kind's records are gone.
        case stop
    }

    /// The ids among `ids` of records the target has. A kind it will not list is never taken as
    /// gone: what that means is `ifRefused`'s, unless `--assume-gone` names the kind.
    func ids(_ kind: String, _ ids: Set<String>, ifRefused: IfRefused) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        do {
            return Set(try await records(kind, ids).keys)
        } catch let error as APIError {
            switch error.underlying {
            case .forbidden, .notFound, .validation:
                if assumeGone.contains(kind) { return [] }
                switch ifRefused {
                case .live: return ids
                case .none: return []
                case .stop: throw UnlistableKind(kind: kind, reason: error.localizedDescription)
                }
            default: throw error
            }
        }
    }

    /// Which of `records` the target has; a kind it will not list stops the restore.
    func live(_ records: [RestoreRecord]) async throws -> Set<RestoreRecord> {
        var out = Set<RestoreRecord>()
        for (kind, group) in Dictionary(grouping: records, by: \.kind).sorted(by: { $0.key < $1.key }) {
            for id in try await ids(kind, Set(group.map(\.id)), ifRefused: .stop) {
                out.insert(RestoreRecord(kind: kind, id: id))
            }
        }
        return out
    }

    /// The live records of a kind among `ids` (see `RecordsByID`).
    func records(_ name: String, _ ids: Set<String>) async throws -> [String: JSONObject] {
        try await RecordsByID(client: client, catalog: catalog).records(name, ids)
    }

    /// `{"_id": {"$in": [ids]}}`.
    static func idsFilter(_ ids: [String]) -> JSONObject { inFilter("_id", ids) }

    /// `{path: {"$in": [ids]}}`.
    static func inFilter(_ path: String, _ ids: [String]) -> JSONObject { RecordsByID.inFilter(path, ids) }
}
