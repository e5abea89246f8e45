import Basics
import Foundation
import JSONCore
import Synchronization

/// The Plutio client every command uses.
///
/// Calls go: retry and token (`RetryingTransport`) -> rate budget (`PacedTransport`) -> HTTP.
/// Token requests take the same paced path, so they count against the budget too.
public final class PlutioClient: Sendable {
    public let settings: ConnectionSettings
    /// The `limit` sent with every list page: the largest page worth asking for.
    public let pageLimit: Int
    let transport: any HTTPTransport
    let tokens: TokenProvider
    let counter: CallCounter
    let largestPage = Mutex(0)
    /// Scoped kinds whose server refused batched parent scopes: later sequences ask one parent per call.
    let unbatchedKinds = Mutex<Set<String>>([])
    /// The server's clock, as measured by the token, the records it stamps and `Date` headers.
    public let serverClock = ServerClock()
    /// The form of single-record writes each kind takes.
    let routes: WriteRoutes

    public init(
        settings: ConnectionSettings, http: any HTTPTransport, ledger: any CallLedger,
        clock: any PacingClock = SystemPacingClock(), retry: RetryPolicy = .standard, pageLimit: Int = 1000,
        routes: (any WriteRouteMemory)? = nil
    ) {
        self.routes = WriteRoutes(memory: routes)
        self.settings = settings
        self.pageLimit = pageLimit
        counter = CallCounter()
        let counted = CountingTransport(inner: http, counter: counter)
        let paced = PacedTransport(inner: counted, ledger: ledger, budget: settings.rate, clock: clock)
        tokens = TokenProvider(
            settings: settings,
            transport: RetryingTransport(inner: paced, policy: retry, clock: clock, authorizer: nil),
            clock: clock, serverClock: serverClock)
        transport = RetryingTransport(inner: paced, policy: retry, clock: clock, authorizer: tokens)
    }

    /// HTTP calls made so far (token calls and retries included).
    public var callsMade: Int { counter.value }

    /// The largest page any list has returned: a lower bound on the server's silent cap, so a
    /// shorter page of any kind proves that kind's end (contract §3.2).
    public var largestPageSeen: Int { largestPage.withLock { $0 } }

    /// Whether the server refused batched parent scopes for `kind` earlier in this run.
    func refusesBatchedScopes(_ kind: String) -> Bool { unbatchedKinds.withLock { $0.contains(kind) } }

    func noteBatchedScopesRefused(_ kind: String) { _ = unbatchedKinds.withLock { $0.insert(kind) } }

    /// The server's time now, as measured (`ServerClock`).
    public func serverNow() -> Date { serverClock.now() }

    /// Notes a timestamp the server just gave a record (`createdAt` of a create's answer), read at
    /// `local`.
    public func noteServerTime(_ stamp: Date, at local: Date) { serverClock.note(stamp: stamp, at: local) }

    /// Notes a response's `Date` header.
    func noteDateHeader(_ response: APIResponse) {
        guard let text = response.header("Date"), let date = ServerClock.httpDate(text) else { return }
        serverClock.note(header: date, at: Date())
    }

    /// Businesses the API client may address (known after the first call).
    public func enabledBusinesses() async -> [String] { await tokens.enabledBusinesses }

    /// The query that returns every record, archived and template ones included (contract §3.5).
    public static let everything: JSONObject = [
        "isArchived": ["$in": [true, false, nil]], "isTemplate": ["$in": [true, false, nil]],
    ]

    /// One page of a list: the records at `[skip, skip + limit)` of `q`.
    public func page(_ kind: String, q: JSONObject, skip: Int, limit: Int) async throws -> [RawRecord] {
        let query = [("q", JSONValue.object(q).text), ("skip", String(skip)), ("limit", String(limit))]
        let request = APIRequest(method: .get, url: url(kind, query: query))
        let response = try await transport.send(request)
        noteDateHeader(response)
        if let error = APIError.check(response, for: request) { throw error }
        let records: [RawRecord]
        do { records = try RawJSON.records(in: response.body) } catch {
            throw APIError.invalidResponse(request: request.summary, reason: "\(error.reason) at byte \(error.offset)")
        }
        largestPage.withLock { $0 = max($0, records.count) }
        return records
    }

    /// Sends a write and answers the body (contract §4.1).
    public func send(_ method: HTTPVerb, _ path: String, body: JSONValue) async throws -> [UInt8] {
        try await write(method, path, body: body.bytes).body
    }

    /// `<apiURL>/<path>?<query>`, each query name and value percent-encoded byte by byte outside
    /// RFC 3986's unreserved characters (so `+`, `&`, `=` and non-ASCII letters are escaped).
    func url(_ path: String, query: [(String, String)]) -> URL {
        var components = URLComponents(url: settings.apiURL, resolvingAgainstBaseURL: false)!
        components.percentEncodedPath +=
            "/"
            + path.split(separator: "/").map { percentEncoded(String($0)) }
            .joined(separator: "/")
        if !query.isEmpty {
            components.percentEncodedQueryItems = query.map {
                URLQueryItem(name: percentEncoded($0.0), value: percentEncoded($0.1))
            }
        }
        return components.url!
    }

    /// A walker over every record of a kind (archived and template ones included), new or
    /// resumed; for callers that checkpoint page by page.
    public func walker(
        of kind: String, resuming position: PageWalker.Position? = nil, seen: any IDSet = MemoryIDSet()
    ) -> PageWalker {
        let q = Self.everything
        let fetch: PageWalker.Fetch = { skip, limit in try await self.page(kind, q: q, skip: skip, limit: limit) }
        if let position { return PageWalker(limit: pageLimit, resuming: position, seen: seen, fetch: fetch) }
        return PageWalker(limit: pageLimit, pageMax: largestPageSeen, seen: seen, fetch: fetch)
    }

    /// Records the largest page a resumed run had learned (a lower bound on the silent cap).
    public func learnPageSize(_ size: Int) { largestPage.withLock { $0 = max($0, size) } }

    /// Every record of a kind matching `filter`, archived and template ones included.
    public func records(of kind: String, filter: JSONObject = [:]) -> RecordSequence {
        var q = Self.everything
        for member in filter { q[member.key] = member.value }
        return RecordSequence(client: self, kind: kind, queries: .single(q))
    }

    /// Every record of a scoped kind (comments) belonging to the given parents: in `$in` batches
    /// (200 ids keep the URL near 5 KB),
    /// or one parent per call when the server refuses batches.
    public func scopedRecords(
        of kind: String, parentSlug: String, parentIDs: [String], batchSize: Int = 200
    )
        -> RecordSequence
    {
        RecordSequence(
            client: self, kind: kind, queries: .scoped(slug: parentSlug, ids: parentIDs, batch: max(1, batchSize)))
    }
}

/// Counts calls that reached the HTTP layer.
final class CallCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

struct CountingTransport: HTTPTransport {
    let inner: any HTTPTransport
    let counter: CallCounter
    func send(_ request: APIRequest) async throws -> APIResponse {
        counter.increment()
        return try await inner.send(request)
    }
}

/// RFC 3986's unreserved characters: ASCII letters and digits, `-`, `.`, `_`, `~`.
private let unreserved = CharacterSet(
    charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

/// Percent-encodes every UTF-8 byte outside RFC 3986's unreserved characters, for path segments,
/// query names and values and form bodies (`é` is `%C3%A9`, `+` is `%2B`).
func percentEncoded(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
}
