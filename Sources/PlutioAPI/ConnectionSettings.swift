import Foundation

/// Where and as whom to talk to Plutio; shared by every command.
///
/// Each value comes from its flag, else its environment variable, else the default.
/// `description` never shows the secret.
public struct ConnectionSettings: Sendable, CustomStringConvertible {
    /// The API base including the version, e.g. `https://api.plutio.com/v1.11`.
    public var apiURL: URL
    /// The workspace subdomain sent as `Business`.
    public var business: String
    public var clientID: String
    public var clientSecret: String
    public var rate: RateBudget
    /// Where the rate ledger lives (its `state.sqlite`): one per user by default, so that every
    /// command of one API client shares one budget whatever its `--state`. Nil: the command's
    /// own state directory.
    public var ledgerDirectory: URL?

    public static let defaultAPIURL = URL(string: "https://api.plutio.com/v1.11")!

    public init(
        apiURL: URL = defaultAPIURL, business: String, clientID: String, clientSecret: String,
        rate: RateBudget = .plutio
    ) {
        self.apiURL = apiURL
        self.business = business
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.rate = rate
    }

    /// Values as given on the command line; nil where a flag was not given.
    public struct Flags: Sendable {
        public var apiURL: String?
        public var business: String?
        public var clientID: String?
        public var clientSecret: String?
        public var rate: String?

        public init(
            apiURL: String? = nil, business: String? = nil, clientID: String? = nil, clientSecret: String? = nil,
            rate: String? = nil
        ) {
            self.apiURL = apiURL
            self.business = business
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.rate = rate
        }
    }

    /// Flags win over `PLUTIO_API_URL`, `PLUTIO_BUSINESS`, `PLUTIO_CLIENT_ID`,
    /// `PLUTIO_CLIENT_SECRET` and `PLUTIO_RATE`, which win over the defaults.
    ///
    /// - Parameter side: for `migrate`, `source` or `target`: the flags are then named
    ///   `--source-api-url` and so on, and `PLUTIO_SOURCE_API_URL` wins over `PLUTIO_API_URL`.
    public static func resolve(
        _ flags: Flags, environment: [String: String], side: String? = nil
    ) throws(SettingsError) -> ConnectionSettings {
        let flag = { (name: String) in "--" + (side.map { "\($0)-" } ?? "") + name }
        let variables = { (name: String) in
            (side.map { ["PLUTIO_\($0.uppercased())_\(name)"] } ?? []) + ["PLUTIO_\(name)"]
        }
        let named = { (name: String, variable: String) in
            "\(flag(name)) (or \(variables(variable).joined(separator: " or ")))"
        }
        func pick(_ value: String?, _ variable: String) -> String? {
            if let value, !value.isEmpty { return value }
            for name in variables(variable) {
                if let value = environment[name], !value.isEmpty { return value }
            }
            return nil
        }
        let urlText = pick(flags.apiURL, "API_URL") ?? defaultAPIURL.absoluteString
        guard let url = apiURL(parsing: urlText) else {
            throw .invalid("\(flag("api-url")) \(urlText) is not an http(s) URL such as https://api.plutio.com/v1.11")
        }
        guard let business = pick(flags.business, "BUSINESS") else {
            throw .missing("\(named("business", "BUSINESS")): the workspace subdomain, e.g. acme for acme.plutio.com")
        }
        guard let id = pick(flags.clientID, "CLIENT_ID") else {
            throw .missing("\(named("client-id", "CLIENT_ID")): the API client's id from Settings > API manager")
        }
        guard let secret = pick(flags.clientSecret, "CLIENT_SECRET") else {
            throw .missing("\(named("client-secret", "CLIENT_SECRET")): the API client's secret")
        }
        let rateText = pick(flags.rate, "RATE") ?? "1000/1h"
        guard let rate = RateBudget(parsing: rateText) else {
            throw .invalid("\(flag("rate")) \(rateText) is not N/DURATION such as 1000/1h or 60/6s")
        }
        return ConnectionSettings(
            apiURL: url, business: business.lowercased(), clientID: id, clientSecret: secret, rate: rate)
    }

    /// An http(s) API base with a host, without a trailing slash (so that one API client has
    /// one ledger key however its base is written); nil for anything else.
    public static func apiURL(parsing text: String) -> URL? {
        guard let url = URL(string: text.hasSuffix("/") ? String(text.dropLast()) : text),
            let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil
        else { return nil }
        return url
    }

    /// The rate ledger key: calls are counted per API base and client.
    public var ledgerScope: String { "\(apiURL.absoluteString)|\(clientID)" }

    public var description: String {
        "\(apiURL.absoluteString) business=\(business) client=\(clientID) rate=\(rate)"
    }
}

/// Settings that cannot be used.
public enum SettingsError: Error, LocalizedError, Equatable, Sendable {
    case missing(String)
    case invalid(String)

    public var errorDescription: String? {
        switch self {
        case .missing(let what): "Missing \(what)."
        case .invalid(let what): "Invalid \(what)."
        }
    }
}
