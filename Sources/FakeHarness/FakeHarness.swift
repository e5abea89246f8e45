// FakeHarness: a FakePlutio on a local port and PlutioClients for it, for tests and benchmarks.
import Catalog
import FakePlutio
import Foundation
import JSONCore
import PlutioAPI
import StateStore

/// A fake started in-process on port 0, with a temporary state directory for client ledgers.
public struct FakeHarness: Sendable {
    public let server: FakePlutioServer
    public let stateDir: URL
    public var fake: FakePlutio { server.fake }

    public static let acme = AccountSpec(subdomain: "acme", clientID: "acme-client", secret: "acme-secret")
    /// Retries fast enough that injected faults do not slow tests down.
    public static let fastRetry = RetryPolicy(
        maxAttempts: 10, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50), maxTotalWait: .seconds(30))
    /// A budget that never binds.
    public static let unlimited = RateBudget(limit: 1_000_000, window: .seconds(3600))

    /// Starts a fake with an unlimited rate (unless `configure` sets one) and seeds it.
    public static func start(
        accounts: [AccountSpec] = [acme], records: Int = 600, seed: UInt64 = 1,
        clock: any FakeClock = SystemFakeClock(),
        configure: (inout FakeConfig) -> Void = { _ in }
    ) async throws -> FakeHarness {
        var config = FakeConfig()
        config.rate = RateLimit(limit: 1_000_000, window: 3600)
        configure(&config)
        let fake = FakePlutio(accounts: accounts, config: config, clock: clock)
        if records > 0 { await fake.seed(records: records, seed: seed) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plutio-harness-\(UUID().uuidString)")
        return FakeHarness(server: try await FakePlutioServer.start(fake), stateDir: dir)
    }

    /// A client with its own database handle on the shared ledger file.
    public func client(
        _ account: AccountSpec = acme, rate: RateBudget = unlimited, retry: RetryPolicy = fastRetry,
        pageLimit: Int = 1000, routes: (any WriteRouteMemory)? = nil
    ) throws -> PlutioClient {
        let settings = ConnectionSettings(
            apiURL: server.baseURL, business: account.subdomain, clientID: account.clientID,
            clientSecret: account.secret,
            rate: rate)
        let database = try StateDatabase(url: stateDir.appendingPathComponent("state.sqlite"))
        return PlutioClient(
            settings: settings, http: AsyncHTTPTransport(),
            ledger: RateLedger(database: database, scope: settings.ledgerScope),
            retry: retry, pageLimit: pageLimit, routes: routes)
    }

    public func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: stateDir)
    }

    /// Runs `body`, then stops the fake and removes its state directory, whether `body` returned or threw.
    public func stopAfter<T>(_ body: () async throws -> T) async throws -> T {
        defer { try? FileManager.default.removeItem(at: stateDir) }
        return try await server.stopAfter(body)
    }

    /// The fake's live records (and trash rows) of the kinds a backup reads, as the bytes it serves.
    public func serverRecords(_ business: String = "acme", catalog: Catalog = .standard) async -> [String: [[UInt8]]] {
        let ws = await fake.workspace(business)!
        var out: [String: [[UInt8]]] = [:]
        for kind in catalog.kinds where kind.supports(.list) && kind.isBackedUp && kind.name != "archive" {
            var records: [[UInt8]] = []
            for object in ws.objects(kind: kind.name) { records.append(await fake.servedBytes(object)) }
            out[kind.name] = records
        }
        var rows: [[UInt8]] = []
        for row in ws.trashRows() { rows.append(await fake.servedBytes(row)) }
        out["trash-bin"] = rows
        return out
    }

    /// The first `files` record whose binary the fake's CDN serves (`type: file`), with its `_id`
    /// and `handle`, for tests that replace or remove that binary.
    public func storedBinaryFile(_ business: String = "acme") async -> (record: JSONObject, id: String, handle: String)?
    {
        guard let ws = await fake.workspace(business),
            let file = ws.objects(kind: "files").first(where: { $0["type"]?.stringValue == "file" }),
            let id = file["_id"]?.stringValue, let handle = file["handle"]?.stringValue
        else { return nil }
        return (file, id, handle)
    }

    /// Ids of the same records by kind.
    public func serverIDs(_ business: String = "acme", catalog: Catalog = .standard) async -> [String: Set<String>] {
        await serverRecords(business, catalog: catalog).mapValues { records in
            Set(records.compactMap { try? RawJSON.topLevelString("_id", in: $0) })
        }
    }
}

extension [RequestLogEntry] {
    /// The most calls of `client` the fake counted inside any `window` seconds: what a shared
    /// budget of that window must keep within its limit.
    public func peakCalls(client: String, window: TimeInterval) -> Int {
        let times = filter { $0.clientID == client && $0.counted }.map(\.time).sorted()
        var best = 0
        var start = 0
        for (end, t) in times.enumerated() {
            while times[start] <= t.addingTimeInterval(-window) { start += 1 }
            best = Swift.max(best, end - start + 1)
        }
        return best
    }
}
