import Catalog
import Foundation
import PlutioAPI
import StateStore

/// What one export needs, opened once: the state database (checkpoints, history), the rate ledger
/// that every process of the API client shares, a client paced by it, and the exporter.
public struct ExportSession: Sendable {
    let client: PlutioClient
    let ledger: RateLedger
    let exporter: Exporter

    /// - Parameter stateDirectory: holds `state.sqlite`; nil: the default (`$XDG_STATE_HOME/plutio-backup`).
    public init(settings: ConnectionSettings, stateDirectory: URL?) throws {
        let url = stateDirectory?.appendingPathComponent("state.sqlite") ?? StateDatabase.defaultURL()
        let database = try StateDatabase(url: url)
        ledger = RateLedger(
            database: try StateDatabase.ledger(settings.ledgerDirectory, besides: database), scope: settings.ledgerScope
        )
        client = PlutioClient(settings: settings, http: AsyncHTTPTransport(), ledger: ledger)
        exporter = Exporter(client: client, catalog: .standard, state: database, downloads: AsyncHTTPTransport())
    }

    /// HTTP calls this process has made (token calls and retries included).
    public var callsMade: Int { client.callsMade }

    /// Calls the ledger holds inside the budget's current window, from every process of this API client.
    public func callsInWindow() -> Int? {
        let window = client.settings.rate.window.seconds
        return try? ledger.calls(since: Date().addingTimeInterval(-window)).count
    }

    /// Runs the export (see `Exporter.run`).
    public func export(
        _ options: ExportOptions, report: @Sendable (ExportEvent) -> Void = { _ in }
    ) async throws -> ExportResult {
        try await exporter.run(options, report: report)
    }
}
