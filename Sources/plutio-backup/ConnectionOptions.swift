import ArgumentParser
import Foundation
import PlutioAPI
import Session

/// Which workspace a group of connection options names: the one of most commands (`--api-url`,
/// `PLUTIO_*`), or a side of `migrate` (`--source-api-url`, `PLUTIO_SOURCE_*`, else `PLUTIO_*`).
protocol ConnectionSide {
    /// `source` or `target`; nil for the one workspace of other commands.
    static var side: String? { get }
}

enum OwnWorkspace: ConnectionSide { static let side: String? = nil }
enum SourceWorkspace: ConnectionSide { static let side: String? = "source" }
enum TargetWorkspace: ConnectionSide { static let side: String? = "target" }

/// Where and as whom to talk to one workspace: flags, else their environment variables.
struct Connection<Side: ConnectionSide>: ParsableArguments {
    @Option(
        name: .customLong(flag("api-url")),
        help: help("API base including the version", "API_URL", default: "https://api.plutio.com/v1.11"))
    var apiURL: String?
    @Option(
        name: .customLong(flag("business")),
        help: help("workspace subdomain, e.g. acme for acme.plutio.com", "BUSINESS"))
    var business: String?
    @Option(name: .customLong(flag("client-id")), help: help("API client id", "CLIENT_ID"))
    var clientID: String?
    @Option(name: .customLong(flag("client-secret")), help: help("API client secret", "CLIENT_SECRET", secret: true))
    var clientSecret: String?
    @Option(
        name: .customLong(flag("rate")),
        help: help("rate budget as N/DURATION, shared by every process of this client", "RATE", default: "1000/1h"))
    var rate: String?

    /// `--api-url`, or `--source-api-url` for the source side.
    static func flag(_ name: String) -> String { (Side.side.map { "\($0)-" } ?? "") + name }

    /// The option's help: what it is, and the environment variables read when it is not given.
    /// (`what` starts lowercase unless it starts with a name such as API: the side goes before it.)
    static func help(
        _ what: String, _ variable: String, default: String? = nil, secret: Bool = false
    )
        -> ArgumentHelp
    {
        let text =
            Side.side.map { $0.prefix(1).uppercased() + $0.dropFirst() + " " + what }
            ?? what.prefix(1).uppercased() + what.dropFirst()
        var env =
            Side.side.map { "env PLUTIO_\($0.uppercased())_\(variable), else PLUTIO_\(variable)" }
            ?? "env PLUTIO_\(variable)"
        if secret { env += "; prefer the environment" }
        if let `default` { env = "default \(`default`); " + env }
        return ArgumentHelp("\(text) (\(env)).")
    }

    /// The settings these options and the environment give (the secret is redacted from logs).
    func settings() throws -> ConnectionSettings {
        let settings = try ConnectionSettings.resolve(
            .init(apiURL: apiURL, business: business, clientID: clientID, clientSecret: clientSecret, rate: rate),
            environment: ProcessInfo.processInfo.environment, side: Side.side)
        Redaction.add(settings.clientSecret)
        return settings
    }
}

/// Where and as whom to talk to Plutio, with the rate ledger; shared by every command that calls
/// the API of one workspace.
struct ConnectionOptions: ParsableArguments {
    @OptionGroup var connection: Connection<OwnWorkspace>
    @OptionGroup var ledger: LedgerOption

    func settings() throws -> ConnectionSettings {
        var settings = try connection.settings()
        settings.ledgerDirectory = ledger.directory
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
        return StateSession.defaultDirectory
    }
}
