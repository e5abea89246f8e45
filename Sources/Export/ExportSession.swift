import Catalog
import Foundation
import PlutioAPI
import Session

/// What one export needs, opened once: the state database (checkpoints, history), the rate ledger
/// that every process of the API client shares, a client paced by it, and the exporter.
public struct ExportSession: Sendable {
    let session: StateSession
    let exporter: Exporter

    /// - Parameter stateDirectory: holds `state.sqlite`; nil: the default (`$XDG_STATE_HOME/plutio-backup`).
    public init(settings: ConnectionSettings, stateDirectory: URL?) throws {
        session = try StateSession(settings: settings, stateDirectory: stateDirectory)
        exporter = Exporter(
            client: session.client, catalog: .standard, state: session.database, downloads: AsyncHTTPTransport())
    }

    /// HTTP calls this process has made (token calls and retries included).
    public var callsMade: Int { session.callsMade }

    /// Calls the ledger holds inside the budget's current window, from every process of this API client.
    public func callsInWindow() -> Int? { session.callsInWindow() }

    /// Runs the export (see `Exporter.run`).
    public func export(
        _ options: ExportOptions, report: @Sendable (ExportEvent) -> Void = { _ in }
    ) async throws -> ExportResult {
        try await exporter.run(options, report: report)
    }
}
