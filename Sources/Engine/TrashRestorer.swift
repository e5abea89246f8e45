import Archive
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import StateStore

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
    /// Purge each fully restored row, so that the UI cannot bring back a second copy.
    public var purge = false

    public init(client: PlutioClient, catalog: Catalog, journal: ImportJournal, scratch: URL) {
        self.client = client
        self.catalog = catalog
        self.journal = journal
        self.scratch = scratch
    }

    /// One trash-bin row and what became of it.
    public struct Row: Sendable, Equatable {
        public var id: String
        public var title: String
        /// The records of the row (root first), by kind and id.
        public var records: [Record]
        /// The archive the row's records came from, nil when no archive holds them all.
        public var archive: String?
        public var purged = false
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
    }

    /// The rows to restore, and where each one's records are; writes nothing to the workspace.
    public func plan(archives: [URL]) async throws -> Outcome {
        var rows = try await readRows()
        try collect(&rows, from: archives)
        return Outcome(
            rows: rows, newestArchive: archives.first?.lastPathComponent, importSummary: .init(), repointed: 0)
    }

    /// Restores the rows from `archives` (newest first).
    public func run(archives: [URL]) async throws -> Outcome {
        var rows = try await readRows()
        let kinds = try collect(&rows, from: archives)
        try await mapLiveReferences()
        var importer = Importer(client: client, catalog: catalog, journal: journal, scratch: scratch)
        importer.keepsFileHandles = true
        let summary = try await importer.run(extracted: kinds)
        let repointed = try await repoint(using: archives)
        if purge {
            for i in rows.indices where rows[i].archive != nil {
                guard try rows[i].records.allSatisfy({ try journal.entry($0.kind, $0.id)?.targetID != nil }) else {
                    continue
                }
                // A row purged already (a rerun) answers 404: it is gone either way.
                _ = try await client.delete("trash-bin", id: rows[i].id)
                rows[i].purged = true
            }
        }
        return Outcome(
            rows: rows, newestArchive: archives.first?.lastPathComponent, importSummary: summary, repointed: repointed)
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
            for entry in [JSONValue.object(row)] + (row["children"]?.arrayValue ?? []) {
                guard let slug = entry["entityType"]?.stringValue, let id = entry["entityId"]?.stringValue,
                    let kind = catalog.kind(forSlug: slug)
                else { continue }
                records.append(Record(kind: kind.name, id: id))
            }
            rows.append(Row(id: raw.id, title: row["title"]?.stringValue ?? "", records: records))
        }
        return rows
    }

    /// Writes each wanted record, from the newest archive that holds it, to the scratch
    /// directory; notes each row's archive. Answers the kinds written.
    @discardableResult
    func collect(_ rows: inout [Row], from archives: [URL]) throws -> Set<String> {
        try makePrivateDirectory(scratch)
        var wanted: [String: Set<String>] = [:]
        for row in rows { for r in row.records { wanted[r.kind, default: []].insert(r.id) } }
        var found: [Record: String] = [:]
        var files: [String: FileHandle] = [:]
        defer { for handle in files.values { try? handle.close() } }
        for archive in archives where !wanted.values.allSatisfy(\.isEmpty) {
            let reader = try ArchiveReader(url: archive)
            while let entry = try reader.next() {
                guard entry.path.hasPrefix("records/"), entry.path.hasSuffix(".ndjson") else { continue }
                let kind = String(entry.path.dropFirst("records/".count).dropLast(".ndjson".count))
                guard var ids = wanted[kind], !ids.isEmpty else { continue }
                var splitter = LineSplitter()
                try reader.readChunks { chunk in
                    try splitter.feed(chunk) { line in
                        let id = line.withUnsafeBytes { RawJSONValue($0)?.objectValue?["_id"]?.stringValue }
                        guard let id, ids.remove(id) != nil else { return }
                        if files[kind] == nil {
                            let url = scratch.appendingPathComponent("\(kind).ndjson")
                            try? FileManager.default.removeItem(at: url)
                            _ = FileManager.default.createFile(
                                atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
                            files[kind] = try FileHandle(forWritingTo: url)
                        }
                        try files[kind]?.write(contentsOf: Data(line) + Data([0x0A]))
                        found[Record(kind: kind, id: id)] = archive.lastPathComponent
                    }
                }
                wanted[kind] = ids
            }
        }
        for i in rows.indices {
            let archives = rows[i].records.map { found[$0] }
            if archives.allSatisfy({ $0 != nil }) { rows[i].archive = archives.compactMap { $0 }.min() }
        }
        return Set(files.keys)
    }

    // MARK: References to live records

    /// References from the restored set to records outside it keep their ids when those records
    /// are live: the journal maps them onto themselves, so the importer sends them unchanged.
    func mapLiveReferences() async throws {
        var inSet = Set<String>()
        var referenced: [String: Set<String>] = [:]
        for kind in catalog.kinds {
            try forEachLine(kind.name) { raw in
                if let id = raw.objectValue?["_id"]?.stringValue { inSet.insert(id) }
            }
        }
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
            let unknown = try ids.filter { try journal.entry(kind, $0) == nil }.sorted()
            for chunk in stride(from: 0, to: unknown.count, by: 100) {
                let batch = Array(unknown[chunk..<min(chunk + 100, unknown.count)])
                let filter = Self.idsFilter(batch)
                do {
                    for try await record in client.records(of: kind, filter: filter) {
                        try journal.settle(
                            kind, record.id, status: .matched, targetID: record.id, reason: "live: kept as it is")
                    }
                } catch let error as APIError {
                    // A kind the workspace will not list this way keeps nothing: its references are dropped.
                    switch error.underlying {
                    case .forbidden, .notFound, .validation: continue
                    default: throw error
                    }
                }
            }
        }
    }

    /// `{"_id": {"$in": [ids]}}`.
    static func idsFilter(_ ids: [String]) -> JSONObject {
        var within = JSONObject()
        within["$in"] = .array(ids.map { .string($0) })
        var filter = JSONObject()
        filter["_id"] = .object(within)
        return filter
    }

    /// Calls `body` with each line of a kind's file in the restored set.
    func forEachLine(_ kind: String, _ body: (RawJSONValue) throws -> Void) throws {
        let url = scratch.appendingPathComponent("\(kind).ndjson")
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        var lines = try LineReader(url: url)
        while let line = try lines.next() {
            try line.withUnsafeBytes { bytes in
                if let raw = RawJSONValue(bytes) { try body(raw) }
            }
        }
    }

    // MARK: Pointing live records at the restored ones

    /// Live records that named a restored record's old id (as the newest archive shows them)
    /// are read as they are now and get, by PUT (or `/move` for a parent), only the fields that
    /// held an old id, with the new ids; nothing else of theirs changes.
    func repoint(using archives: [URL]) async throws -> Int {
        guard let newest = archives.first else { return 0 }
        var newIDs: [String: String] = [:]
        for kind in catalog.kinds {
            try forEachLine(kind.name) { raw in
                guard let id = raw.objectValue?["_id"]?.stringValue,
                    let entry = try journal.entry(kind.name, id), entry.status == .created, let to = entry.targetID
                else { return }
                newIDs[id] = to
            }
        }
        guard !newIDs.isEmpty else { return 0 }
        // Who referenced a restored record, by kind.
        var holders: [String: Set<String>] = [:]
        let reader = try ArchiveReader(url: newest)
        while let entry = try reader.next() {
            guard entry.path.hasPrefix("records/"), entry.path.hasSuffix(".ndjson") else { continue }
            let name = String(entry.path.dropFirst("records/".count).dropLast(".ndjson".count))
            guard let kind = catalog.kind(named: name), kind.role == .data, kind.supports(.update) else { continue }
            var splitter = LineSplitter()
            try reader.readChunks { chunk in
                try splitter.feed(chunk) { line in
                    line.withUnsafeBytes { bytes in
                        guard let raw = RawJSONValue(bytes), let id = raw.objectValue?["_id"]?.stringValue,
                            newIDs[id] == nil,
                            catalog.referenceValues(in: raw, of: kind).contains(where: { newIDs[$0.value] != nil })
                        else { return }
                        holders[name, default: []].insert(id)
                    }
                }
            }
        }
        var repointed = 0
        for (name, ids) in holders.sorted(by: { $0.key < $1.key }) {
            guard let kind = catalog.kind(named: name) else { continue }
            let sorted = ids.sorted()
            for chunk in stride(from: 0, to: sorted.count, by: 100) {
                let batch = Array(sorted[chunk..<min(chunk + 100, sorted.count)])
                let filter = Self.idsFilter(batch)
                for try await record in client.records(of: name, filter: filter) {
                    guard case .object(let live) = try record.parsed(),
                        try !journal.isDone("repoint \(name) \(record.id)")
                    else { continue }
                    if try await repoint(live, id: record.id, of: kind, newIDs: newIDs) { repointed += 1 }
                    try journal.markDone("repoint \(name) \(record.id)")
                }
            }
        }
        return repointed
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
