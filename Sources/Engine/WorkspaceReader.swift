// Engine: what the commands do (export now; import and restore later), over PlutioAPI,
// StateStore and Catalog. The engine never prints: it reports through callbacks and results.
import Catalog
import JSONCore
import PlutioAPI

/// What reading one kind took.
public struct KindSummary: Sendable, Equatable {
    public var kind: String
    public var records: Int
    public var calls: Int
    /// Whether records moved during the walk and pages had to be read again.
    public var sawMovement: Bool
    /// For scoped kinds: whether the server refused batched parent scopes.
    public var fellBackToSingleParents: Bool
}

/// Reads every record of a workspace, kind by kind, in catalogue order.
///
/// Contract: direct kinds are walked first (archived and template records included), the
/// trash bin among them; then scoped kinds (comments) per parent kind, with parent ids from the
/// walked parents *and* from trash rows, because a parent in the trash can still have live
/// comments (only a task's comments go to the trash with it). Records reach `onRecord` as the
/// server's bytes, each once per kind. Errors propagate; nothing is swallowed.
public struct WorkspaceReader: Sendable {
    let client: PlutioClient
    let catalog: Catalog

    public init(client: PlutioClient, catalog: Catalog) {
        self.client = client
        self.catalog = catalog
    }

    /// The kinds read, in order: direct ones, then scoped ones.
    public func plan(only: Set<String>? = nil) -> (direct: [ResourceKind], scoped: [ResourceKind]) {
        let readable = catalog.kinds.filter { kind in
            kind.supports(.list) && kind.isBackedUp && kind.name != "archive" && (only?.contains(kind.name) ?? true)
        }
        return (readable.filter { $0.scope == nil }, readable.filter { $0.scope != nil })
    }

    public func read(
        only: Set<String>? = nil,
        onRecord: (ResourceKind, RawRecord) async throws -> Void,
        onKindDone: (KindSummary) async throws -> Void = { _ in }
    ) async throws -> [KindSummary] {
        let (direct, scoped) = plan(only: only)
        let parentKinds = Set(scoped.flatMap(\.parents))
        var parentIDs: [String: [String]] = [:]
        var trashRows: [RawRecord] = []
        var summaries: [KindSummary] = []
        for kind in direct {
            var iterator = client.records(of: kind.name).makeAsyncIterator()
            var count = 0
            while let record = try await iterator.next() {
                count += 1
                if parentKinds.contains(kind.name) { parentIDs[kind.name, default: []].append(record.id) }
                if kind.name == "trash-bin" { trashRows.append(record) }
                try await onRecord(kind, record)
            }
            let summary = KindSummary(
                kind: kind.name, records: count, calls: iterator.calls, sawMovement: iterator.restarted,
                fellBackToSingleParents: false)
            summaries.append(summary)
            try await onKindDone(summary)
        }
        let trashed = trashedIDs(trashRows)
        for kind in scoped {
            var summary = KindSummary(
                kind: kind.name, records: 0, calls: 0, sawMovement: false, fellBackToSingleParents: false)
            for parent in kind.parents {
                guard let parentKind = catalog.kind(named: parent), let slug = parentKind.slug else { continue }
                var ids = parentIDs[parent] ?? []
                let known = Set(ids)
                ids += (trashed[parent] ?? []).filter { !known.contains($0) }
                guard !ids.isEmpty else { continue }
                var iterator = client.scopedRecords(of: kind.name, parentSlug: slug, parentIDs: ids).makeAsyncIterator()
                while let record = try await iterator.next() {
                    summary.records += 1
                    try await onRecord(kind, record)
                }
                summary.calls += iterator.calls
                summary.sawMovement = summary.sawMovement || iterator.restarted
                summary.fellBackToSingleParents = summary.fellBackToSingleParents || iterator.fellBackToSingleParents
            }
            summaries.append(summary)
            try await onKindDone(summary)
        }
        return summaries
    }

    /// Ids of trashed records (roots and children) by kind.
    func trashedIDs(_ rows: [RawRecord]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for row in rows {
            guard let value = try? row.parsed() else { continue }
            for entry in [value] + (value["children"]?.arrayValue ?? []) {
                if let slug = entry["entityType"]?.stringValue, let id = entry["entityId"]?.stringValue,
                    let kind = catalog.kind(forSlug: slug)
                {
                    out[kind.name, default: []].append(id)
                }
            }
        }
        return out
    }
}
