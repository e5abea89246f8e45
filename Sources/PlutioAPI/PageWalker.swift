import Basics

/// Walks one list query to its true end through skip/limit pages, under unknown default limits,
/// silent caps, and records created or trashed between calls (contract §3.2, §3.8).
///
/// Every page after the first starts one record early (`skip = cursor - 1`), so consecutive
/// pages overlap. A page is placed only if it contains a record this walk already placed: then
/// everything before its end has been seen, whatever moved in between. A page without such an
/// anchor means records moved left past it, and the walk backs off a page and looks again.
/// Records are emitted once, by `_id`, through `seen`, which may live on disk (a large kind's ids
/// need not fit in memory); the ids that anchor pages are those of the last few pages placed.
///
/// The end is proven by a page shorter than the largest page this kind has returned (a first
/// page shorter than `limit` is checked by one more call). Without mutation a walk costs
/// `1 + ceil((n - c) / (c - 1))` pages for `n` records under a cap `c`, plus at most one call:
/// the overlap trades one record per page for never losing a record at a page edge.
/// `maxCalls` stops a walk that can never settle.
public struct PageWalker: Sendable {
    /// Fetches the records at `[skip, skip + limit)` of the query's current order.
    public typealias Fetch = @Sendable (_ skip: Int, _ limit: Int) async throws -> [RawRecord]

    let fetch: Fetch
    /// The `limit` sent with every page.
    public let limit: Int
    /// The largest page this kind has returned (may be carried across walks of one kind).
    public private(set) var pageMax: Int
    /// Ids emitted so far (shared with whoever passed it in).
    public let seen: any IDSet
    /// Calls made by this walker.
    public private(set) var calls = 0
    /// Pages that had to back off because records moved.
    public private(set) var backoffs = 0

    private var cursor = 0
    private var placed: [String] = []
    private var placedSet: Set<String> = []
    private var finished = false
    /// A resumed walk anchors on ids emitted before it started, which only `seen` knows.
    private var anchorsOnSeen = false
    let maxCalls: Int

    public init(
        limit: Int, pageMax: Int = 0, seen: any IDSet = MemoryIDSet(), maxCalls: Int = 1_000_000,
        fetch: @escaping Fetch
    ) {
        self.fetch = fetch
        self.limit = limit
        self.pageMax = pageMax
        self.seen = seen
        self.maxCalls = maxCalls
    }

    /// Whether the walk had to back off because records moved.
    public var restarted: Bool { backoffs > 0 }

    /// Where a walk stands, to resume it in another process.
    public struct Position: Codable, Sendable, Equatable {
        public var cursor: Int
        public var pageMax: Int
        public var finished: Bool
        public init(cursor: Int, pageMax: Int, finished: Bool) {
            self.cursor = cursor
            self.pageMax = pageMax
            self.finished = finished
        }
    }

    /// The position after the last page returned.
    public var position: Position { Position(cursor: cursor, pageMax: pageMax, finished: finished) }

    /// Resumes a walk at `position`, with the ids already emitted (they anchor the next page).
    public init(
        limit: Int, resuming position: Position, seen: any IDSet, maxCalls: Int = 1_000_000, fetch: @escaping Fetch
    ) {
        self.init(limit: limit, pageMax: position.pageMax, seen: seen, maxCalls: maxCalls, fetch: fetch)
        cursor = position.cursor
        finished = position.finished
        anchorsOnSeen = true
    }

    /// The next records not emitted before; nil when the walk is complete.
    public mutating func next() async throws -> [RawRecord]? {
        while !finished {
            guard calls < maxCalls else { throw PagingError.unsettled(calls: calls) }
            let fresh = try await step()
            if !fresh.isEmpty { return fresh }
        }
        return nil
    }

    private mutating func step() async throws -> [RawRecord] {
        // Overlap the previous page by one record, unless pages hold a single record (a cap of
        // 1 leaves no room for an overlap; such walks cannot see shifts).
        let skip = cursor == 0 || pageMax <= 1 ? cursor : cursor - 1
        calls += 1
        let page = try await fetch(skip, limit)
        guard page.count <= limit else { throw PagingError.oversizedPage(requested: limit, got: page.count) }
        let previousMax = pageMax
        pageMax = max(pageMax, page.count)
        if skip > 0, skip < cursor, try !isAnchored(page) {
            // No anchor: records moved left past this page. Back off a page and look again.
            backoffs += 1
            cursor = max(0, cursor - max(previousMax, 2))
            return []
        }
        cursor = skip + page.count
        let fresh = try place(page)
        // A page shorter than one this kind returned before proves the end.
        if page.isEmpty || page.count < previousMax { finished = true }
        return fresh
    }

    /// Whether a page holds a record this walk placed before.
    private func isAnchored(_ page: [RawRecord]) throws -> Bool {
        if page.contains(where: { placedSet.contains($0.id) }) { return true }
        return try anchorsOnSeen && page.contains { try seen.contains($0.id) }
    }

    /// Places a page in this walk's order and emits its unseen records.
    private mutating func place(_ records: [RawRecord]) throws -> [RawRecord] {
        var out: [RawRecord] = []
        for (r, new) in zip(records, try seen.insert(records.map(\.id))) {
            if placedSet.insert(r.id).inserted { placed.append(r.id) }
            if new { out.append(r) }
        }
        // Anchors come from the last page or two (a back-off steps one page back): keep the ids of
        // at least four pages, and drop the oldest half when there are more.
        let keep = max(4096, 4 * pageMax)
        if placed.count > keep {
            let drop = placed.count - keep / 2
            for id in placed.prefix(drop) { placedSet.remove(id) }
            placed.removeFirst(drop)
        }
        return out
    }
}

/// Paging that cannot complete.
public enum PagingError: Error, Sendable, Equatable {
    /// The records kept moving and the walk could not settle within its call allowance.
    case unsettled(calls: Int)
    /// The server returned more records than asked for.
    case oversizedPage(requested: Int, got: Int)
}
