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
    /// Kinds step 0 could not list in the target.
    public var unlistable: [String] = []
    /// What no import can carry, whatever the target (`ImportPlanner.notCarried`).
    public var notCarried: [String] = ImportPlanner.notCarried
    /// What the target holds that the import would create records beside: the import stops
    /// there unless `--merge` (nil when it does not check: a resumed import, or `--merge`).
    public var holdings: TargetHoldings?
    /// For a newer archive of the source a finished import brought in: the delta it applies
    /// (then `kinds` is empty).
    public var delta: DeltaPlan?

    /// Every call: token, step-0 reads, creates, follow-up PUTs and archive calls.
    public var calls: Int {
        if let delta { return delta.calls }
        return 1 + targetReads + kinds.reduce(0) { $0 + $1.create + $1.followUps + $1.archiveCalls }
    }
}

/// What a delta will do, per kind in import order, and the calls it takes.
public struct DeltaPlan: Sendable, Codable, Equatable {
    public struct Kind: Sendable, Codable, Equatable {
        public var kind: String
        /// Records of the kind in the newer archive.
        public var records: Int
        /// New at the source (or made again, with `--prefer source`).
        public var create = 0
        /// Changed at the source: fields PUT (a document's `blocks[]` included).
        public var update = 0
        /// Moved to another parent at the source.
        public var move = 0
        /// Archived or unarchived at the source.
        public var archive = 0
        /// Gone from the source: deleted in the target (those trashed with a parent cost no call).
        public var delete = 0
        /// Changed in the target since the import wrote them: left as the target has them.
        public var conflicts = 0
        /// Gone from the source but kept (`--keep-deleted`).
        public var kept = 0
        public var unchanged = 0
        /// Writes: creates, their follow-ups, updates, moves, archive and delete calls.
        public var calls = 0

        public init(kind: String, records: Int) {
            self.kind = kind
            self.records = records
        }
    }

    /// The archive the delta builds on (the last one imported).
    public var base: String
    public var kinds: [Kind] = []
    /// Reads: step 0's lists and the target records the delta touches (100 ids a call).
    public var targetReads = 0

    /// Every call: token, reads and writes.
    public var calls: Int { 1 + targetReads + kinds.reduce(0) { $0 + $1.calls } }
}

/// Works out an `ImportPlan` from an archive and the records step 0 read from the target.
public struct ImportPlanner: Sendable {
    public let catalog: Catalog
    /// Opt-in kinds to import (automations).
    public var include: Set<String> = []
    /// Kinds whose updates the target is known to take through `/bulk` (`PlutioClient.takesBulk`):
    /// records that get the same fields go 100 a call.
    public var bulkUpdates: Set<String> = []

    public init(catalog: Catalog) { self.catalog = catalog }

    /// What no import can carry (the server owns it, or the API has no way to write it), for the
    /// plan, the summary and the README: a user decides before the first write.
    public static let notCarried = [
        "creation and update dates: the target stamps every record anew (the archive keeps the originals)",
        "authors: records and comments are made by the API client's user, not by the people who wrote them",
        "task numbers: the target numbers tasks anew (invoice numbers are put back)",
        "lifecycle states: sent, paid, signed and active documents and subscriptions start over as drafts",
        "file binaries: files come back as links to the source's files, which die with them",
        "logins (profiles), block groups, dashboard data, and automations unless --include automations",
    ]

    /// Kinds step 0 reads from the target, to map what it already has.
    public static let targetKinds = [
        "businesses", "profiles", "roles", "dashboards", "block-groups", "custom-fields", "statuses", "categories",
        "people",
    ]

    /// What one kind's records need, read once from the archive.
    struct Tally {
        var records = 0
        var followUps = 0
        var archived = 0
        /// Records never sent: blocks of block groups (matched, never rebuilt).
        var unsent = 0
        /// Match keys of the records (for kinds matched by key).
        var keys: [String] = []
    }

    /// The plan for `archive` into a target holding `target` (records by kind, as step 0 read them).
    public func plan(archive: URL, target: [String: [JSONValue]], pageSize: Int = 1000) throws -> ImportPlan {
        let tallies = try tally(archive)
        var targetKeys: [String: Set<String>] = [:]
        for (name, records) in target {
            guard let kind = catalog.kind(named: name) else { continue }
            targetKeys[name] = Set(records.compactMap { record in record.objectValue.flatMap { matchKey(kind, $0) } })
        }
        var kinds: [ImportPlan.Kind] = []
        var reads = Self.targetKinds.reduce(0) { $0 + max(1, ((target[$1]?.count ?? 0) + pageSize) / pageSize) }
        for kind in try importOrder() {
            guard let tally = tallies[kind.name], tally.records > 0 else { continue }
            let matched = tally.keys.filter { targetKeys[kind.name]?.contains($0) == true }.count
            kinds.append(plan(kind, tally, matched: matched, reads: &reads))
        }
        return ImportPlan(
            kinds: kinds, targetReads: reads, targetHad: target.mapValues(\.count).filter { $0.value > 0 })
    }

    /// One kind's line of the plan, from its tally and how many of its records the target has;
    /// adds the target reads the kind costs.
    func plan(_ kind: ResourceKind, _ tally: Tally, matched: Int, reads: inout Int) -> ImportPlan.Kind {
        var plan = ImportPlan.Kind(
            kind: kind.name, records: tally.records, create: 0, match: 0, skip: 0, skipReason: nil,
            skipExpected: true, followUps: 0, archiveCalls: 0)
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
            plan.skip = tally.unsent
            if tally.unsent > 0 {
                plan.skipReason = "blocks of block groups: the groups are matched, never rebuilt"
            }
            plan.create = tally.records - matched - tally.unsent
            plan.followUps = tally.followUps
            // Kinds without /bulk/archive are archived by a PUT each (§4.3), or 100 a call
            // where /bulk takes updates.
            let hundreds = kind.supports(.archive) || kind.supports(.bulkUpdate) || bulkUpdates.contains(kind.name)
            plan.archiveCalls = hundreds ? (tally.archived + 99) / 100 : tally.archived
            // The boards and groups a target may make with new projects are looked for once.
            if Importer.madeWithParent[kind.name] != nil { reads += 1 }
            // The companies' links are read once, to PUT only those a server did not mirror.
            if kind.name == "companies" { reads += 1 }
        }
        return plan
    }

    /// Each kind's tally of the archive's records (verified on the way).
    func tally(_ archive: URL) throws -> [String: Tally] {
        var tallies: [String: Tally] = [:]
        // Documents that get default blocks (§4.5), and the types of each owner's archived blocks:
        // a default block no archived block takes costs a delete.
        var defaults: [String: (kind: String, types: [String], put: Bool)] = [:]
        var blockTypes: [String: [String]] = [:]
        _ = try ArchiveVerifier().verify(archive) { line in
            guard let kind = catalog.kind(named: line.kind) else { return }
            let m = line.members
            var tally = tallies[line.kind] ?? Tally()
            tally.records += 1
            if m["isArchived"]?.parsedBool == true { tally.archived += 1 }
            let put = followUps(kind, m)
            tally.followUps += put
            if let key = matchKey(kind, m) { tally.keys.append(key) }
            if kind.name == "blocks" {
                if m["entityType"]?.stringValue == "blocks-group" { tally.unsent += 1 }
                if let owner = m["entityId"]?.stringValue, let type = m["type"]?.stringValue {
                    blockTypes[owner, default: []].append(type)
                }
            }
            if let made = kind.defaultBlocks, let id = m["_id"]?.stringValue,
                (made.when ?? [:]).allSatisfy({ m[$0.key]?.stringValue == $0.value })
            {
                defaults[id] = (kind.name, made.types, put > 0)
            }
            tallies[line.kind] = tally
        }
        for (id, document) in defaults {
            var unused = document.types
            for type in blockTypes[id] ?? [] {
                if let i = unused.firstIndex(of: type) { unused.remove(at: i) }
            }
            // The delete, and the PUT of blocks[] when nothing else asked for one.
            if !unused.isEmpty { tallies[document.kind]?.followUps += document.put ? 1 : 2 }
        }
        return tallies
    }

    /// Every kind of the catalogue, in the order it is imported (§9.2).
    func importOrder() throws -> [ResourceKind] {
        let order = try catalog.dependencyOrder().kinds
        return (order + catalog.kinds.map(\.name).filter { !order.contains($0) }).compactMap(catalog.kind(named:))
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

    /// Calls a created record needs afterwards: one PUT when it carries a second-pass reference
    /// (§9.3), a `blocks[]` order, an invoice number, or (a template row) a block body.
    func followUps(_ kind: ResourceKind, _ members: RawJSONObject) -> Int {
        // Kinds that cannot be updated (dashboard pages) get no follow-up.
        guard kind.supports(.update) else { return 0 }
        let refs = catalog.references(of: kind)
        let secondPass = refs.filter { $0.secondPass != nil && $0.path != "blocks[]" }
        let needsPut =
            secondPass.contains { ref in
                let key = Reference.topLevelKey(of: ref.path)
                guard ref.path != Importer.treeFields[kind.name], let value = members[key] else { return false }
                // A reference that is also sent on create (a typed entityId) is not a follow-up.
                if refs.contains(where: { $0.secondPass == nil && Reference.topLevelKey(of: $0.path) == key }) {
                    return false
                }
                if let items = value.arrayValue { return !items.isEmpty }
                return value.stringValue != nil || value.objectValue != nil
            }
            // A template row whose body is a block gets it once the block exists.
            || (kind.name == "templates" && members["entityType"]?.stringValue == "block"
                && members["entityId"]?.stringValue != nil)
            || (refs.contains { $0.path == "blocks[]" } && (members["blocks"]?.arrayValue?.count ?? 0) > 0)
            || (Catalog.numberFields[kind.name].map { members[$0] != nil && kind.name == "invoices" } ?? false)
        return needsPut ? 1 : 0
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
