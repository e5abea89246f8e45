import Export
import FakePlutio
import Foundation
import Import
import PlutioAPI
import StateStore

/// Scenes several test targets share: a temporary directory, a second account, the seeded `acme`
/// exported to an archive.
extension FakeHarness {
    /// An empty account to import into.
    public static let globex = AccountSpec(
        subdomain: "globex", clientID: "globex-client", secret: "globex-secret", empty: true)

    /// A new directory under the temporary directory.
    public static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plutio-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// An import into `account` (an empty `globex` by default) with its state in `state`: no
    /// budget to speak of, fast retries.
    public func importSession(into account: AccountSpec = globex, state: URL) throws -> ImportSession {
        try ImportSession(
            settings: ConnectionSettings(
                apiURL: server.baseURL, business: account.subdomain, clientID: account.clientID,
                clientSecret: account.secret, rate: Self.unlimited),
            stateDirectory: state, retry: Self.fastRetry)
    }

    /// The seeded `acme` exported without binaries into `out`, with the state database beside it.
    public static func exportAcme(_ h: FakeHarness, to out: URL) async throws -> (URL, StateDatabase) {
        var options = ExportOptions(output: out, toolVersion: "test")
        options.downloadFiles = false
        let database = try StateDatabase(url: out.appendingPathComponent("state/state.sqlite"))
        let archive = try await Exporter(
            client: try h.client(), catalog: .standard, state: database, downloads: AsyncHTTPTransport(),
            retry: FakeHarness.fastRetry
        ).run(options).archive
        return (archive, database)
    }

    /// acme's files exported into `out` (state in `out/state`), binaries into `store` when given.
    public static func exportFiles(
        _ h: FakeHarness, to out: URL, store: URL?, report: @Sendable (ExportEvent) -> Void = { _ in }
    ) async throws -> ExportResult {
        let database = try StateDatabase(url: out.appendingPathComponent("state/state.sqlite"))
        return try await Exporter(
            client: try h.client(), catalog: .standard, state: database, downloads: AsyncHTTPTransport(),
            retry: FakeHarness.fastRetry
        ).run(ExportOptions(output: out, kinds: ["files"], blobStore: store, toolVersion: "test"), report: report)
    }
}
