import Archive
import Catalog
import Crypto
import Foundation
import JSONCore
import PlutioAPI
import StateStore

/// Rebuilds an archive's records in a target business (contract §9), resumably: the first slice
/// of issue 9. It maps the target first (step 0), creates each kind in dependency order with
/// every reference remapped through the journal, and sets second-pass references by PUT.
///
/// Crash safety: an intent is committed before each create and settled with the target id after
/// it; a rerun first reconciles intents whose outcome is unknown by looking for a target record
/// with the fields that were sent, and only then creates again.
///
/// Not yet: document blocks, files as links, template rows, archived state, invoice numbers,
/// the plan and report commands (see issue 9).
public struct Importer: Sendable {
    let client: PlutioClient
    let catalog: Catalog
    let journal: ImportJournal
    /// Where the archive's record files are extracted (0700).
    let scratch: URL
    /// Only these kinds (nil: `supportedKinds`).
    public var kinds: Set<String>?
    let planner: ImportPlanner
    /// Each kind's top-level fields that hold second-pass references, worked out once.
    let secondPassFields: [String: Set<String>]

    public init(client: PlutioClient, catalog: Catalog, journal: ImportJournal, scratch: URL) {
        self.client = client
        self.catalog = catalog
        self.journal = journal
        self.scratch = scratch
        planner = ImportPlanner(catalog: catalog)
        secondPassFields = Dictionary(
            uniqueKeysWithValues: catalog.kinds.map { ($0.name, Self.secondPassFields($0, catalog)) })
    }

    /// What a run did, by kind.
    public struct Summary: Sendable, Equatable {
        public var created: [String: Int] = [:]
        public var matched: [String: Int] = [:]
        public var skipped: [String: Int] = [:]
        /// Creates the target refused (the journal holds each reason).
        public var failed: [String: Int] = [:]
        /// Creates whose lost answer was found applied on resume.
        public var reconciled = 0
        /// References dropped because they resolved nowhere, by path.
        public var dropped: [String: Int] = [:]
    }

    /// The reason of an intent the reconciliation did not find applied: it is created again.
    static let retryReason = "not found after a lost answer; created again"

    /// The kinds this slice imports when no filter is given; the others need work of their own
    /// (blocks and document order, wiki trees, files as links, templates, comment order).
    public static let supportedKinds: Set<String> = [
        "businesses", "profiles", "dashboards", "block-groups", "roles", "custom-fields", "statuses", "categories",
        "inbox-groups", "items", "people", "companies", "projects", "task-boards", "task-groups", "tasks",
        "time-tracks", "events", "canned-responses",
    ]

    /// Fields never sent on create: the server's own (§4.2, §4.8), and `isArchived` (archived
    /// afterwards, §4.3).
    static let unsent = Catalog.serverOwnedFields.union(["isArchived"])

    public func run(archive: URL) async throws -> Summary {
        var summary = Summary()
        try makePrivateDirectory(scratch)
        let extracted = try extract(archive)
        let order = try catalog.dependencyOrder().kinds.filter { extracted.contains($0) }
        var target = try await readTarget()
        target.optionFields = try await optionFields()
        try await reconcile(extracted: extracted, order: order, target: target, summary: &summary)
        let chosen = order.filter((kinds ?? Self.supportedKinds).contains).compactMap(catalog.kind(named:))
        for kind in chosen {
            switch planner.decision(kind) {
            case .skip, .mapOnly:
                try await mapOnly(kind, target: target, summary: &summary)
            case .matchOrCreate:
                try await createAll(kind, target: &target, summary: &summary)
            }
        }
        for kind in chosen { try await secondPass(kind, summary: &summary) }
        return summary
    }

    // MARK: Extract and step 0

    /// Writes each `records/<kind>.ndjson` of the archive to the scratch directory, in one pass.
    func extract(_ archive: URL) throws -> Set<String> {
        // Nothing is imported from an archive that does not verify.
        let report = try ArchiveVerifier().verify(archive)
        guard report.isIntact else {
            throw ArchiveError.corrupt(
                path: archive.path, entry: Manifest.entryName, reason: report.problems.prefix(3).joined(separator: "; ")
            )
        }
        let reader = try ArchiveReader(url: archive)
        var kinds = Set<String>()
        while let entry = try reader.next() {
            guard entry.path.hasPrefix("records/"), entry.path.hasSuffix(".ndjson") else { continue }
            let kind = String(entry.path.dropFirst("records/".count).dropLast(".ndjson".count))
            // Only the catalogue's kinds: an entry name never chooses a path outside the scratch directory.
            guard catalog.kind(named: kind) != nil else { continue }
            let url = scratch.appendingPathComponent("\(kind).ndjson")
            // Created 0600 (records of a business); FileHandle says why when the file cannot be made.
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
        /// Custom-field options by field (target id) and label.
        var options: [String: [String: String]] = [:]
        /// The archive's custom fields whose values are option ids (those with options).
        var optionFields: Set<String> = []
    }

    /// The archive's custom fields that have options: their values are option ids.
    func optionFields() async throws -> Set<String> {
        var out = Set<String>()
        try await forEachRecord("custom-fields") { field, id in
            if !(field["options"]?.arrayValue ?? []).isEmpty { out.insert(id) }
        }
        return out
    }

    func readTarget() async throws -> Target {
        var target = Target()
        for name in ImportPlanner.targetKinds {
            guard let kind = catalog.kind(named: name) else { continue }
            do {
                try await readTarget(kind, into: &target)
            } catch let error as APIError {
                // A kind the target will not list (roles may not be listable at all, §11.17) maps nothing.
                switch error.underlying {
                case .forbidden, .notFound: continue
                default: throw error
                }
            }
        }
        return target
    }

    func readTarget(_ kind: ResourceKind, into target: inout Target) async throws {
        let name = kind.name
        for try await record in client.records(of: name) {
            let value = try record.parsed()
            guard let object = value.objectValue else { continue }
            if let key = planner.matchKey(kind, object) {
                target.keys[name, default: [:]][key] = record.id
            }
            if name == "roles", let slug = object["slug"]?.stringValue { target.roleSlugs.insert(slug) }
            if name == "custom-fields" { target.options[record.id] = Self.optionsByLabel(object) }
            // The owner is found by email too: a source person with the owner's email is the owner.
            if name == "people", object["role"]?.stringValue == "owner",
                let email = object["contactEmails"]?.arrayValue?.first?["address"]?.stringValue
            {
                target.keys[name, default: [:]]["email:" + email.lowercased()] = record.id
            }
        }
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
    func mapOnly(_ kind: ResourceKind, target: Target, summary: inout Summary) async throws {
        try await forEachRecord(kind.name) { object, id in
            if try journal.entry(kind.name, id) != nil { return }
            if let key = planner.matchKey(kind, object), let targetID = target.keys[kind.name]?[key] {
                try journal.settle(kind.name, id, status: .matched, targetID: targetID, reason: nil)
                summary.matched[kind.name, default: 0] += 1
            } else {
                try journal.settle(kind.name, id, status: .skipped, targetID: nil, reason: "not created by an import")
                summary.skipped[kind.name, default: 0] += 1
            }
        }
    }

    func createAll(_ kind: ResourceKind, target: inout Target, summary: inout Summary) async throws {
        try await forEachRecord(kind.name) { object, sourceID in
            // Settled records are done (refused ones too); an intent the reconciliation could not
            // find is created again.
            if let entry = try journal.entry(kind.name, sourceID),
                entry.status != .intent && !(entry.status == .failed && entry.reason == Self.retryReason)
            {
                if kind.name == "roles", let slug = object["slug"]?.stringValue { target.roleSlugs.insert(slug) }
                return
            }
            if let key = planner.matchKey(kind, object), let targetID = target.keys[kind.name]?[key] {
                // Options first: a crash between the two leaves the field unsettled, so it is mapped again.
                if kind.name == "custom-fields" {
                    try mapOptions(source: object, targetOptions: target.options[targetID] ?? [:])
                }
                try journal.settle(kind.name, sourceID, status: .matched, targetID: targetID, reason: nil)
                summary.matched[kind.name, default: 0] += 1
                return
            }
            let (body, dropped) = try createBody(kind, object, target: target)
            let bytes = JSONValue.object(body).bytes
            try journal.intend(kind.name, sourceID, bodySHA256: sha256Hex(bytes), at: Exporter.timestamp(Date()))
            let created: RawRecord
            do {
                created = try await client.create(kind.name, body: bytes)
            } catch let error as APIError {
                // An answer that says the create was not applied: record why and go on. An unknown
                // outcome, or a failure of the connection or the credentials, ends the run.
                switch error.underlying {
                case .validation, .forbidden, .notFound:
                    try journal.settle(
                        kind.name, sourceID, status: .failed, targetID: nil, reason: error.localizedDescription,
                        dropped: dropped)
                    summary.failed[kind.name, default: 0] += 1
                    return
                default:
                    throw error
                }
            }
            if kind.name == "custom-fields", case .object(let made) = try created.parsed() {
                try mapOptions(source: object, targetOptions: Self.optionsByLabel(made))
            }
            try journal.created(kind.name, sourceID, targetID: created.id, dropped: dropped)
            if kind.name == "roles", let slug = object["slug"]?.stringValue { target.roleSlugs.insert(slug) }
            summary.created[kind.name, default: 0] += 1
            for path in dropped { summary.dropped[path, default: 0] += 1 }
        }
    }

    /// Maps a source custom field's option ids onto the target field's, by label.
    func mapOptions(source: JSONObject, targetOptions: [String: String]) throws {
        for (label, sourceOption) in Self.optionsByLabel(source) {
            guard let targetOption = targetOptions[label] else { continue }
            try journal.settle(
                "custom-field-options", sourceOption, status: .matched, targetID: targetOption, reason: nil)
        }
    }

    /// The body a create sends: server-owned, derived and second-pass fields out, blocks out,
    /// every reference remapped (what resolves nowhere dropped).
    func createBody(_ kind: ResourceKind, _ source: JSONObject, target: Target) throws -> (JSONObject, [String]) {
        var body = JSONObject()
        let secondPass = secondPassFields[kind.name] ?? []
        for member in source {
            // Numbers are the server's on create; invoices get theirs back by PUT (not yet).
            if Self.unsent.contains(member.key) || Catalog.derivedFields[kind.name]?.contains(member.key) == true
                || Catalog.numberFields[kind.name] == member.key || secondPass.contains(member.key)
                || member.key == "blocks"
            {
                continue
            }
            body[member.key] = member.value
        }
        if kind.name == "custom-fields", case .array(let options)? = body["options"] {
            body["options"] = .array(
                options.map { option in
                    // Fresh ids, never the source's: a server that keeps client ids keeps these.
                    guard case .object(var o) = option else { return option }
                    o["_id"] = .string(Self.freshID())
                    return .object(o)
                })
        }
        let dropped = try remap(&body, kind, target: target)
        return (body, dropped)
    }

    /// A new 17-character id in Plutio's alphabet.
    static func freshID() -> String {
        let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz")
        return String((0..<17).map { _ in alphabet.randomElement()! })
    }

    /// Top-level fields that hold second-pass references (§9.3), set by PUT after every create.
    static func secondPassFields(_ kind: ResourceKind, _ catalog: Catalog) -> Set<String> {
        let refs = catalog.references(of: kind)
        let firstPass = Set(refs.filter { $0.secondPass == nil }.map(\.path))
        return Set(
            refs.filter { $0.secondPass != nil && $0.path != "blocks[]" && !firstPass.contains($0.path) }.map {
                Reference.topLevelKey(of: $0.path)
            })
    }

    /// Remaps every reference in `body` to target ids; answers the paths dropped.
    func remap(_ body: inout JSONObject, _ kind: ResourceKind, target: Target) throws -> [String] {
        var failure: (any Error)?
        let dropped = catalog.remapReferences(in: &body, of: kind) { ref in
            do {
                switch ref.naming {
                case .slug:
                    return target.roleSlugs.contains(ref.value) ? ref.value : nil
                case .id:
                    if let field = ref.optionOfField {
                        // Only select-like fields hold option ids; other values are data.
                        guard target.optionFields.contains(field) else { return ref.value }
                        return try journal.targetIDs("custom-field-options", for: [ref.value])[ref.value]
                    }
                    for targetKind in ref.targetKinds {
                        if let id = try journal.targetIDs(targetKind, for: [ref.value])[ref.value] { return id }
                    }
                    return nil
                }
            } catch {
                failure = error
                return nil
            }
        }
        if let failure { throw failure }
        return dropped.map(\.path)
    }

    // MARK: Second pass and reconciliation

    /// PUTs second-pass references once every record exists.
    func secondPass(_ kind: ResourceKind, summary: inout Summary) async throws {
        let fields = secondPassFields[kind.name] ?? []
        guard !fields.isEmpty else { return }
        try await forEachRecord(kind.name) { object, sourceID in
            guard let entry = try journal.entry(kind.name, sourceID), entry.status == .created,
                let targetID = entry.targetID, try !journal.isDone("second-pass \(kind.name) \(sourceID)")
            else { return }
            var body = JSONObject([.init(key: "_id", value: .string(targetID))])
            for field in fields.sorted() {
                guard let value = object[field], !value.isNull else { continue }
                body[field] = value
            }
            for path in try remap(&body, kind, target: Target()) { summary.dropped[path, default: 0] += 1 }
            // `_id` is not a reference path: what is left besides it is worth a PUT.
            if body.count > 1 { _ = try await client.update(kind.name, body: JSONValue.object(body).bytes) }
            try journal.markDone("second-pass \(kind.name) \(sourceID)")
        }
    }

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
    func reconcile(extracted: Set<String>, order: [String], target: Target, summary: inout Summary) async throws {
        let pending = try journal.pendingIntents()
        guard !pending.isEmpty else { return }
        for kindName in Set(pending.map(\.kind)) {
            guard let kind = catalog.kind(named: kindName), extracted.contains(kindName) else { continue }
            let intents = Set(pending.filter { $0.kind == kindName }.map(\.sourceID))
            try await forEachRecord(kindName) { object, sourceID in
                guard intents.contains(sourceID) else { return }
                let (body, dropped) = try createBody(kind, object, target: target)
                if let id = try await lookUp(kind, body) {
                    try journal.created(kindName, sourceID, targetID: id, dropped: dropped)
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
    func lookUp(_ kind: ResourceKind, _ body: JSONObject) async throws -> String? {
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
            return record.id
        }
        return nil
    }
}
