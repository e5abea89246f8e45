import Catalog
import Foundation
import JSONCore
import PlutioAPI

/// What a target already holds of the kinds an import would create: records beyond the
/// fresh-account baseline (§4.8), beyond what step 0 maps onto (people by email, custom fields,
/// statuses and categories by title, roles by slug) and beyond what this state directory made.
/// An import into a target holding any stops before its first write, unless the user asks to
/// import beside them (`--merge`): importing a workspace's archive into that same workspace
/// would otherwise make every record twice.
public struct TargetHoldings: Sendable, Codable, Equatable {
    public struct Kind: Sendable, Codable, Equatable {
        public var kind: String
        public var records: Int
        /// The page read was full: the target holds at least `records`.
        public var atLeast: Bool
    }
    public var kinds: [Kind] = []
    /// Kinds the import would create that the target refused to list: what they hold is unknown.
    public var unlistable: [String] = []

    public var isEmpty: Bool { kinds.isEmpty && unlistable.isEmpty }

    /// `projects 12, tasks 100 or more; custom-fields cannot be listed`.
    public var summary: String {
        var parts = kinds.map { "\($0.kind) \($0.records)\($0.atLeast ? " or more" : "")" }.joined(separator: ", ")
        if !unlistable.isEmpty {
            parts += (parts.isEmpty ? "" : "; ") + unlistable.joined(separator: ", ") + " cannot be listed"
        }
        return parts
    }
}

extension Importer {
    /// Records read per kind by the check: enough to say "N or more".
    static let holdingsPage = 100

    /// Kinds the check leaves out: blocks exist only under documents (checked by their own
    /// kinds), and a fresh account's dashboards may come with pages of their own (§11).
    static let uncheckedKinds: Set<String> = ["blocks", "dashboard-pages"]

    /// What the target holds of `kinds` (those the import would create), from step 0's reads and
    /// one page of every other kind. `archiveKeys`: the match keys of the archive's records of
    /// step 0's kinds (what they map onto is not a duplicate); nil when no archive is at hand
    /// yet (a migration checks its target before it exports).
    public func holdings(
        creating kinds: Set<String>, stepZero: TargetRecords, archiveKeys: [String: Set<String>]?
    ) async throws -> TargetHoldings {
        var out = TargetHoldings()
        for kind in try importOrder() where kinds.contains(kind.name) {
            guard case .matchOrCreate = planner.decision(kind), kind.scope == nil,
                !Self.uncheckedKinds.contains(kind.name)
            else { continue }
            // Roles the target will not list are not created (see `settleUnseenRole`).
            if kind.name == "roles", stepZero.unlistable.contains("roles") { continue }
            var count = 0
            var full = false
            if ImportPlanner.targetKinds.contains(kind.name) {
                if stepZero.unlistable.contains(kind.name) {
                    out.unlistable.append(kind.name)
                    continue
                }
                for record in stepZero.records[kind.name] ?? [] {
                    guard let id = record["_id"]?.stringValue, !isBaseline(kind, record) else { continue }
                    if let key = planner.matchKey(kind, record), archiveKeys?[kind.name]?.contains(key) == true {
                        continue
                    }
                    if try !journal.madeByAnyRun(kind.name, targetID: id) { count += 1 }
                }
            } else {
                // Pages until one holds a record this state did not make, or the list ends.
                var skip = 0
                do {
                    while true {
                        let page = try await client.page(
                            kind.name, q: PlutioClient.everything, skip: skip, limit: Self.holdingsPage)
                        guard !page.isEmpty else { break }
                        skip += page.count
                        for record in page where try !journal.madeByAnyRun(kind.name, targetID: record.id) {
                            count += 1
                        }
                        // A full page (the server's cap may be below ours) says nothing of what follows.
                        if count > 0 {
                            full = page.count >= min(Self.holdingsPage, max(1, client.largestPageSeen))
                            break
                        }
                    }
                } catch let error as APIError where error.isRefusal {
                    out.unlistable.append(kind.name)
                    continue
                }
            }
            if count > 0 { out.kinds.append(.init(kind: kind.name, records: count, atLeast: full)) }
        }
        return out
    }

    /// Calls `holdings` makes beyond step 0: a page of each kind it checks that step 0 does not read.
    func holdingsReads(creating kinds: Set<String>) throws -> Int {
        try importOrder().filter { kind in
            guard kinds.contains(kind.name), case .matchOrCreate = planner.decision(kind) else { return false }
            return kind.scope == nil && !Self.uncheckedKinds.contains(kind.name)
                && !ImportPlanner.targetKinds.contains(kind.name)
        }.count
    }

    /// Whether a record belongs to every account's baseline (§4.8): a default role, the owner.
    func isBaseline(_ kind: ResourceKind, _ record: JSONObject) -> Bool {
        switch kind.name {
        case "roles": Self.baselineRoles.contains(record["slug"]?.stringValue ?? "")
        case "people": record["role"]?.stringValue == "owner"
        default: false
        }
    }
}

/// An import would create records beside what the target already holds.
public struct TargetNotEmpty: Error, LocalizedError, Sendable {
    public let business: String
    public let holdings: TargetHoldings

    public var errorDescription: String? {
        var text =
            "The target workspace \(business) already holds records of the kinds this import creates: "
            + "\(holdings.summary) (beyond a fresh account's own and what the import matches by email or title). "
        if !holdings.unlistable.isEmpty {
            text += "Kinds the target will not list may hold anything. "
        }
        return text
            + "Importing would add the archive's records beside them, so records that came from this same "
            + "workspace would exist twice. Nothing was written. To import beside them on purpose (a workspace "
            + "with its own projects), add --merge. To bring back single items or sub-trees, use "
            + "`plutio-backup restore ARCHIVE --kind K --id ID [--with-children]` or `restore --trash`."
    }
}
