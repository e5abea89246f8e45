import Archive
import ArchiveChecks
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import Session
import StateStore

/// Rebuilds an archive's records in a target business (contract §9), resumably. It maps the
/// target first (step 0), creates each kind in dependency order with every reference remapped
/// through the journal, and sets second-pass references by PUT.
///
/// Crash safety: an intent is committed before each create and settled with the target id after
/// it; a rerun first reconciles intents whose outcome is unknown by looking for a target record
/// with the fields that were sent, and only then creates again.
public struct Importer: Sendable {
    /// The target, the catalogue, the run's journal and where its records are extracted.
    package let context: RunContext
    package var client: PlutioClient { context.client }
    package var catalog: Catalog { context.catalog }
    package var journal: ImportJournal { context.journal }
    package var scratch: URL { context.scratch }
    /// Only these kinds (nil: every kind the planner imports).
    public var kinds: Set<String>?
    /// Called once every record is created, before the second pass (a restore points live
    /// records at the new ids there, so that documents' `blocks[]` can be set).
    public var afterCreates: (@Sendable () async throws -> Void)?
    /// Sends file records as they are, handle included (a restore into the business that still
    /// stores the binaries, §4.8); a file the target refuses comes back as a link.
    public var keepsFileHandles = false
    /// Lets Plutio invite the people it creates (`--invite`); by default every people create
    /// carries `invite:false`, so that no client or teammate is emailed (§4.8).
    public var invites = false
    var planner: ImportPlanner
    /// Called as records are settled.
    public var progress: (@Sendable (ImportProgress) -> Void)?
    /// The archive's roles are incomplete (a source that would not list them): people's role
    /// slugs are sent as they are (see `unseenRole`).
    var archiveLacksRoles = false
    /// How long after a lost answer (looked for and not found, so sent again) the server may
    /// still apply it: the run looks for a second record once that has passed (`sweepLateApplies`).
    public var lateApplyWindow: TimeInterval = 60
    /// Step 0's reads, when the caller made them already (the check for records an import
    /// would duplicate reads the same lists).
    var preread: TargetRecords?
    /// Each kind's top-level fields that hold second-pass references, worked out once.
    let secondPassFields: [String: Set<String>]
    /// A delta: the run builds on an earlier run of this journal (its rows carried over) and
    /// applies what changed at the source since (see `Importer+Delta`); nil for a first import.
    public var delta: DeltaOptions?
    /// Kinds the archive's export did not read to their end: nothing of them counts as gone.
    var incompleteKinds: Set<String> = []
    /// Kinds the archive's manifest names: a kind it does not name is not taken as emptied.
    var manifestKinds: Set<String> = []

    public init(
        client: PlutioClient, catalog: Catalog, journal: ImportJournal, scratch: URL, include: Set<String> = []
    ) {
        self.init(
            context: RunContext(client: client, catalog: catalog, journal: journal, scratch: scratch), include: include)
    }

    /// An importer working in a run another part already set up (a restore's).
    package init(context: RunContext, include: Set<String> = []) {
        self.context = context
        planner = ImportPlanner(catalog: context.catalog)
        planner.include = include
        secondPassFields = Dictionary(
            uniqueKeysWithValues: context.catalog.kinds.map { ($0.name, Self.secondPassFields($0, context.catalog)) })
    }

    /// What a run did, by kind.
    public struct Summary: Sendable, Equatable {
        /// Records created, matched, skipped and failed (creates the target refused; the journal
        /// holds each reason), by kind.
        public var kinds: [String: ImportKindSummary] = [:]
        public var created: [String: Int] { counts(\.created) }
        public var matched: [String: Int] { counts(\.matched) }
        public var skipped: [String: Int] { counts(\.skipped) }
        public var failed: [String: Int] { counts(\.failed) }
        /// Creates whose lost answer was found applied on resume.
        public var reconciled = 0
        /// Second records that lost creates made later than their lookup, deleted.
        public var lateDuplicatesDeleted = 0
        /// References dropped because they resolved nowhere, by path.
        public var dropped: [String: Int] = [:]

        public init() {}

        /// Counts one record of `kind` under `outcome`.
        mutating func count(_ outcome: WritableKeyPath<ImportKindSummary, Int>, _ kind: String) {
            kinds[kind, default: ImportKindSummary(kind: kind)][keyPath: outcome] += 1
        }

        /// The kinds with records under `outcome`, with how many.
        func counts(_ outcome: KeyPath<ImportKindSummary, Int>) -> [String: Int] {
            kinds.compactMapValues { $0[keyPath: outcome] > 0 ? $0[keyPath: outcome] : nil }
        }
    }

    /// Fields never sent on create: the server's own (§4.2, §4.8), and `isArchived` (archived
    /// afterwards, §4.3).
    static let unsent = Catalog.serverOwnedFields.union(["isArchived"])

    public func run(archive: URL) async throws -> Summary {
        try ArchiveGate.check(archive, allowPartial: true)
        return try await run(verifiedArchive: archive)
    }

    /// Imports an archive the caller has verified (`ArchiveGate`).
    func run(verifiedArchive archive: URL) async throws -> Summary {
        try makePrivateDirectory(scratch)
        var importer = self
        let manifest = try ArchiveVerifier.manifest(of: archive)
        importer.archiveLacksRoles = manifest.kinds["roles"]?.complete == false
        importer.incompleteKinds = Set(manifest.kinds.filter { !$0.value.complete }.keys)
        importer.manifestKinds = Set(manifest.kinds.keys)
        return try await importer.run(extracted: try importer.extract(archive))
    }

    /// Imports the record files already in the scratch directory (`<kind>.ndjson`, one record
    /// per line), of the kinds `extracted`.
    package func run(extracted: Set<String>) async throws -> Summary {
        var summary = Summary()
        var target = try await readTarget()
        target.optionFields = try await optionFields()
        try await reconcile(extracted: extracted, target: target, summary: &summary)
        // A delta finds what changed before it creates: a record deleted in the target since may
        // have to be created again.
        var found: Delta?
        if delta != nil { found = try await findDelta(extracted: extracted, target: target, writes: true) }
        let chosen = try importOrder().filter { extracted.contains($0.name) && kinds?.contains($0.name) ?? true }
        var created: [ResourceKind] = []
        for kind in chosen {
            switch planner.decision(kind) {
            case .skip: continue  // the report gives each record the decision's reason
            case .mapOnly(let reason): try await mapOnly(kind, reason: reason, target: target, summary: &summary)
            case .matchOrCreate:
                let phase: Phase = kind.name == "blocks" ? .otherBlocks : .all
                try await createAll(kind, phase: phase, target: &target, summary: &summary)
                if kind.name == "blocks" { try await createPageBlocks(kind, target: &target, summary: &summary) }
                created.append(kind)
            }
            // A template row and its block body point at each other: the row first, then the block.
            if kind.name == "templates", let blocks = created.first(where: { $0.name == "blocks" }) {
                try await createAll(blocks, phase: .templateBlocks, target: &target, summary: &summary)
            }
        }
        try await afterCreates?()
        for kind in created { try await secondPass(kind, summary: &summary) }
        if let found { try await apply(found, target: target, summary: &summary) }
        for kind in created { try await archiveAll(kind) }
        try await sweepLateApplies(target: target, summary: &summary)
        return summary
    }

    /// Every kind of the catalogue, in the order it is imported (§9.2).
    func importOrder() throws -> [ResourceKind] { try planner.importOrder() }

    /// Reports one more record of `kind` settled.
    func advance(_ kind: String, _ phase: ImportProgress.Phase, _ done: inout Int) {
        done += 1
        progress?(ImportProgress(phase: phase, kind: kind, done: done))
    }

    // MARK: Extract and step 0

    /// Writes each `records/<kind>.ndjson` of the archive to the scratch directory, in one pass.
    /// The archive was verified first (`ArchiveGate`): nothing is imported from one that does not.
    func extract(_ archive: URL) throws -> Set<String> {
        let reader = try ArchiveReader(url: archive)
        var kinds = Set<String>()
        while let entry = try reader.next() {
            guard let kind = Manifest.kind(ofRecordsPath: entry.path) else { continue }
            // Only the catalogue's kinds: an entry name never chooses a path outside the scratch directory.
            guard catalog.kind(named: kind) != nil else { continue }
            let url = scratch.appendingPathComponent("\(kind).ndjson")
            // Created 0600 (records of a business), afresh when a killed run left one behind;
            // FileHandle says why when the file cannot be made.
            try? FileManager.default.removeItem(at: url)
            _ = FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try reader.readChunks { chunk in try handle.write(contentsOf: Data(chunk)) }
            kinds.insert(kind)
        }
        return kinds
    }

    /// The target's records of the kinds step 0 maps, by match key.
    struct Target {
        var keys: [String: [String: String]] = [:]
        var roleSlugs: Set<String> = []
        /// Kinds step 0 could not list: what they hold is unknown, never taken as nothing.
        var unlistable: Set<String> = []
        /// The archive's roles are incomplete (the source would not list them either).
        var archiveLacksRoles = false
        /// Whether a role slug this import cannot see may still be the target's: people keep it.
        var rolesUnverified: Bool { unlistable.contains("roles") || archiveLacksRoles }
        /// Custom-field options by field (target id) and label.
        var options: [String: [String: String]] = [:]
        /// The archive's custom fields whose values are option ids (those with options).
        var optionFields: Set<String> = []

        mutating func add(_ object: JSONObject, of kind: ResourceKind, planner: ImportPlanner) {
            guard let id = object["_id"]?.stringValue else { return }
            let name = kind.name
            if let key = planner.matchKey(kind, object) { keys[name, default: [:]][key] = id }
            if name == "roles", let slug = object["slug"]?.stringValue { roleSlugs.insert(slug) }
            if name == "custom-fields" { options[id] = Importer.optionsByLabel(object) }
        }
    }

    /// The archive's custom fields that have options: their values are option ids.
    func optionFields() async throws -> Set<String> {
        var out = Set<String>()
        try await forEachRecord("custom-fields") { field, id in
            if !(field["options"]?.arrayValue ?? []).isEmpty { out.insert(id) }
        }
        return out
    }

    /// Step 0 (§9.2): the target's records of the kinds it maps. A kind the target will not list
    /// is not taken as empty: roles (which may not be listable at all, §11.17) are assumed to be
    /// the baseline five of §4.8, and the rest is left to the report.
    func readTarget() async throws -> Target {
        var read = preread
        if read == nil { read = try await readTargetRecords() }
        guard let read else { return Target() }
        var target = Target()
        target.unlistable = read.unlistable
        target.archiveLacksRoles = archiveLacksRoles
        if read.unlistable.contains("roles") { target.roleSlugs = Self.baselineRoles }
        for (name, records) in read.records {
            guard let kind = catalog.kind(named: name) else { continue }
            for record in records { target.add(record, of: kind, planner: planner) }
        }
        return target
    }

    /// The role slugs every account has (§4.8).
    public static let baselineRoles: Set<String> = ["owner", "co-owner", "manager", "team", "client"]

    /// What step 0 read of the target.
    public struct TargetRecords: Sendable {
        /// Records of the kinds step 0 maps (`ImportPlanner.targetKinds`), by kind.
        public var records: [String: [JSONObject]] = [:]
        /// Kinds the target refused to list (403 or 404).
        public var unlistable: Set<String> = []
    }

    /// The target's records of the kinds step 0 maps (`ImportPlanner.targetKinds`).
    public func readTargetRecords() async throws -> TargetRecords {
        var out = TargetRecords()
        for name in ImportPlanner.targetKinds {
            var records: [JSONObject] = []
            do {
                for try await record in client.records(of: name) {
                    if case .object(let object) = try record.parsed() { records.append(object) }
                }
            } catch let error as APIError where error.isRefusal {
                out.unlistable.insert(name)
                continue
            }
            out.records[name] = records
        }
        return out
    }

    static func optionsByLabel(_ field: JSONObject) -> [String: String] {
        var out: [String: String] = [:]
        for option in field["options"]?.arrayValue ?? [] {
            guard let id = option["_id"]?.stringValue,
                let label = option["name"]?.stringValue ?? option["title"]?.stringValue
            else { continue }
            out[label] = id
        }
        return out
    }

    // MARK: Records

    /// Calls `body` with each archived record of a kind (as a tree) and its source id; nothing
    /// when the archive holds no such kind.
    func forEachRecord(_ kind: String, _ body: (JSONObject, String) async throws -> Void) async throws {
        let url = scratch.appendingPathComponent("\(kind).ndjson")
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        var lines = try LineReader(url: url)
        while let line = try lines.next() {
            guard case .object(let object) = try JSONValue.parse(line), let id = object["_id"]?.stringValue else {
                continue
            }
            try await body(object, id)
        }
    }

    /// Kinds that are never created: matched onto the target by key, or skipped.
    func mapOnly(_ kind: ResourceKind, reason: String, target: Target, summary: inout Summary) async throws {
        var done = 0
        try await forEachRecord(kind.name) { object, id in
            defer { advance(kind.name, .create, &done) }
            if try journal.entry(kind.name, id) != nil { return }
            if let key = planner.matchKey(kind, object), let targetID = target.keys[kind.name]?[key] {
                try journal.settle(kind.name, id, status: .matched, targetID: targetID, reason: nil)
                summary.count(\.matched, kind.name)
            } else {
                try journal.settle(kind.name, id, status: .skipped, targetID: nil, reason: reason)
                summary.count(\.skipped, kind.name)
            }
        }
    }
}
