import Archive
import Catalog
import Foundation
import JSONCore
import MongoQuery

/// The records `restore ARCHIVE --kind K (--id ID | --where QUERY) [--with-children]` brings back.
///
/// - the chosen records of one kind (each one a row of the outcome);
/// - their blocks: a document's body comes with it;
/// - with `withChildren`, everything that an owner reference (schemas/catalog.json, `"owner"`)
///   leads back to them, transitively: a project's boards, groups, tasks, subtasks, comments,
///   time tracks, folders, files and wiki;
/// - the owners the target no longer has (a board of a restored task, the project of that
///   board), found in the archive and recreated with them; live owners are linked by id.
///
/// Each step streams the archive; only the chosen ids and their owner references are held.
public struct ArchiveSelection: Sendable {
    let catalog: Catalog
    let archive: URL
    public var kind: String
    public var ids: Set<String>
    public var query: MongoQuery?
    /// The query as given, naming the request.
    public var queryText: String?
    public var withChildren: Bool

    public init(
        catalog: Catalog = .standard, archive: URL, kind: String, ids: Set<String>, query: MongoQuery?,
        queryText: String? = nil, withChildren: Bool
    ) {
        self.catalog = catalog
        self.archive = archive
        self.kind = kind
        self.ids = ids
        self.query = query
        self.queryText = queryText
        self.withChildren = withChildren
    }

    typealias Row = RestoreRow
    typealias Record = RestoreRecord

    /// The rows, one per chosen record (a chosen id the archive lacks is a row without an
    /// archive). `live` answers which of the given records the target still has.
    func rows(live: ([Record]) async throws -> Set<Record>) async throws -> [Row] {
        var taken = Taken()
        try takeChosen(&taken)
        try takeChildren(&taken, blocksOnly: !withChildren)
        // A recreated owner's body comes with it.
        if try await takeOwners(&taken, live: live) { try takeChildren(&taken, blocksOnly: true) }
        return taken.rows
    }

    /// The rows so far: the row each taken record belongs to, by id, and the owners each names.
    struct Taken {
        var rows: [Row] = []
        var rowOf: [String: Int] = [:]
        var owners: [String: [Record]] = [:]

        mutating func take(_ record: Record, row: Int, owners named: [Record]) {
            rowOf[record.id] = row
            rows[row].records.append(record)
            owners[record.id] = named
        }
    }

    /// Takes `raw` into `row`, noting the owners it names.
    func take(_ raw: RawJSONValue, _ kind: ResourceKind, _ id: String, row: Int, into taken: inout Taken) {
        let owners = ownerReferences(raw, kind).flatMap { ref in ref.targetKinds.map { Record(kind: $0, id: ref.value) }
        }
        taken.take(Record(kind: kind.name, id: id), row: row, owners: owners)
    }

    /// A row for each chosen record: matching the query, or named by id (a row without an
    /// archive for an id the archive lacks).
    func takeChosen(_ taken: inout Taken) throws {
        try scan { kind, raw, id in
            guard kind.name == self.kind, taken.rowOf[id] == nil else { return }
            if let query {
                guard let value = try? raw.parsed(), query.matches(value) else { return }
            } else if !ids.contains(id) {
                return
            }
            let object = raw.objectValue
            let title = object?["title"]?.stringValue ?? object?["name"]?.stringValue ?? ""
            taken.rows.append(Row(id: id, title: title, records: []))
            take(raw, kind, id, row: taken.rows.count - 1, into: &taken)
        }
        for id in ids.subtracting(taken.rowOf.keys).sorted() {
            taken.rows.append(Row(id: id, title: "", records: [Record(kind: kind, id: id)]))
        }
    }

    /// Children: a record whose owner is taken is taken, until a pass takes nothing more (a
    /// record listed before its owner is found by the next pass).
    func takeChildren(_ taken: inout Taken, blocksOnly: Bool) throws {
        var more = true
        while more {
            more = false
            try scan { kind, raw, id in
                guard taken.rowOf[id] == nil, !blocksOnly || kind.name == "blocks" else { return }
                for ref in ownerReferences(raw, kind) {
                    guard let row = taken.rowOf[ref.value] else { continue }
                    take(raw, kind, id, row: row, into: &taken)
                    more = true
                    return
                }
            }
        }
    }

    /// Owners the target lacks come from the archive, with their own owners in turn; true when
    /// some were taken.
    func takeOwners(_ taken: inout Taken, live: ([Record]) async throws -> Set<Record>) async throws -> Bool {
        var asked = Set<Record>()
        var tookOwners = false
        while true {
            let wanted = Set(taken.owners.values.joined()).filter { taken.rowOf[$0.id] == nil && !asked.contains($0) }
            guard !wanted.isEmpty else { break }
            asked.formUnion(wanted)
            // An id a reference allows in two kinds (a wiki page's parent: a wiki or a page) is
            // live when it is live in either.
            let alive = Set(try await live(wanted.sorted { ($0.kind, $0.id) < ($1.kind, $1.id) }).map(\.id))
            var missing: [String: Int] = [:]
            for (child, named) in taken.owners {
                for owner in named where wanted.contains(owner) && !alive.contains(owner.id) {
                    missing[owner.id] = missing[owner.id] ?? taken.rowOf[child]
                }
            }
            guard !missing.isEmpty else { break }
            try scan { kind, raw, id in
                guard taken.rowOf[id] == nil, let row = missing[id], wanted.contains(Record(kind: kind.name, id: id))
                else { return }
                take(raw, kind, id, row: row, into: &taken)
                tookOwners = true
            }
        }
        return tookOwners
    }

    /// The owner references of a record (by id, to a kind the catalog knows). A contact is
    /// never an owner: a file attached to a person does not bring the person back.
    func ownerReferences(_ raw: RawJSONValue, _ kind: ResourceKind) -> [ReferenceValue] {
        let owned = catalog.references(of: kind).filter(\.owner)
        guard !owned.isEmpty else { return [] }
        return catalog.referenceValues(in: raw, of: kind).compactMap { ref in
            guard ref.naming == .id else { return nil }
            var owner = ref
            owner.targetKinds = ref.targetKinds.filter { target in
                !Self.contacts.contains(target) && owned.contains { $0.path == ref.path && $0.to.contains(target) }
            }
            return owner.targetKinds.isEmpty ? nil : owner
        }
    }

    static let contacts: Set<String> = ["people", "companies"]

    /// Calls `body` with every record of the archive.
    func scan(_ body: (ResourceKind, RawJSONValue, String) throws -> Void) throws {
        try ArchiveReader(url: archive).forEachRecordLine { name, line in
            guard let kind = catalog.kind(named: name), let raw = RawJSONValue(line),
                let id = raw.objectValue?["_id"]?.stringValue
            else { return }
            try body(kind, raw, id)
        }
    }
}
