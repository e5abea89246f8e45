import Archive
import Basics
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import StateStore

/// Sending one create: the intent first, then the create, and what its answer means.
extension Importer {
    /// What a create made: the target id and record, whether a lost answer's lookup found it,
    /// and notes for the report.
    struct Sent {
        var id: String
        var made: JSONObject
        var found = false
        var notes: [String] = []
    }

    /// Commits the intent, then sends the create until the target answers it. A file refused
    /// with its handle goes again as a link (§6); a person refused an unseen role goes as the
    /// fallback role. A refusal is settled as failed (nil); a lost answer is looked for before the
    /// create goes again (§4.8); anything else ends the run.
    func send(
        _ kind: ResourceKind, _ sourceID: String, body: inout JSONObject, dropped: [String], target: Target,
        summary: inout Summary
    ) async throws -> Sent? {
        var bytes = JSONValue.object(body).bytes
        // By the server's clock: what it stamps a record it makes with (§4.8, late applies).
        let intended = client.serverNow()
        try journal.intend(kind.name, sourceID, bodySHA256: sha256Hex(bytes), at: Timestamp.string(intended))
        var lost = 0
        var notes: [String] = []
        while true {
            do {
                let created = try await client.create(kind.name, body: bytes)
                let made = try created.parsed().objectValue ?? [:]
                if let stamp = made["createdAt"]?.stringValue.flatMap({ Timestamp.date($0) }) {
                    client.noteServerTime(stamp, at: Date())
                }
                return Sent(id: created.id, made: made, notes: notes)
            } catch let error as APIError {
                switch error.underlying {
                // A file the target will not take with its handle comes back as a link (§6).
                case .validation where kind.name == "files" && body["handle"] != nil:
                    body["type"] = .string("link")
                    body["handle"] = nil
                    bytes = JSONValue.object(body).bytes
                // A role the target would not let us see (roles unlistable) and refuses: the person
                // comes with the least privileged baseline role, and the report says so.
                case .validation where kind.name == "people" && unseenRole(body, target) != nil:
                    let role = unseenRole(body, target) ?? ""
                    body["role"] = .string(Self.fallbackRole)
                    bytes = JSONValue.object(body).bytes
                    notes.append(
                        "role \(role) refused by the target (which will not list its roles): created as "
                            + "\(Self.fallbackRole); give the person its role in Plutio")
                // An answer that says the create was not applied: record why and go on.
                case .validation, .forbidden, .notFound:
                    try journal.settle(
                        kind.name, sourceID, status: .failed, targetID: nil, reason: error.localizedDescription,
                        dropped: dropped)
                    summary.count(\.failed, kind.name)
                    return nil
                // A lost answer: look for what it may have made before sending it again (§4.8).
                case .outcomeUnknown where lost < Self.lostAnswersPerCreate:
                    lost += 1
                    let record: (String, JSONObject)?
                    do { record = try await lookUp(kind, body, since: intended) } catch let error as APIError
                        where error.isRefusal
                    {
                        // It cannot be looked for: never sent again on a guess.
                        try journal.settle(
                            kind.name, sourceID, status: .failed, targetID: nil, reason: Self.unlookable(kind),
                            dropped: dropped)
                        summary.count(\.failed, kind.name)
                        return nil
                    }
                    if let record {
                        summary.reconciled += 1
                        return Sent(id: record.0, made: record.1, found: true, notes: notes)
                    }
                    // Not there yet, and sent again: a server that applies it later would end
                    // with two. Looked for once more before the run ends (`sweepLateApplies`).
                    try journal.noteLostAnswer(kind.name, sourceID, intentAt: Timestamp.string(intended), at: Date())
                // Anything else (the connection, the credentials, the budget) ends the run.
                default: throw error
                }
            }
        }
    }
}
