import Foundation
import PlutioAPI
import StateStore

/// What a command that works in a state directory opens once: the directory (0700) and its
/// database (checkpoints, journals), the rate ledger every process of the API client shares
/// (`ConnectionSettings.ledgerDirectory`, with the write routes the server takes), and a client of
/// the workspace paced by it. Export, import and restore sessions each hold one.
package struct StateSession: Sendable {
    package let settings: ConnectionSettings
    package let client: PlutioClient
    package let ledger: RateLedger
    package let database: StateDatabase
    package let directory: URL

    /// - Parameter stateDirectory: holds `state.sqlite`; nil: the default
    ///   (`$XDG_STATE_HOME/plutio-backup`).
    package init(settings: ConnectionSettings, stateDirectory: URL?, retry: RetryPolicy = .standard) throws {
        let directory = stateDirectory ?? Self.defaultDirectory
        try makePrivateDirectory(directory)
        self.settings = settings
        self.directory = directory
        database = try StateDatabase(url: directory.appendingPathComponent("state.sqlite"))
        let shared = try StateDatabase.ledger(settings.ledgerDirectory, besides: database)
        ledger = RateLedger(database: shared, scope: settings.ledgerScope)
        // The write routes a server takes are the user's knowledge, like its budget.
        client = PlutioClient(
            settings: settings, http: AsyncHTTPTransport(), ledger: ledger, retry: retry,
            routes: WriteRouteBook(database: shared, scope: settings.apiURL.absoluteString))
    }

    /// The default state directory (`$XDG_STATE_HOME/plutio-backup`): the rate ledger of a
    /// command that keeps no journal.
    package static var defaultDirectory: URL { StateDatabase.defaultURL().deletingLastPathComponent() }

    /// HTTP calls this process has made (token calls and retries included).
    package var callsMade: Int { client.callsMade }

    /// Calls the ledger holds inside the budget's current window, from every process of this API client.
    package func callsInWindow() -> Int? {
        try? ledger.calls(since: Date().addingTimeInterval(-settings.rate.window.seconds)).count
    }

    /// Takes the state directory's lock, held while an import or a restore works in it.
    package func lock() throws -> StateLock { try StateLock(directory.appendingPathComponent("import.lock")) }

    /// `report.ndjson` in the state directory: one line per source record of the last run.
    package var reportURL: URL { directory.appendingPathComponent("report.ndjson") }

    /// Where undo archives go (`UndoArchive`).
    package var undoDirectory: URL { directory.appendingPathComponent("undo") }

    /// How long after a lost answer a late apply is looked for (`Importer.lateApplyWindow`):
    /// `PLUTIO_LATE_APPLY_WINDOW` seconds, else 60.
    package var lateApplyWindow: TimeInterval {
        ProcessInfo.processInfo.environment["PLUTIO_LATE_APPLY_WINDOW"].flatMap(TimeInterval.init).map { max(0, $0) }
            ?? 60
    }
}
