import ArgumentParser
import Foundation
import PlutioAPI

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

    func settings() throws -> ConnectionSettings {
        let settings = try ConnectionSettings.resolve(
            .init(apiURL: apiURL, business: business, clientID: clientID, clientSecret: clientSecret, rate: rate),
            environment: ProcessInfo.processInfo.environment)
        Redaction.add(settings.clientSecret)
        return settings
    }
}
