import Basics
import JSONCore

/// The records of one kind, fetched lazily page by page, each emitted once.
public struct RecordSequence: AsyncSequence, Sendable {
    public typealias Element = RawRecord

    enum Queries: Sendable {
        case single(JSONObject)
        case scoped(slug: String, ids: [String], batch: Int)
    }

    let client: PlutioClient
    let kind: String
    let queries: Queries

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, kind: kind, queries: queries)
    }

    /// Pulls pages on demand and holds at most one page.
    ///
    /// Scoped kinds walk one query per batch of parent ids; when the server refuses a batch (a
    /// 400 on its first call) the iterator falls back to one parent per query for the rest.
    public struct Iterator: AsyncIteratorProtocol {
        let client: PlutioClient
        let kind: String
        var single: JSONObject?
        var scopeSlug: String?
        var pending: [[String]] = []
        var currentBatch: [String] = []
        var batched = true
        var walker: PageWalker?
        var buffer: [RawRecord] = []
        var bufferIndex = 0
        var pageMax = 0
        var seen: any IDSet = MemoryIDSet()
        var finishedCalls = 0
        var anyRestart = false

        init(client: PlutioClient, kind: String, queries: Queries) {
            self.client = client
            self.kind = kind
            switch queries {
            case .single(let q): single = q
            case .scoped(let slug, let ids, let batch):
                scopeSlug = slug
                // Once the server refused a batch of this kind, the rest of the run asks one parent per call.
                batched = !client.refusesBatchedScopes(kind)
                let size = batched ? batch : 1
                pending = stride(from: 0, to: ids.count, by: size).map {
                    Array(ids[$0..<Swift.min($0 + size, ids.count)])
                }
            }
        }

        /// Calls made by this sequence so far.
        public var calls: Int { finishedCalls + (walker?.calls ?? 0) }

        /// Whether any walk saw records shift and walked again.
        public var restarted: Bool { anyRestart || walker?.restarted == true }

        /// Whether the server refused batched scopes, so parents were read one per call.
        public var fellBackToSingleParents: Bool { scopeSlug != nil && !batched }

        func makeWalker(_ q: JSONObject) -> PageWalker {
            let client = self.client
            let kind = self.kind
            let known = Swift.max(pageMax, client.largestPageSeen)
            return PageWalker(limit: client.pageLimit, pageMax: known, seen: seen) { skip, limit in
                try await client.page(kind, q: q, skip: skip, limit: limit)
            }
        }

        func scopeQuery(_ ids: [String]) -> JSONObject {
            var q = PlutioClient.everything
            q["entityType"] = .string(scopeSlug ?? "")
            q["entityId"] = batched ? ["$in": .array(ids.map(JSONValue.string))] : .string(ids[0])
            return q
        }

        /// Folds a finished walker's learning into the next one.
        mutating func retire() {
            guard let w = walker else { return }
            finishedCalls += w.calls
            pageMax = Swift.max(pageMax, w.pageMax)
            anyRestart = anyRestart || w.restarted
            walker = nil
        }

        public mutating func next() async throws -> RawRecord? {
            while true {
                if bufferIndex < buffer.count {
                    defer { bufferIndex += 1 }
                    return buffer[bufferIndex]
                }
                if walker == nil {
                    if let q = single {
                        single = nil
                        walker = makeWalker(q)
                    } else if !pending.isEmpty {
                        currentBatch = pending.removeFirst()
                        walker = makeWalker(scopeQuery(currentBatch))
                    } else {
                        return nil
                    }
                }
                do {
                    if let batch = try await walker!.next() {
                        buffer = batch
                        bufferIndex = 0
                    } else {
                        retire()
                    }
                } catch let error as APIError {
                    guard case .validation = error, scopeSlug != nil, batched, walker?.calls == 1 else { throw error }
                    // The server refuses $in batches (contract §3.6): one parent per call from here on.
                    retire()
                    batched = false
                    client.noteBatchedScopesRefused(kind)
                    pending = currentBatch.map { [$0] } + pending.flatMap { $0.map { [$0] } }
                }
            }
        }
    }
}
