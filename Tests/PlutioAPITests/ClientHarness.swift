import Catalog
import FakePlutio
import Foundation
import JSONCore
import StateStore

@testable import PlutioAPI

/// A fake on port 0 and clients for it, each with its ledger in a temporary state directory.
struct ClientHarness {
    let server: FakePlutioServer
    let stateDir: URL
    var fake: FakePlutio { server.fake }

    static let acme = AccountSpec(subdomain: "acme", clientID: "acme-client", secret: "acme-secret")
    static let fastRetry = RetryPolicy(
        maxAttempts: 10, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50), maxTotalWait: .seconds(30))

    static func start(
        accounts: [AccountSpec] = [acme], records: Int = 600, seed: UInt64 = 1,
        configure: (inout FakeConfig) -> Void = { _ in }
    ) async throws -> ClientHarness {
        var config = FakeConfig()
        config.rate = RateLimit(limit: 1_000_000, window: 3600)
        configure(&config)
        let fake = FakePlutio(accounts: accounts, config: config, clock: SystemFakeClock())
        if records > 0 { await fake.seed(records: records, seed: seed) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plutio-api-tests-\(UUID().uuidString)")
        return ClientHarness(server: try await FakePlutioServer.start(fake), stateDir: dir)
    }

    /// A client with its own database handle on the shared ledger file.
    func client(
        _ account: AccountSpec = acme, rate: RateBudget = RateBudget(limit: 1_000_000, window: .seconds(3600)),
        retry: RetryPolicy = fastRetry, pageLimit: Int = 1000
    ) throws -> PlutioClient {
        let settings = ConnectionSettings(
            apiURL: server.baseURL, business: account.subdomain, clientID: account.clientID,
            clientSecret: account.secret, rate: rate)
        let database = try StateDatabase(url: stateDir.appendingPathComponent("state.sqlite"))
        let ledger = RateLedger(database: database, scope: settings.ledgerScope)
        return PlutioClient(
            settings: settings, http: AsyncHTTPTransport(), ledger: ledger, retry: retry, pageLimit: pageLimit)
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: stateDir)
    }

    /// Kinds walked directly: listable, backed up, not scoped.
    static var directKinds: [ResourceKind] {
        Catalog.standard.kinds.filter { $0.supports(.list) && $0.isBackedUp && $0.scope == nil && $0.name != "archive" }
    }

    /// Walks every direct kind, then comments by parent; answers records by kind.
    static func walkAll(_ client: PlutioClient) async throws -> [String: [RawRecord]] {
        var out: [String: [RawRecord]] = [:]
        for kind in directKinds {
            var records: [RawRecord] = []
            for try await r in client.records(of: kind.name) { records.append(r) }
            out[kind.name] = records
        }
        var comments: [RawRecord] = []
        let parents: [(String, String)] = [
            ("tasks", "task"), ("files", "file"), ("conversations", "conversation"), ("wiki", "wiki"),
            ("wiki-entities", "wiki-page"),
        ]
        // Parents trashed during the walk (or before it) are gone from their lists but their
        // comments may be live (only a task's comments go to the trash with it): take their ids
        // from the trash rows too. The trash bin is walked after the parent kinds.
        var trashed: [String: [String]] = [:]
        for row in out["trash-bin"] ?? [] {
            guard let value = try? row.parsed() else { continue }
            let entries = [value] + (value["children"]?.arrayValue ?? [])
            for entry in entries {
                if let slug = entry["entityType"]?.stringValue, let id = entry["entityId"]?.stringValue,
                    let kind = Catalog.standard.kind(forSlug: slug)
                {
                    trashed[kind.name, default: []].append(id)
                }
            }
        }
        for (kind, slug) in parents {
            var ids = (out[kind] ?? []).map(\.id)
            let known = Set(ids)
            ids += (trashed[kind] ?? []).filter { !known.contains($0) }
            for try await r in client.scopedRecords(of: "comments", parentSlug: slug, parentIDs: ids) {
                comments.append(r)
            }
        }
        out["comments"] = comments
        return out
    }

    /// The fake's live records by kind, as bytes, with trash rows.
    func serverRecords(_ business: String = "acme") async -> [String: [[UInt8]]] {
        let ws = await fake.workspace(business)!
        var out: [String: [[UInt8]]] = [:]
        for kind in Self.directKinds + [Catalog.standard.kind(named: "comments")!] {
            out[kind.name] = ws.objects(kind: kind.name).map { JSONValue.object($0).bytes }
        }
        out["trash-bin"] = ws.trashRows().map { JSONValue.object($0).bytes }
        return out
    }

    /// Ids of live records by kind.
    func serverIDs(_ business: String = "acme") async -> [String: Set<String>] {
        let ws = await fake.workspace(business)!
        var out: [String: Set<String>] = [:]
        for kind in Self.directKinds + [Catalog.standard.kind(named: "comments")!] {
            out[kind.name] = Set(ws.objects(kind: kind.name).compactMap { $0["_id"]?.stringValue })
        }
        out["trash-bin"] = Set(ws.trashRows().compactMap { $0["_id"]?.stringValue })
        return out
    }
}
