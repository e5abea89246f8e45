import Archive
import Catalog
import Foundation
import Import
import JSONCore
import PlutioAPI
import Session
import StateStore
import Synchronization

/// Brings trash-bin rows back from archives (contract §5.1: there is no restore route).
///
/// Each row is a root and its cascaded children. Their records are taken from the newest archive
/// in the directory that holds each, recreated under new ids by the importer (references within
/// the restored set remapped, references to live records kept as they are), and the live records
/// that still name an old id are pointed at the new one, field by field. The journal makes every
/// step resumable: a rerun after a kill creates nothing twice.
public struct TrashRestorer: Sendable {
    let client: PlutioClient
    let catalog: Catalog
    let journal: ImportJournal
    /// Where the restored set is written (0700).
    let scratch: URL
    /// Only these rows (trash-bin `_id`s); nil: every row.
    public var rowIDs: Set<String>?
    /// Only rows deleted at or after this time.
    public var since: Date?
    /// Purge each fully restored row, so that the UI cannot bring back a second copy (only
    /// where that is safe: see `purgeBlocker`).
    public var purge = false
    /// Let Plutio invite the people restored (by default they get `invite:false`).
    public var invites = false
    /// Kinds that count as gone where the workspace will not list them (`--assume-gone`); any
    /// other kind it refuses to list stops a restore that would otherwise recreate live records.
    public var assumeGone: Set<String> = []
    /// Archives (paths) the caller has verified already; the others are verified before use.
    public var verified: Set<String> = []
    /// Where the current values of live records go before they are overwritten (`UndoArchive`).
    public var undoDirectory: URL?
    /// How long after a lost answer a late apply is looked for (`Importer.lateApplyWindow`).
    public var lateApplyWindow: TimeInterval = 60

    /// The runs of this business's earlier restores start with this: a record one of them
    /// brought back is not brought back twice.
    public var earlierRuns: String?

    public init(client: PlutioClient, catalog: Catalog, journal: ImportJournal, scratch: URL) {
        self.client = client
        self.catalog = catalog
        self.journal = journal
        self.scratch = scratch
    }

    static let restoredBefore = "restored before as "
    /// The journal step naming an undo archive written by this request.
    static let undoStep = "undo archive "

    /// One trash-bin row and what became of it.
    public struct Row: Sendable, Equatable {
        public var id: String
        public var title: String
        /// The records of the row (root first), by kind and id.
        public var records: [Record]
        /// The archive the row's records came from (the oldest, when several), nil when no
        /// archive holds them all.
        public var archive: String?
        /// Every archive the row's records come from.
        public var archives: Set<String> = []
        /// When the row was deleted (a trash row's `createdAt`).
        public var deletedAt: Date?
        /// How long before the deletion the (oldest) archive was taken: edits made in between are
        /// not in the restored copy.
        public var archiveAge: TimeInterval?
        /// Children whose `entityType` the catalogue does not know: not restored, and they keep
        /// the row from being purged.
        public var unknownChildren: [String] = []
        public var purged = false
        /// Why the row was kept in the trash although purging was asked for.
        public var keptInTrash: String?
        /// Records recreated, records kept because the target still has them, and records an
        /// earlier restore of this business brought back already.
        public var created = 0
        public var live = 0
        public var before = 0
    }

    public struct Record: Sendable, Hashable {
        public var kind: String
        public var id: String
    }

    public struct Outcome: Sendable {
        public var rows: [Row]
        /// Rows whose records are in no archive, with the newest archive searched.
        public var missing: [Row] { rows.filter { $0.archive == nil } }
        public var newestArchive: String?
        public var importSummary: Importer.Summary
        /// Live records pointed from an old id to a restored record's new one.
        public var repointed: Int
        /// Live records the target would not let be pointed at a new id, with why.
        public var repointFailures: [String] = []
        /// Partial archives of the directory left out (without `--allow-partial`), with what they lack.
        public var skippedArchives: [String] = []
        /// Where the values of the live records this request overwrote were kept (one archive
        /// per run of it that re-pointed something, a rerun after a kill included).
        public var undoArchives: [URL] = []
    }

    /// The rows to restore, and where each one's records are; writes nothing to the workspace.
    public func plan(archives: [URL]) async throws -> Outcome {
        var rows = try await readRows()
        try collect(&rows, from: archives, writing: false)
        try verify(archives.filter { archive in rows.contains { $0.archives.contains(archive.lastPathComponent) } })
        return Outcome(
            rows: rows, newestArchive: archives.first?.lastPathComponent, importSummary: .init(), repointed: 0)
    }

    /// Restores the rows from `archives` (newest first).
    public func run(archives: [URL]) async throws -> Outcome {
        try await restore(readRows(), from: archives)
    }

    /// Recreates the records of `rows` from `archives` (newest first). With `keepingLiveMembers`,
    /// records of the rows that the target still has are kept as they are (an archive restore
    /// into the workspace it came from); trash rows are never live.
    func restore(_ rows: [Row], from archives: [URL], keepingLiveMembers: Bool = false) async throws -> Outcome {
        var rows = rows
        // Only rows whose every record is in an archive: a half row would come back half.
        try collect(&rows, from: archives, writing: false)
        var restorable = rows.filter { $0.archive != nil }
        guard !restorable.isEmpty else {
            return Outcome(
                rows: rows, newestArchive: archives.first?.lastPathComponent, importSummary: .init(), repointed: 0)
        }
        // Every archive a row comes from is verified before anything is written from it.
        try verify(
            archives.filter { archive in restorable.contains { $0.archives.contains(archive.lastPathComponent) } })
        let kinds = try collect(&restorable, from: archives, writing: true)
        // The restored set, by kind: every record of a restorable row is in the scratch files.
        let members = Dictionary(grouping: restorable.flatMap(\.records), by: \.kind).mapValues { Set($0.map(\.id)) }
        let replaced = try await matchEarlierRestores(members, checkingLiveness: keepingLiveMembers)
        if keepingLiveMembers { try await mapLiveMembers(members) }
        try await mapLiveReferences(members)
        var importer = Importer(client: client, catalog: catalog, journal: journal, scratch: scratch)
        importer.keepsFileHandles = true
        importer.invites = invites
        importer.lateApplyWindow = lateApplyWindow
        let repointing = Repointing()
        // Live records (blocks of a restored invoice, time tracks of a project) are pointed at the
        // new ids before the second pass, so that a document's blocks[] can be set.
        importer.afterCreates = { [self] in
            repointing.add(try await repoint(using: archives, replaced: replaced, failures: repointing))
        }
        let summary = try await importer.run(extracted: kinds)
        for i in rows.indices where rows[i].archive != nil {
            for record in rows[i].records {
                let entry = try journal.entry(record.kind, record.id)
                switch entry?.status {
                case .created: rows[i].created += 1
                case .matched where entry?.reason?.hasPrefix(Self.restoredBefore) == true: rows[i].before += 1
                case .matched: rows[i].live += 1
                default: break
                }
            }
        }
        if purge {
            let binaries = try filesWithBinaries()
            for i in rows.indices where rows[i].archive != nil {
                if let blocker = try await purgeBlocker(rows[i], binaries: binaries) {
                    rows[i].keptInTrash = blocker
                    continue
                }
                // A row purged already (a rerun) answers 404: it is gone either way.
                _ = try await client.delete("trash-bin", id: rows[i].id)
                rows[i].purged = true
            }
        }
        return Outcome(
            rows: rows, newestArchive: archives.first?.lastPathComponent, importSummary: summary,
            repointed: repointing.count, repointFailures: repointing.failures,
            undoArchives: try journal.steps(startingWith: Self.undoStep).map {
                URL(fileURLWithPath: String($0.dropFirst(Self.undoStep.count)))
            })
    }

    /// Live records by kind and id.
    typealias Holders = [String: [String: JSONObject]]

    /// The live records re-pointed so far, and those the target refused.
    final class Repointing: Sendable {
        private let state = Mutex((count: 0, failures: [String]()))
        var count: Int { state.withLock { $0.count } }
        var failures: [String] { state.withLock { $0.failures } }
        func add(_ n: Int) { state.withLock { $0.count += n } }
        func fail(_ what: String) { state.withLock { $0.failures.append(what) } }
    }

    // MARK: Rows and the restored set

    func readRows() async throws -> [Row] {
        var rows: [Row] = []
        for try await raw in client.records(of: "trash-bin") {
            guard case .object(let row) = try raw.parsed() else { continue }
            if let rowIDs, !rowIDs.contains(raw.id) { continue }
            if let since, let deleted = row["createdAt"]?.stringValue.flatMap(Importer.date), deleted < since {
                continue
            }
            var records: [Record] = []
            var unknown: [String] = []
            for entry in [JSONValue.object(row)] + (row["children"]?.arrayValue ?? []) {
                guard let slug = entry["entityType"]?.stringValue, let id = entry["entityId"]?.stringValue else {
                    continue
                }
                guard let kind = catalog.kind(forSlug: slug) else {
                    unknown.append("\(slug) \(id)")
                    continue
                }
                records.append(Record(kind: kind.name, id: id))
            }
            var item = Row(id: raw.id, title: row["title"]?.stringValue ?? "", records: records)
            item.unknownChildren = unknown
            item.deletedAt = row["createdAt"]?.stringValue.flatMap(Importer.date)
            rows.append(item)
        }
        return rows
    }

    /// Writes each wanted record, from the newest archive that holds it, to the scratch
    /// directory; notes each row's archive. Answers the kinds written.
    @discardableResult
    func collect(_ rows: inout [Row], from archives: [URL], writing: Bool) throws -> Set<String> {
        // The restored set is written afresh: nothing of an earlier restore's set stays in it.
        if writing { try? FileManager.default.removeItem(at: scratch) }
        try makePrivateDirectory(scratch)
        var wanted: [String: Set<String>] = [:]
        for row in rows { for r in row.records { wanted[r.kind, default: []].insert(r.id) } }
        var found: [Record: String] = [:]
        var files: [String: FileHandle] = [:]
        defer { for handle in files.values { try? handle.close() } }
        for archive in archives where !wanted.values.allSatisfy(\.isEmpty) {
            try ArchiveReader(url: archive).forEachRecordLine(of: { wanted[$0]?.isEmpty == false }) { kind, line in
                guard let id = NDJSONFile.id(of: line), wanted[kind]?.remove(id) != nil else { return }
                found[Record(kind: kind, id: id)] = archive.lastPathComponent
                guard writing else { return }
                if files[kind] == nil {
                    let url = scratch.appendingPathComponent("\(kind).ndjson")
                    try? FileManager.default.removeItem(at: url)
                    _ = FileManager.default.createFile(
                        atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
                    files[kind] = try FileHandle(forWritingTo: url)
                }
                try files[kind]?.write(contentsOf: Data(line) + Data([0x0A]))
            }
        }
        for i in rows.indices {
            let archives = rows[i].records.map { found[$0] }
            guard archives.allSatisfy({ $0 != nil }) else { continue }
            rows[i].archives = Set(archives.compactMap { $0 })
            rows[i].archive = rows[i].archives.min()
            if let deleted = rows[i].deletedAt, let taken = rows[i].archive.flatMap(ArchiveName.parse)?.1 {
                rows[i].archiveAge = deleted.timeIntervalSince(taken)
            }
        }
        return Set(files.keys)
    }

    // MARK: References to live records

    /// Records of the set an earlier restore of this business brought back already are not
    /// brought back twice. A trash row is restored once (its copy, deleted since, is a row of its
    /// own); an archive restore asks whether that copy is still live: if so it is kept, if not
    /// the record is restored anew and what named the gone copy is pointed at the new one
    /// (answered: gone copy's id -> source id). A read the target refuses counts as live: no copy
    /// is ever made on a guess. A copy whose follow-up PUT was refused then stays failed (exit 3);
    /// a create another restore sent and never learned the outcome of stops this one.
    func matchEarlierRestores(
        _ members: [String: Set<String>], checkingLiveness: Bool
    ) async throws -> [String: String] {
        guard let earlierRuns else { return [:] }
        var replaced: [String: String] = [:]
        for (kind, ids) in members.sorted(by: { $0.key < $1.key }) {
            var earlier: [String: ImportJournal.Entry] = [:]
            for id in ids where try journal.entry(kind, id) == nil {
                guard let entry = try journal.earlier(kind, id, runsStartingWith: earlierRuns).first else { continue }
                if entry.status == .intent { throw InterruptedRestore(kind: kind, id: id) }
                earlier[id] = entry
            }
            guard !earlier.isEmpty else { continue }
            let targets = Set(earlier.values.compactMap(\.targetID))
            let live = checkingLiveness ? try await liveIDs(kind, targets, ifRefused: .live) : targets
            for (id, entry) in earlier.sorted(by: { $0.key < $1.key }) {
                guard let target = entry.targetID else { continue }
                if !live.contains(target) {
                    replaced[target] = id
                } else if entry.status == .failed {
                    try journal.settle(
                        kind, id, status: .failed, targetID: target,
                        reason: Self.restoredBefore + target + ", with this problem: " + (entry.reason ?? "refused"))
                } else {
                    try journal.settle(
                        kind, id, status: .matched, targetID: target,
                        reason: Self.restoredBefore + target
                            + ((entry.reason ?? "").contains(Importer.linkNote) ? "; " + Importer.linkNote : ""))
                }
            }
        }
        return replaced
    }

    /// What a liveness question makes of a kind the workspace will not list (or filter by id).
    enum IfRefused {
        /// Every record counts as live: nothing is made on a guess.
        case live
        /// None counts: nothing is trusted (a purge is not made).
        case none
        /// The restore stops (`UnlistableKind`), unless the user said the kind's records are gone.
        case stop
    }

    /// The ids among `ids` of records the target has. A kind it will not list is never taken as
    /// gone: what that means is `ifRefused`'s, unless `--assume-gone` names the kind.
    func liveIDs(_ kind: String, _ ids: Set<String>, ifRefused: IfRefused) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        do {
            return Set(try await liveRecords(kind, ids).keys)
        } catch let error as APIError {
            switch error.underlying {
            case .forbidden, .notFound, .validation:
                if assumeGone.contains(kind) { return [] }
                switch ifRefused {
                case .live: return ids
                case .none: return []
                case .stop: throw UnlistableKind(kind: kind, reason: error.localizedDescription)
                }
            default: throw error
            }
        }
    }

    /// Records of the restored set that the target still has keep their ids and their current
    /// values: they are mapped onto themselves and not created again.
    func mapLiveMembers(_ members: [String: Set<String>]) async throws {
        for (kind, ids) in members.sorted(by: { $0.key < $1.key }) {
            let unknown = try ids.filter { try journal.entry(kind, $0) == nil }
            for id in try await liveIDs(kind, unknown, ifRefused: .stop) {
                try journal.settle(
                    kind, id, status: .matched, targetID: id,
                    reason: "live: kept as it is (restore --revert puts back its archived values)")
            }
        }
    }

    /// Which of `records` the target has.
    func live(_ records: [Record]) async throws -> Set<Record> {
        var out = Set<Record>()
        for (kind, group) in Dictionary(grouping: records, by: \.kind).sorted(by: { $0.key < $1.key }) {
            for id in try await liveIDs(kind, Set(group.map(\.id)), ifRefused: .stop) {
                out.insert(Record(kind: kind, id: id))
            }
        }
        return out
    }

    /// References from the restored set to records outside it keep their ids when those records
    /// are live: the journal maps them onto themselves, so the importer sends them unchanged.
    func mapLiveReferences(_ members: [String: Set<String>]) async throws {
        let inSet = Set(members.values.joined())
        var referenced: [String: Set<String>] = [:]
        for kind in catalog.kinds {
            try forEachLine(kind.name) { raw in
                for ref in catalog.referenceValues(in: raw, of: kind)
                where ref.naming == .id && ref.optionOfField == nil {
                    guard !inSet.contains(ref.value) else { continue }
                    for target in ref.targetKinds { referenced[target, default: []].insert(ref.value) }
                }
            }
        }
        for (kind, ids) in referenced.sorted(by: { $0.key < $1.key }) {
            let unknown = try ids.filter { try journal.entry(kind, $0) == nil }
            // A kind the workspace will not list is not taken as gone: its references are kept as
            // they are (the target checks them), unless the user says they are gone.
            for id in try await liveIDs(kind, unknown, ifRefused: .live) {
                try journal.settle(kind, id, status: .matched, targetID: id, reason: "live: kept as it is")
            }
        }
    }

    /// The live records of a kind among `ids`: read by `$in` on `_id`, 100 at a time; for kinds
    /// that cannot be read by `_id` (wiki entities, §3.6), listed by their parent and picked.
    func liveRecords(_ name: String, _ ids: Set<String>) async throws -> [String: JSONObject] {
        guard !ids.isEmpty, let kind = catalog.kind(named: name) else { return [:] }
        var out: [String: JSONObject] = [:]
        func keep(_ sequence: RecordSequence) async throws {
            for try await record in sequence where ids.contains(record.id) {
                if case .object(let object) = try record.parsed() { out[record.id] = object }
            }
        }
        if kind.idReadForbidden {
            if let field = kind.listBy,
                let parent = catalog.references(of: kind).first(where: { $0.path == field })?.to.first
            {
                for try await owner in client.records(of: parent) {
                    var filter = JSONObject()
                    filter[field] = .string(owner.id)
                    try await keep(client.records(of: name, filter: filter))
                }
            } else {
                try await keep(client.records(of: name))
            }
            return out
        }
        let sorted = ids.sorted()
        for chunk in stride(from: 0, to: sorted.count, by: 100) {
            try await keep(
                client.records(of: name, filter: Self.idsFilter(Array(sorted[chunk..<min(chunk + 100, sorted.count)]))))
        }
        return out
    }

    /// `{"_id": {"$in": [ids]}}`.
    static func idsFilter(_ ids: [String]) -> JSONObject { inFilter("_id", ids) }

    /// `{path: {"$in": [ids]}}`.
    static func inFilter(_ path: String, _ ids: [String]) -> JSONObject {
        var within = JSONObject()
        within["$in"] = .array(ids.map { .string($0) })
        var filter = JSONObject()
        filter[path] = .object(within)
        return filter
    }

    /// Calls `body` with each line of a kind's file in the restored set.
    func forEachLine(_ kind: String, _ body: (RawJSONValue) throws -> Void) throws {
        try NDJSONFile.forEachLine(scratch.appendingPathComponent("\(kind).ndjson")) { line in
            try line.withUnsafeBytes { bytes in
                if let raw = RawJSONValue(bytes) { try body(raw) }
            }
        }
    }

    // MARK: Pointing live records at the restored ones

    /// Live records that named a restored record's old id (as the newest archive shows them)
    /// are read as they are now and get, by PUT (or `/move` for a parent), only the fields that
    /// held an old id, with the new ids; nothing else of theirs changes.
    func repoint(
        using archives: [URL], replaced: [String: String] = [:], failures: Repointing? = nil
    ) async throws -> Int {
        guard let newest = archives.first else { return 0 }
        var newIDs: [String: String] = [:]
        var kindOf: [String: String] = [:]
        for kind in catalog.kinds {
            try forEachLine(kind.name) { raw in
                guard let id = raw.objectValue?["_id"]?.stringValue, let entry = try journal.entry(kind.name, id),
                    entry.status == .created || entry.status == .failed, let to = entry.targetID
                else { return }
                newIDs[id] = to
                kindOf[id] = kind.name
            }
        }
        // A copy an earlier restore made, gone since: what was pointed at it moves to the new one.
        for (gone, source) in replaced {
            guard let to = newIDs[source] else { continue }
            newIDs[gone] = to
            kindOf[gone] = kindOf[source]
        }
        guard !newIDs.isEmpty else { return 0 }
        // Who referenced a restored record, by kind.
        var holders: [String: Set<String>] = [:]
        let updatable = { (name: String) in
            catalog.kind(named: name).map { $0.role == .data && $0.supports(.update) } ?? false
        }
        try ArchiveReader(url: newest).forEachRecordLine(of: updatable) { name, line in
            guard let kind = catalog.kind(named: name), let raw = RawJSONValue(line),
                let id = raw.objectValue?["_id"]?.stringValue, newIDs[id] == nil,
                catalog.referenceValues(in: raw, of: kind).contains(where: { newIDs[$0.value] != nil })
            else { return }
            holders[name, default: []].insert(id)
        }
        // Records that came after the newest archive and name an old id are asked of the
        // workspace itself; the holders the archive knows are read as they are now.
        var found = try await liveHolders(naming: kindOf, newest: newest.lastPathComponent, failures: failures)
        for (name, ids) in holders.sorted(by: { $0.key < $1.key }) {
            let unread = ids.subtracting(found[name]?.keys ?? [:].keys)
            do {
                found[name, default: [:]].merge(try await liveRecords(name, unread)) { current, _ in current }
            } catch let error as APIError where error.isRefusal {
                failures?.fail(
                    "\(unread.count) \(name) naming restored records could not be read, so not re-pointed: "
                        + error.localizedDescription)
            }
        }
        // Their values as they are now are kept before any of them is changed.
        if let undoDirectory {
            var before: [String: [[UInt8]]] = [:]
            for (name, records) in found.sorted(by: { $0.key < $1.key }) {
                guard let kind = catalog.kind(named: name) else { continue }
                for (id, live) in records.sorted(by: { $0.key < $1.key }) where newIDs[id] == nil {
                    if let bytes = repointedValues(live, of: kind, newIDs: newIDs) {
                        before[name, default: []].append(bytes)
                    }
                }
            }
            if !before.isEmpty {
                let undo = try UndoArchive.write(
                    before, of: client.settings, into: undoDirectory, why: "restore re-pointing")
                // Named in the journal: a rerun after a kill reports it with its own.
                try journal.markDone(Self.undoStep + undo.path)
            }
        }
        var repointed = 0
        for (name, records) in found.sorted(by: { $0.key < $1.key }) {
            guard let kind = catalog.kind(named: name) else { continue }
            for (id, live) in records.sorted(by: { $0.key < $1.key }) where newIDs[id] == nil {
                do {
                    if try await repoint(live, id: id, of: kind, newIDs: newIDs) { repointed += 1 }
                } catch let error as APIError {
                    // Refused (it also names a record that is gone, say): reported; a rerun tries
                    // again. A holder pointed already gets nothing more: only what differs is sent.
                    switch error.underlying {
                    case .validation, .notFound, .forbidden:
                        failures?.fail("\(name) \(id): \(error.localizedDescription)")
                        continue
                    default: throw error
                    }
                }
            }
        }
        return repointed
    }

    /// The live records, by kind, whose references name one of the old ids (`kindOf`: old id ->
    /// its kind). Each reference path asks only for the ids of the kinds it can name; a kind's
    /// paths go together under `$or`, 100 ids a call, or one path a call once the server has
    /// refused `$or`. Kinds listed only under a parent (comments, wiki entities) are left to the
    /// archive's holders; a path the server refuses to filter on is reported.
    func liveHolders(naming kindOf: [String: String], newest: String, failures: Repointing?) async throws -> Holders {
        var idsOf: [String: [String]] = [:]
        for (id, kind) in kindOf { idsOf[kind, default: []].append(id) }
        var out: Holders = [:]
        var orRefused = false
        for kind in catalog.kinds
        where kind.role == .data && kind.supports(.update) && kind.scope == nil && !kind.idReadForbidden {
            var targets: [String: Set<String>] = [:]
            for ref in catalog.references(of: kind)
            where ref.by == .id && ref.form == .id && !ref.derived && !ref.serverSet && !ref.targetsAnyKind {
                targets[ref.path.replacingOccurrences(of: "[]", with: ""), default: []].formUnion(ref.to)
            }
            // (path, up to 100 ids) conditions, then calls of up to 100 ids in all.
            var conditions: [(path: String, ids: [String])] = []
            for (path, kinds) in targets.sorted(by: { $0.key < $1.key }) {
                let ids = kinds.flatMap { idsOf[$0] ?? [] }.sorted()
                for chunk in stride(from: 0, to: ids.count, by: 100) {
                    conditions.append((path, Array(ids[chunk..<min(chunk + 100, ids.count)])))
                }
            }
            var calls: [[(path: String, ids: [String])]] = []
            for condition in conditions {
                if !orRefused, let last = calls.last, last.reduce(0, { $0 + $1.ids.count }) + condition.ids.count <= 100
                {
                    calls[calls.count - 1].append(condition)
                } else {
                    calls.append([condition])
                }
            }
            func read(_ call: [(path: String, ids: [String])]) async throws {
                let filters = call.map { Self.inFilter($0.path, $0.ids) }
                var filter = filters[0]
                if filters.count > 1 {
                    filter = JSONObject()
                    filter["$or"] = .array(filters.map { .object($0) })
                }
                for try await record in client.records(of: kind.name, filter: filter) {
                    if case .object(let object) = try record.parsed() {
                        out[kind.name, default: [:]][record.id] = object
                    }
                }
            }
            var listable = true
            for call in calls where listable {
                var attempts = [call]
                while let attempt = attempts.first {
                    attempts.removeFirst()
                    do {
                        try await read(attempt)
                    } catch let error as APIError {
                        switch error.underlying {
                        // A server without `$or`: one path a call from now on.
                        case .validation where attempt.count > 1:
                            orRefused = true
                            attempts = attempt.map { [$0] } + attempts
                        case .validation:
                            failures?.fail(
                                "\(kind.name) naming restored records by \(attempt[0].path) could not be asked: \(error.localizedDescription)"
                            )
                        // A kind this client may not list: its records made after the newest
                        // archive cannot be found (those in the archive are read by id).
                        case .forbidden, .notFound:
                            attempts = []
                            listable = false
                            failures?.fail(
                                "\(kind.name) could not be asked for records naming restored ones (the workspace "
                                    + "will not list it): those made after \(newest) keep the old ids")
                        default: throw error
                        }
                    }
                }
            }
        }
        return out
    }

    /// A live record's bytes as they are, when re-pointing would change it (for the undo archive).
    func repointedValues(_ live: JSONObject, of kind: ResourceKind, newIDs: [String: String]) -> [UInt8]? {
        var rewritten = live
        _ = catalog.remapReferences(in: &rewritten, of: kind) { ref in newIDs[ref.value] ?? ref.value }
        return rewritten == live ? nil : JSONValue.object(live).bytes
    }

    /// Rewrites the old ids a live record holds and sends the fields that changed; true when
    /// something was sent.
    func repoint(_ live: JSONObject, id: String, of kind: ResourceKind, newIDs: [String: String]) async throws -> Bool {
        var rewritten = live
        _ = catalog.remapReferences(in: &rewritten, of: kind) { ref in newIDs[ref.value] ?? ref.value }
        var put = JSONObject([.init(key: "_id", value: .string(id))])
        var move = JSONObject([.init(key: "_id", value: .string(id))])
        for member in rewritten where member.key != "_id" && live[member.key] != member.value {
            if kind.moveFields.contains(member.key) {
                move[member.key] = member.value
            } else {
                put[member.key] = member.value
            }
        }
        // A typed reference goes with its type field.
        for ref in catalog.references(of: kind) {
            let key = Reference.topLevelKey(of: ref.path)
            if let typeKey = ref.typeKey, put[key] != nil, let type = live[typeKey] { put[typeKey] = type }
        }
        if put.count > 1 { _ = try await client.update(kind.name, body: JSONValue.object(put).bytes) }
        if move.count > 1 { _ = try await client.move(kind.name, body: JSONValue.object(move).bytes) }
        return put.count > 1 || move.count > 1
    }
}
