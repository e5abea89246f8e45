import ArchiveChecks
import ArgumentParser
import Backup
import Export
import Foundation
import Import
import PlutioAPI
import Restore
import Session

/// Where and as whom to talk to Plutio; shared by every command that calls the API.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "API base including the version (default https://api.plutio.com/v1.11; env PLUTIO_API_URL).")
    var apiURL: String?
    @Option(help: "Workspace subdomain, e.g. acme for acme.plutio.com (env PLUTIO_BUSINESS).")
    var business: String?
    @Option(help: "API client id (env PLUTIO_CLIENT_ID).")
    var clientID: String?
    @Option(help: "API client secret (env PLUTIO_CLIENT_SECRET; prefer the environment).")
    var clientSecret: String?
    @Option(
        help: "Rate budget as N/DURATION, shared by every process of this client (default 1000/1h; env PLUTIO_RATE).")
    var rate: String?
    @OptionGroup var ledger: LedgerOption

    func settings() throws -> ConnectionSettings {
        var settings = try ConnectionSettings.resolve(
            .init(apiURL: apiURL, business: business, clientID: clientID, clientSecret: clientSecret, rate: rate),
            environment: ProcessInfo.processInfo.environment)
        settings.ledgerDirectory = ledger.directory
        Redaction.add(settings.clientSecret)
        return settings
    }
}

/// Where the rate ledger lives: one per user, whatever a command's --state, so that an export,
/// an import and a backup of one API client share one budget.
struct LedgerOption: ParsableArguments {
    @Option(
        name: .customLong("ledger"),
        help: ArgumentHelp(
            "Rate ledger directory, shared by every command of this user (env PLUTIO_LEDGER; default $XDG_STATE_HOME/plutio-backup).",
            valueName: "dir"))
    var path: String?

    var directory: URL {
        if let path, !path.isEmpty { return URL(fileURLWithPath: path) }
        if let path = ProcessInfo.processInfo.environment["PLUTIO_LEDGER"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return ImportSession.defaultStateDirectory
    }
}
