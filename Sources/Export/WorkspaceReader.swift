// Engine: what the commands do (export now; import and restore later), over PlutioAPI,
// StateStore, Archive and Catalog. The engine never prints: it reports through events.
import Basics
import Catalog
import Foundation
import JSONCore
import PlutioAPI

/// What reading one kind took.
public struct KindSummary: Sendable, Equatable {
    public var kind: String
    public var records: Int
    public var calls: Int
    /// Whether records moved during the walk and pages had to be read again.
    public var sawMovement: Bool
    /// For scoped kinds: whether the server refused batched parent scopes.
    public var fellBackToSingleParents: Bool
    /// Why the server refused the kind, when it did.
    public var error: String?

    /// A summary that starts from what a journal already holds.
    init(kind: String, resuming state: KindJournalState) {
        self.kind = kind
        records = state.records
        calls = state.calls
        sawMovement = false
        fellBackToSingleParents = false
        error = state.error
    }
}

/// Reads every record of a workspace, kind by kind, in catalogue order, into a journal.
///
/// Contract: direct kinds are walked first (archived and template records included), the
/// trash bin among them; then scoped kinds (comments) per parent kind, with parent ids from the
/// walked parents *and* from trash rows, because a parent in the trash can still have live
/// comments (only a task's comments go to the trash with it). Every page goes to the journal
/// with its position, so a rerun resumes where the last one stopped. A kind the server refuses
/// (403, 404, 400) is recorded as incomplete with the reason and the read goes on; any other
/// error ends the read and propagates.
public struct WorkspaceReader: Sendable {
    let client: PlutioClient
    let catalog: Catalog
    /// Parent ids per `$in` batch and checkpoint.
    public var parentBatch = 200
    /// Records of a scoped batch held in memory before they are staged in the journal.
    public var stagedRecords = 1000
    /// Records per kind the last time (the exporter passes its history). Direct kinds are read
    /// largest first: the first full page teaches the server's page cap, after which every
    /// smaller kind's short first page proves its end without a confirming call.
    public var expectedRecords: [String: Int] = [:]
    /// Makes the set that dedupes one direct kind's walk (memory by default; the exporter puts
    /// it on disk so memory stays flat for any size of workspace).
    let makeSeenSet: @Sendable (_ kind: String) throws -> any IDSet

    public init(
        client: PlutioClient, catalog: Catalog,
        seenSets: @escaping @Sendable (_ kind: String) throws -> any IDSet = { _ in MemoryIDSet() }
    ) {
        self.client = client
        self.catalog = catalog
        makeSeenSet = seenSets
    }

    /// The kinds read, in order: direct ones, then scoped ones. A scoped kind brings its parent
    /// kinds and the trash bin along, since its records can only be reached through them.
    public func plan(only: Set<String>? = nil) -> (direct: [ResourceKind], scoped: [ResourceKind]) {
        var wanted = only
        if let only {
            for name in only {
                guard let kind = catalog.kind(named: name), kind.scope != nil else { continue }
                wanted?.formUnion(kind.parents + ["trash-bin"])
            }
        }
        let readable = catalog.kinds.filter { kind in
            kind.supports(.list) && kind.isBackedUp && kind.name != "archive" && (wanted?.contains(kind.name) ?? true)
        }
        let direct = readable.filter { $0.scope == nil }.enumerated().sorted { a, b in
            let (x, y) = (expectedRecords[a.element.name] ?? 0, expectedRecords[b.element.name] ?? 0)
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
        return (direct, readable.filter { $0.scope != nil })
    }

    /// Reads every planned kind into `journal`; `onPage` hears each checkpoint (the kind's
    /// records and calls so far), `onKindDone` each finished kind.
    public func read(
        into journal: any ReadJournal, only: Set<String>? = nil,
        onPage: (KindSummary) async -> Void = { _ in },
        onKindDone: (KindSummary) async throws -> Void = { _ in }
    ) async throws -> [KindSummary] {
        let (direct, scoped) = plan(only: only)
        var summaries: [KindSummary] = []
        for kind in direct {
            let summary = try await readDirect(kind, journal, onPage: onPage)
            summaries.append(summary)
            try await onKindDone(summary)
        }
        for kind in scoped {
            let summary = try await readScoped(kind, journal, onPage: onPage)
            summaries.append(summary)
            try await onKindDone(summary)
        }
        return summaries
    }

    /// Reads a direct kind, resuming from the journal.
    func readDirect(
        _ kind: ResourceKind, _ journal: any ReadJournal, onPage: (KindSummary) async -> Void = { _ in }
    ) async throws -> KindSummary {
        let (state, resumed, seen) = try await resume(kind, journal)
        var summary = resumed
        guard let seen else { return summary }
        if let walk = state.position?.walk { client.learnPageSize(walk.pageMax) }
        var walker = client.walker(of: kind.name, resuming: state.position?.walk, seen: seen)
        do {
            while let page = try await walker.next() {
                summary.records += page.count
                try await journal.append(
                    page, of: kind.name, position: KindPosition(walk: walker.position),
                    calls: state.calls + walker.calls)
                summary.calls = state.calls + walker.calls
                await onPage(summary)
            }
        } catch let error as APIError where Self.isRefusal(error) {
            summary.error = error.localizedDescription
        }
        summary.calls = state.calls + walker.calls
        summary.sawMovement = walker.restarted
        try await journal.finish(kind.name, calls: summary.calls, error: summary.error)
        return summary
    }

    /// Reads a scoped kind by parent batches, resuming from the journal at a batch boundary.
    ///
    /// Each record is kept once, by `_id`, whichever parent it came through (a file trashed
    /// during the export is a live parent and a trashed one), and each parent is asked once.
    func readScoped(
        _ kind: ResourceKind, _ journal: any ReadJournal, onPage: (KindSummary) async -> Void = { _ in }
    ) async throws -> KindSummary {
        let (state, resumed, seen) = try await resume(kind, journal)
        var summary = resumed
        guard let seen else { return summary }
        var position = state.position ?? KindPosition()
        do {
            while position.parentIndex < kind.parents.count {
                let parentName = kind.parents[position.parentIndex]
                guard let parent = catalog.kind(named: parentName), let slug = parent.slug else {
                    position = KindPosition(parentIndex: position.parentIndex + 1)
                    continue
                }
                var ids = ParentIDs(
                    live: try await journal.records(of: parentName).makeIterator(),
                    trash: try await journal.records(of: "trash-bin").makeIterator(), kind: parentName,
                    catalog: catalog, asked: try makeSeenSet("\(kind.name).\(parentName).asked"),
                    trashedHoldNone: parent.cascade.contains { $0.kind == kind.name })
                try ids.skip(position.parentsDone)
                while case let batch = try ids.next(parentBatch), !batch.isEmpty {
                    let records = try await readBatch(
                        kind, parentSlug: slug, batch, journal, seen: seen, into: &summary)
                    position.parentsDone += batch.count
                    try await journal.append(records, of: kind.name, position: position, calls: summary.calls)
                    await onPage(summary)
                }
                position = KindPosition(parentIndex: position.parentIndex + 1)
            }
        } catch let error as APIError where Self.isRefusal(error) {
            summary.error = error.localizedDescription
        }
        try await journal.finish(kind.name, calls: summary.calls, error: summary.error)
        return summary
    }

    /// Where a kind's read stands: its journal state, its summary so far, and the set of ids it
    /// kept already (filled from the journal on resume); nil for a kind read to its end.
    func resume(
        _ kind: ResourceKind, _ journal: any ReadJournal
    ) async throws -> (KindJournalState, KindSummary, (any IDSet)?) {
        let state = try await journal.state(of: kind.name)
        let summary = KindSummary(kind: kind.name, resuming: state)
        if state.done { return (state, summary, nil) }
        let seen = try makeSeenSet(kind.name)
        if state.position != nil { try await journal.records(of: kind.name).forEach { try seen.add($0.id) } }
        return (state, summary, seen)
    }

    /// Reads one batch of parents' scoped records, each record once (`seen`). A parent may hold
    /// thousands of comments: they are staged page-sized; the caller checkpoints the batch with
    /// the records answered, once it is whole.
    func readBatch(
        _ kind: ResourceKind, parentSlug slug: String, _ batch: [String], _ journal: any ReadJournal,
        seen: any IDSet, into summary: inout KindSummary
    ) async throws -> [RawRecord] {
        /// The records of `page` not kept before.
        func fresh(_ page: [RawRecord]) throws -> [RawRecord] {
            zip(page, try seen.insert(page.map(\.id))).compactMap { $1 ? $0 : nil }
        }
        var iterator = client.scopedRecords(of: kind.name, parentSlug: slug, parentIDs: batch, batchSize: parentBatch)
            .makeAsyncIterator()
        var records: [RawRecord] = []
        var batchRecords = 0
        while let record = try await iterator.next() {
            records.append(record)
            if records.count == stagedRecords {
                let kept = try fresh(records)
                batchRecords += kept.count
                try await journal.stage(kept, of: kind.name)
                records.removeAll(keepingCapacity: true)
            }
        }
        records = try fresh(records)
        batchRecords += records.count
        summary.calls += iterator.calls
        summary.records += batchRecords
        summary.sawMovement = summary.sawMovement || iterator.restarted
        summary.fellBackToSingleParents = summary.fellBackToSingleParents || iterator.fellBackToSingleParents
        return records
    }

    /// Whether the server refused the kind itself (as opposed to failing).
    static func isRefusal(_ error: APIError) -> Bool {
        switch error {
        case .forbidden, .notFound, .validation: true
        default: false
        }
    }

}

/// The ids a scoped kind is read under, for one parent kind: the parent records held, then the
/// trashed ones (roots and children) from the trash rows, because a parent in the trash can
/// still have live comments. Streamed in a fixed order, so a checkpoint can count them.
///
/// Each id comes once: a parent trashed during the export (held live, and in a trash row) is
/// asked as a live one only. Trashed parents whose scoped records go to the trash with them
/// (`trashedHoldNone`: a task's comments, contract §5.1) are not asked at all.
struct ParentIDs {
    var live: HeldRecords.Iterator
    var trash: HeldRecords.Iterator
    let kind: String
    let catalog: Catalog
    /// Ids given out so far; filled again from the start when a read resumes (`skip`).
    let asked: any IDSet
    let trashedHoldNone: Bool
    /// The current trash row's ids, last first.
    private var pending: [String] = []

    init(
        live: HeldRecords.Iterator, trash: HeldRecords.Iterator, kind: String, catalog: Catalog, asked: any IDSet,
        trashedHoldNone: Bool
    ) {
        self.live = live
        self.trash = trash
        self.kind = kind
        self.catalog = catalog
        self.asked = asked
        self.trashedHoldNone = trashedHoldNone
    }

    mutating func skip(_ count: Int) throws {
        var left = count
        while left > 0 {
            let skipped = try next(min(left, 4096)).count
            if skipped == 0 { return }
            left -= skipped
        }
    }

    /// Up to `count` next ids, each never given before (checked against `asked` in one batch).
    mutating func next(_ count: Int) throws -> [String] {
        var out: [String] = []
        while out.count < count {
            var candidates: [String] = []
            while candidates.count < count - out.count, let id = try nextCandidate() { candidates.append(id) }
            if candidates.isEmpty { break }
            out += zip(candidates, try asked.insert(candidates)).compactMap { $1 ? $0 : nil }
        }
        return out
    }

    /// The next id in stream order, whether asked before or not.
    private mutating func nextCandidate() throws -> String? {
        if let record = try live.next() { return record.id }
        while pending.isEmpty {
            guard !trashedHoldNone, let row = try trash.next() else { return nil }
            pending = Self.ids(of: kind, in: row, catalog: catalog).reversed()
        }
        return pending.popLast()
    }

    /// The ids of a trash row's records of `kind`, root then children.
    static func ids(of kind: String, in row: RawRecord, catalog: Catalog) -> [String] {
        guard let value = try? row.parsed() else { return [] }
        return ([value] + (value["children"]?.arrayValue ?? [])).compactMap { entry in
            guard let slug = entry["entityType"]?.stringValue, catalog.kind(forSlug: slug)?.name == kind else {
                return nil
            }
            return entry["entityId"]?.stringValue
        }
    }
}

/// A journal in memory: for tests and for reads that need no resume.
public actor MemoryJournal: ReadJournal {
    public private(set) var held: [String: [RawRecord]] = [:]
    var states: [String: KindJournalState] = [:]
    var staged: [String: Int] = [:]

    public init() {}

    public func state(of kind: String) -> KindJournalState { states[kind] ?? KindJournalState() }
    public func records(of kind: String) -> HeldRecords { .memory(held[kind] ?? []) }

    public func stage(_ records: [RawRecord], of kind: String) {
        held[kind, default: []] += records
        staged[kind, default: 0] += records.count
    }

    public func append(_ records: [RawRecord], of kind: String, position: KindPosition, calls: Int) {
        held[kind, default: []] += records
        var s = states[kind] ?? KindJournalState()
        s.position = position
        s.records += (staged.removeValue(forKey: kind) ?? 0) + records.count
        s.calls = calls
        states[kind] = s
    }

    public func finish(_ kind: String, calls: Int, error: String?) {
        if let dropped = staged.removeValue(forKey: kind) { held[kind]?.removeLast(dropped) }
        var s = states[kind] ?? KindJournalState()
        s.done = true
        s.calls = calls
        s.error = error
        states[kind] = s
    }
}
