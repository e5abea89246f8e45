import Archive
import Catalog
import Foundation
import JSONCore

/// What an import of an archive into a target will do and cost, before it writes anything
/// (contract §9.2): per kind in import order, the records to create, to match onto what the
/// target has, and to skip with the reason; and the calls that takes.
public struct ImportPlan: Sendable, Codable, Equatable {
    public struct Kind: Sendable, Codable, Equatable {
        public var kind: String
        public var records: Int
        public var create: Int
        public var match: Int
        public var skip: Int
        /// Why records are skipped, when some are.
        public var skipReason: String?
        /// Whether the skipped records are left out by design (login accounts, derived and
        /// metadata kinds, opt-in kinds not chosen), not data the import should have carried.
        public var skipExpected: Bool
        /// PUTs after the creates: second-pass references (§9.3), `blocks[]` orders, invoice numbers.
        public var followUps: Int
        /// Archive calls (`/bulk/archive`, 100 ids each) for records archived at the source.
        public var archiveCalls: Int
    }

    /// Kinds in the order they are imported.
    public var kinds: [Kind]
    /// Lists read to map the target first (step 0).
    public var targetReads: Int
    /// Records the target held before the import, by kind (of the kinds step 0 reads).
    public var targetHad: [String: Int]

    /// Every call: token, step-0 reads, creates, follow-up PUTs and archive calls.
    public var calls: Int {
        1 + targetReads + kinds.reduce(0) { $0 + $1.create + $1.followUps + $1.archiveCalls }
    }
}

/// Works out an `ImportPlan` from an archive and the records step 0 read from the target.
public struct ImportPlanner: Sendable {
    public let catalog: Catalog
    /// Opt-in kinds to import (automations).
    public var include: Set<String> = []

    public init(catalog: Catalog) { self.catalog = catalog }

    /// Kinds step 0 reads from the target, to map what it already has.
    public static let targetKinds = [
        "businesses", "profiles", "roles", "dashboards", "block-groups", "custom-fields", "statuses", "categories",
        "people",
    ]

    /// What one record needs, read once from the archive.
    struct Tally {
        var records = 0
        var followUps = 0
        var archived = 0
        /// Match keys of the records (for kinds matched by key).
        var keys: [String] = []
    }

    /// The plan for `archive` into a target holding `target` (records by kind, as step 0 read them).
    public func plan(archive: URL, target: [String: [JSONValue]], pageSize: Int = 1000) throws -> ImportPlan {
        let order = try catalog.dependencyOrder().kinds
        var tallies: [String: Tally] = [:]
        _ = try ArchiveVerifier().verify(archive) { line in
            guard let kind = catalog.kind(named: line.kind) else { return }
            var tally = tallies[line.kind] ?? Tally()
            tally.records += 1
            if line.members["isArchived"]?.parsedBool == true { tally.archived += 1 }
            tally.followUps += followUps(kind, line.members)
            if let key = matchKey(kind, line.members) { tally.keys.append(key) }
            tallies[line.kind] = tally
        }
        var targetKeys: [String: Set<String>] = [:]
        for (name, records) in target {
            guard let kind = catalog.kind(named: name) else { continue }
            targetKeys[name] = Set(records.compactMap { record in record.objectValue.flatMap { matchKey(kind, $0) } })
        }
        var kinds: [ImportPlan.Kind] = []
        let named = order + catalog.kinds.map(\.name).filter { !order.contains($0) }
        for name in named {
            guard let kind = catalog.kind(named: name), let tally = tallies[name], tally.records > 0 else { continue }
            var plan = ImportPlan.Kind(
                kind: name, records: tally.records, create: 0, match: 0, skip: 0, skipReason: nil,
                skipExpected: true, followUps: 0, archiveCalls: 0)
            let matched = tally.keys.filter { targetKeys[name]?.contains($0) == true }.count
            switch decision(kind) {
            case .skip(let reason, let expected):
                plan.skip = tally.records
                plan.skipReason = reason
                plan.skipExpected = expected
            case .mapOnly(let reason):
                plan.match = matched
                plan.skip = tally.records - matched
                if plan.skip > 0 { plan.skipReason = reason }
            case .matchOrCreate:
                plan.match = matched
                plan.create = tally.records - matched
                plan.followUps = tally.followUps
                plan.archiveCalls = (tally.archived + 99) / 100
            }
            kinds.append(plan)
        }
        let reads = Self.targetKinds.reduce(0) { $0 + max(1, ((target[$1]?.count ?? 0) + pageSize) / pageSize) }
        return ImportPlan(
            kinds: kinds, targetReads: reads, targetHad: target.mapValues(\.count).filter { $0.value > 0 })
    }

    enum Decision {
        /// `expected`: left out by design, not data the import should have carried.
        case skip(String, expected: Bool)
        /// Matched onto the target's records; what has no match cannot be created.
        case mapOnly(String)
        case matchOrCreate
    }

    func decision(_ kind: ResourceKind) -> Decision {
        switch kind.name {
        case "businesses": return .mapOnly("the source business maps to the target business; it is never created")
        case "profiles":
            return .skip("login accounts cannot be created; people with a profile match by email", expected: true)
        case "dashboards", "block-groups": return .mapOnly("cannot be created through the API; matched by title only")
        default: break
        }
        switch kind.role {
        case .derived: return .skip("computed by the server", expected: true)
        case .metadata:
            return .skip("trash and archive rows are metadata (restore recreates trashed items)", expected: true)
        case .mapped: return .mapOnly("cannot be created")
        case .data: break
        }
        if kind.importOptIn, !include.contains(kind.name) {
            return .skip("opt-in: add --include \(kind.name)", expected: true)
        }
        if !kind.supports(.create) { return .skip("the API cannot create \(kind.name)", expected: true) }
        return .matchOrCreate
    }

    /// The key a record matches the target by: role slug, title, entityType + title, or (people)
    /// the owner role and contact emails.
    func matchKey<M: JSONMembers>(_ kind: ResourceKind, _ members: M) -> String?
    where M.Value: JSONNavigable {
        switch kind.name {
        case "businesses": return "business"
        case "roles": return members["slug"]?.stringValue
        case "people":
            if members["role"]?.stringValue == "owner" { return "owner" }
            return members["contactEmails"]?.arrayValue?.first?.objectValue?["address"]?.stringValue.map {
                "email:" + $0.lowercased()
            }
        default:
            let fields = kind.matchBy
            guard !fields.isEmpty else { return nil }
            let values = fields.map { members[$0]?.stringValue }
            guard values.allSatisfy({ $0 != nil }) else { return nil }
            return values.map { $0! }.joined(separator: "\u{1F}")
        }
    }

    /// PUTs a created record needs afterwards: one when it carries a second-pass reference
    /// (§9.3), one for a document's `blocks[]` order, one for an invoice's number.
    func followUps(_ kind: ResourceKind, _ members: RawJSONObject) -> Int {
        var n = 0
        let secondPass = catalog.references(of: kind).filter { $0.secondPass != nil && $0.path != "blocks[]" }
        if secondPass.contains(where: { ref in
            guard let value = members[Reference.topLevelKey(of: ref.path)] else { return false }
            if let items = value.arrayValue { return !items.isEmpty }
            return value.stringValue != nil || value.objectValue != nil
        }) {
            n += 1
        }
        if catalog.references(of: kind).contains(where: { $0.path == "blocks[]" }),
            (members["blocks"]?.arrayValue?.count ?? 0) > 0
        {
            n += 1
        }
        if kind.name == "invoices", members["invoiceId"]?.stringValue != nil { n += 1 }
        return n
    }
}

extension RawJSONValue {
    /// `true` or `false` when the value is a boolean.
    var parsedBool: Bool? {
        guard let value = try? parsed() else { return nil }
        if case .bool(let b) = value { return b }
        return nil
    }
}
