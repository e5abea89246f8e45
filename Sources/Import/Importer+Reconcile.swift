import Basics
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import StateStore

/// Creates whose answer was lost (contract §4.8): found in the target before anything is sent
/// again, and looked for once more before the run ends, since a server may apply a create later
/// than the lookup that followed it.
extension Importer {
    /// Fields a server may store differently from what was sent (§4.8, §10): lifecycle `status`,
    /// `isTemplate`, custom-field options (new ids).
    static func rewrittenByServer(_ kind: ResourceKind) -> Set<String> {
        var fields: Set<String> = ["isTemplate"]
        if kind.lifecycleStatus || kind.ignoredOnWrite.contains("status") { fields.insert("status") }
        if kind.name == "custom-fields" { fields.insert("options") }
        // A file sent with its handle may have been refused and sent again as a link.
        if kind.name == "files" { fields.formUnion(["type", "handle"]) }
        // A person whose role could not be checked may have been sent again as a client.
        if kind.name == "people" { fields.insert("role") }
        return fields
    }

    /// Why a create whose answer was lost is left failed: it cannot be looked for.
    static func unlookable(_ kind: ResourceKind) -> String {
        "its create lost its answer and the target will not list \(kind.name), so whether it was made cannot be "
            + "told: not sent again; check in Plutio and add it by hand if it is not there"
    }

    /// Creates whose answer was lost: a target record of the kind with every field that was sent
    /// settles the intent as matched; otherwise the intent is dropped and the record is created
    /// again in its turn (and looked for once more at the end, `sweepLateApplies`).
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
                let found: (String, JSONObject)?
                do { found = try await lookUp(kind, body, since: since.flatMap { Timestamp.date($0) }) } catch let error
                    as APIError
                    where error.isRefusal
                {
                    try journal.settle(
                        kindName, sourceID, status: .failed, targetID: nil, reason: Self.unlookable(kind),
                        dropped: dropped)
                    return
                }
                if let (id, made) = found {
                    if kindName == "custom-fields" {
                        try mapOptions(source: object, targetOptions: Self.optionsByLabel(made))
                    }
                    try journal.created(
                        kindName, sourceID, targetID: id, dropped: dropped,
                        reason: notes(kind, source: object, made: made, found: true),
                        defaults: defaultBlocks(kind, made))
                    summary.reconciled += 1
                } else {
                    if let since { try journal.noteLostAnswer(kindName, sourceID, intentAt: since, at: Date()) }
                    try journal.settle(
                        kindName, sourceID, status: .failed, targetID: nil,
                        reason: ImportJournal.Notes.createAgain.text.first, notes: .createAgain)
                }
            }
        }
    }

    /// The target record a lost create may have made (see `candidates`), the first one.
    func lookUp(_ kind: ResourceKind, _ body: JSONObject, since: Date?) async throws -> (String, JSONObject)? {
        try await candidates(kind, body, since: since).first
    }

    /// The target records a lost create may have made: created since the intent by the server's
    /// clock (a record the target held before is not one), holding every field that was sent
    /// as the server may normalise it (see `holdsSent`), not standing for any source record yet.
    ///
    /// The list asks only for records created since the intent (less a margin for the estimate
    /// of the server's clock), scoped kinds (comments) under their parent and template bodies by
    /// their flag (hidden from plain lists, §3.5), so a lookup reads a few records; a server
    /// that ignores the time filter costs more calls, never a wrong match.
    /// `until`: the latest a copy may have been made (a sweep's window), by the server's clock.
    func candidates(
        _ kind: ResourceKind, _ body: JSONObject, since: Date?, until: Date? = nil
    ) async throws -> [(String, JSONObject)] {
        var filter = JSONObject()
        for field in kind.scope?.first(where: { $0 != ["_id"] }) ?? [] { filter[field] = body[field] ?? .null }
        if body["isTemplate"] == .bool(true) { filter["isTemplate"] = true }
        let margin = client.serverClock.isMeasured ? Self.clockMargin : Self.unmeasuredClockMargin
        let earliest = since?.addingTimeInterval(-margin)
        let latest = until?.addingTimeInterval(margin)
        if let earliest {
            var window = JSONObject([.init(key: "$gte", value: .string(JSONString(Timestamp.string(earliest))))])
            if let latest { window["$lte"] = .string(JSONString(Timestamp.string(latest))) }
            filter["createdAt"] = .object(window)
        } else {
            // No intent time (a journal of an older build): narrowed by title instead.
            for key in ["title", "name"] {
                if case .string(let s)? = body[key] {
                    filter[key] = .string(s)
                    break
                }
            }
        }
        let rewritten = Self.rewrittenByServer(kind)
        var out: [(String, JSONObject)] = []
        for try await record in client.records(of: kind.name, filter: filter) {
            guard case .object(let candidate) = try record.parsed(), Self.holdsSent(body, candidate, but: rewritten),
                try !journal.isMapped(kind.name, targetID: record.id)
            else { continue }
            if let made = candidate["createdAt"]?.stringValue.flatMap({ Timestamp.date($0) }),
                earliest.map({ made < $0 }) == true || latest.map({ made > $0 }) == true
            {
                continue
            }
            out.append((record.id, candidate))
        }
        return out
    }

    /// How far before the intent (by our estimate of the server's clock, `PlutioClient.serverNow`)
    /// a record it made may be stamped: the estimate comes from the stamps of the records it
    /// made, to within a network round trip, or from a `Date` header, to the second.
    static let clockMargin: TimeInterval = 60

    /// The margin while the server's clock is not measured (a server whose token answer does not
    /// tell its issue time, before its first create): its clock may be hours off ours.
    static let unmeasuredClockMargin: TimeInterval = 6 * 3600

    /// Whether a stored record holds what was sent: each sent field the record has (a server may
    /// drop unknown fields) is `equivalent`, except those the server rewrites.
    static func holdsSent(_ body: JSONObject, _ stored: JSONObject, but rewritten: Set<String>) -> Bool {
        body.allSatisfy { member in
            rewritten.contains(member.key) || stored[member.key].map { equivalent(member.value, $0) } ?? true
        }
    }

    /// Equal as a normalising server may store it: strings alike once trimmed and with runs of
    /// whitespace made one, numbers by value, objects whatever their key order (an absent member
    /// as null), arrays element by element.
    static func equivalent(_ sent: JSONValue, _ stored: JSONValue) -> Bool {
        switch (sent, stored) {
        case (.string(let a), .string(let b)):
            return a == b || words(a.string) == words(b.string)
        case (.object(let a), .object(let b)):
            let keys = Set(a.map(\.key)).union(b.map(\.key))
            return keys.allSatisfy { equivalent(a[$0] ?? .null, b[$0] ?? .null) }
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { equivalent($0, $1) }
        default:
            return sent == stored
        }
    }

    static func words(_ text: String) -> [Substring] { text.split(whereSeparator: { $0.isWhitespace }) }

    /// Looks once more for the creates whose answer was lost and that were sent again: a server
    /// that applied one later than its lookup has made a second record. Each such record (made
    /// between the intent and the end of the window, holding what was sent, standing for no
    /// source record) is deleted, so it lands in the target's trash, and reported with the record
    /// it doubled.
    ///
    /// Runs once `lateApplyWindow` has passed since the last lost answer (waiting out the rest).
    func sweepLateApplies(target: Target, summary: inout Summary) async throws {
        let lost = try journal.lostAnswers()
        guard let last = lost.map(\.lostAt).max() else { return }
        let wait = last.addingTimeInterval(lateApplyWindow).timeIntervalSinceNow
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
        // Local times of the lost answers, as the server's clock has them.
        let offset = client.serverNow().timeIntervalSinceNow
        for (kindName, group) in Dictionary(grouping: lost, by: \.kind).sorted(by: { $0.key < $1.key }) {
            guard let kind = catalog.kind(named: kindName) else { continue }
            let wanted = Dictionary(group.map { ($0.sourceID, $0) }, uniquingKeysWith: { a, _ in a })
            try await forEachRecord(kindName) { object, sourceID in
                guard let answer = wanted[sourceID] else { return }
                let (body, _) = try createBody(kind, object, target: target)
                let until = answer.lostAt.addingTimeInterval(lateApplyWindow + offset)
                let found: [(String, JSONObject)]
                do {
                    found = try await candidates(kind, body, since: Timestamp.date(answer.intentAt), until: until)
                } catch let error as APIError where error.isRefusal {
                    found = []
                }
                var notes: [String] = []
                var failed = false
                for (id, _) in found {
                    if kind.supports(.delete) {
                        if try await client.delete(kindName, id: id) {
                            notes.append("a second copy (\(id)) its lost create made later was deleted (in the trash)")
                            summary.lateDuplicatesDeleted += 1
                        }
                    } else {
                        notes.append(
                            "a second copy (\(id)) its lost create made later cannot be deleted through the API: "
                                + "delete it in Plutio")
                        summary.count(\.failed, kindName)
                        failed = true
                    }
                }
                if let entry = try journal.entry(kindName, sourceID), !notes.isEmpty {
                    let reason = ([entry.reason].compactMap { $0 } + notes).joined(separator: "; ")
                    try journal.settle(
                        kindName, sourceID, status: failed ? .failed : entry.status, targetID: entry.targetID,
                        reason: reason, dropped: entry.dropped)
                }
                try journal.sweptLostAnswer(kindName, sourceID)
            }
        }
    }
}
