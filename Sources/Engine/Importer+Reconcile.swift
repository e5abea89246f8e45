import Catalog
import Foundation
import JSONCore
import PlutioAPI
import StateStore

/// Creates whose answer was lost (contract §4.8): found in the target before anything is sent again.
extension Importer {
    /// Fields a server may store differently from what was sent (§4.8, §10): lifecycle `status`,
    /// `isTemplate`, custom-field options (new ids).
    static func rewrittenByServer(_ kind: ResourceKind) -> Set<String> {
        var fields: Set<String> = ["isTemplate"]
        if kind.lifecycleStatus || kind.ignoredOnWrite.contains("status") { fields.insert("status") }
        if kind.name == "custom-fields" { fields.insert("options") }
        return fields
    }

    /// Creates whose answer was lost: a target record of the kind with every field that was sent
    /// settles the intent as matched; otherwise the intent is dropped and the record is created
    /// again in its turn.
    func reconcile(extracted: Set<String>, target: Target, summary: inout Summary) async throws {
        let pending = try journal.pendingIntents()
        guard !pending.isEmpty else { return }
        for kindName in Set(pending.map(\.kind)) {
            guard let kind = catalog.kind(named: kindName), extracted.contains(kindName) else { continue }
            let intents = Set(pending.filter { $0.kind == kindName }.map(\.sourceID))
            try await forEachRecord(kindName) { object, sourceID in
                guard intents.contains(sourceID) else { return }
                let (body, dropped) = try createBody(kind, object, target: target)
                if let (id, made) = try await lookUp(kind, body) {
                    try journal.created(
                        kindName, sourceID, targetID: id, dropped: dropped,
                        reason: notes(kind, source: object, made: made, found: true),
                        defaults: defaultBlocks(kind, made))
                    summary.reconciled += 1
                } else {
                    try journal.settle(kindName, sourceID, status: .failed, targetID: nil, reason: Self.retryReason)
                }
            }
        }
    }

    /// The target record a lost create may have made: one with every field that was sent (but
    /// those a server rewrites), not already standing for another source record. The list is
    /// narrowed by the body's title or name, and scoped kinds (comments) by their parent, so a
    /// lookup reads a few records, not the whole kind.
    func lookUp(_ kind: ResourceKind, _ body: JSONObject) async throws -> (String, JSONObject)? {
        var filter = JSONObject()
        for key in ["title", "name"] {
            if case .string(let s)? = body[key] {
                filter[key] = .string(s)
                break
            }
        }
        for field in kind.scope?.first(where: { $0 != ["_id"] }) ?? [] { filter[field] = body[field] ?? .null }
        let rewritten = Self.rewrittenByServer(kind)
        for try await record in client.records(of: kind.name, filter: filter) {
            guard case .object(let candidate) = try record.parsed(),
                body.allSatisfy({ rewritten.contains($0.key) || candidate[$0.key] == $0.value }),
                try !journal.isMapped(kind.name, targetID: record.id)
            else { continue }
            return (record.id, candidate)
        }
        return nil
    }
}
