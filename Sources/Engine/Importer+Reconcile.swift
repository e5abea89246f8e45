import Basics
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
        // A file sent with its handle may have been refused and sent again as a link.
        if kind.name == "files" { fields.formUnion(["type", "handle"]) }
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
                let since = pending.first { $0.kind == kindName && $0.sourceID == sourceID }?.intentAt
                if let (id, made) = try await lookUp(kind, body, since: since.flatMap(Self.date)) {
                    if kindName == "custom-fields" {
                        try mapOptions(source: object, targetOptions: Self.optionsByLabel(made))
                    }
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

    /// The target record a lost create may have made: one created since the intent (a record
    /// the target held before is not it), with every field that was sent and that the record
    /// holds (a server may drop unknown fields and rewrites some), not already standing for
    /// another source record. The list is narrowed by the body's title or name, scoped kinds
    /// (comments) by their parent, and template bodies by their flag (hidden from plain lists,
    /// §3.5), so a lookup reads a few records, not the whole kind.
    func lookUp(_ kind: ResourceKind, _ body: JSONObject, since: Date?) async throws -> (String, JSONObject)? {
        var filter = JSONObject()
        for key in ["title", "name"] {
            if case .string(let s)? = body[key] {
                filter[key] = .string(s)
                break
            }
        }
        for field in kind.scope?.first(where: { $0 != ["_id"] }) ?? [] { filter[field] = body[field] ?? .null }
        if body["isTemplate"] == .bool(true) { filter["isTemplate"] = true }
        let rewritten = Self.rewrittenByServer(kind)
        // Server and client clocks differ: a record up to this much older than the intent may be it.
        let earliest = since?.addingTimeInterval(-Self.clockSkew)
        for try await record in client.records(of: kind.name, filter: filter) {
            guard case .object(let candidate) = try record.parsed(),
                body.allSatisfy({ member in
                    rewritten.contains(member.key) || candidate[member.key].map { $0 == member.value } ?? true
                }),
                try !journal.isMapped(kind.name, targetID: record.id)
            else { continue }
            if let earliest, let made = candidate["createdAt"]?.stringValue.flatMap(Self.date), made < earliest {
                continue
            }
            return (record.id, candidate)
        }
        return nil
    }

    /// How far the server's clock may be behind ours, for `lookUp`.
    static let clockSkew: TimeInterval = 600

    /// An ISO 8601 time with or without fractions of a second.
    static func date(_ text: String) -> Date? { parseISODate(text) }
}
