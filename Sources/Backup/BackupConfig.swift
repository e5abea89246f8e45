import Archive
import Foundation
import PlutioAPI
import StateStore
internal import Yams

/// The configuration of `backup` and `status` (YAML; schemas/config.schema.json): the accounts,
/// where their archives go, how many to keep, and each API client's rate budget.
///
/// ```yaml
/// output: /var/backups/plutio          # one subdirectory per account
/// retention: {keepDaily: 7, keepWeekly: 4, keepMonthly: 12}
/// rates: {agency-client: 1000/1h}      # per API client id; default 1000/1h
/// accounts:
///   - name: acme
///     business: acme
///     clientID: agency-client
///     secretEnv: PLUTIO_AGENCY_SECRET   # or secretFile: /etc/plutio-backup/agency.secret (mode 0600)
/// ```
///
/// Relative paths are relative to the file's directory. A secret written in the file itself is
/// refused unless the caller allows it (`--allow-inline-secret`).
public struct BackupConfig: Sendable, Decodable, Equatable {
    public struct Account: Sendable, Decodable, Equatable {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, business, apiURL, clientID, secretEnv, secretFile, secret
        }

        /// The account's name: its subdirectory of `output`, and what `--account` chooses.
        public var name: String
        public var business: String
        public var apiURL: String?
        public var clientID: String
        /// The environment variable holding the client secret.
        public var secretEnv: String?
        /// A file (mode 0600) holding the client secret.
        public var secretFile: String?
        /// The secret itself: refused without `--allow-inline-secret`.
        public var secret: String?
    }

    public struct Retention: Sendable, Decodable, Equatable {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly
        }

        public var keepLast: Int?
        public var keepHourly: Int?
        public var keepDaily: Int?
        public var keepWeekly: Int?
        public var keepMonthly: Int?
        public var keepYearly: Int?

        public var policy: RetentionPolicy {
            RetentionPolicy(
                last: keepLast ?? 0, hourly: keepHourly ?? 0, daily: keepDaily ?? 0, weekly: keepWeekly ?? 0,
                monthly: keepMonthly ?? 0, yearly: keepYearly ?? 0)
        }
    }

    public var output: String
    /// State directory (checkpoints, last runs); default `<output>/.state`.
    public var state: String?
    /// Rate ledger directory, shared with every other command of the user; default
    /// `PLUTIO_LEDGER`, else `$XDG_STATE_HOME/plutio-backup`.
    public var ledger: String?
    public var retention: Retention?
    /// Rate budget (`N/DURATION`) per API client id; default 1000/1h.
    public var rates: [String: String]?
    /// API clients backed up at once (accounts of one client run one after another); default 2.
    public var concurrency: Int?
    /// `status` warns when an account's newest archive is older than this; default 36.
    public var staleAfterHours: Double?
    /// Download file binaries; default true.
    public var files: Bool?
    /// Keep binaries in a blob store per account (`<output>/<account>/blobs`), downloaded once
    /// and stored once; default true. False: every archive holds its binaries (format 2).
    public var blobStore: Bool?
    /// Unnamed blobs younger than this stay when retention sweeps the store; default 60.
    public var blobGraceMinutes: Double?
    public var accounts: [Account]

    /// The file's directory, against which relative paths resolve.
    public var base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case output, state, ledger, retention, rates, concurrency, staleAfterHours, files, blobStore, blobGraceMinutes,
            accounts
    }

    /// The keys each level of the file may hold: the ones it is decoded with.
    static let keys: [String: Set<String>] = [
        "": Set(CodingKeys.allCases.map(\.rawValue)),
        "account": Set(Account.CodingKeys.allCases.map(\.rawValue)),
        "retention": Set(Retention.CodingKeys.allCases.map(\.rawValue)),
    ]

    /// Reads and checks a configuration file.
    public static func load(_ url: URL, allowInlineSecret: Bool = false) throws(ConfigError) -> BackupConfig {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigError(url, "cannot be read (\(error.localizedDescription)); give --config FILE")
        }
        return try parse(text, at: url, allowInlineSecret: allowInlineSecret)
    }

    static func parse(_ text: String, at url: URL, allowInlineSecret: Bool) throws(ConfigError) -> BackupConfig {
        let tree: Any?
        do { tree = try Yams.load(yaml: text) } catch {
            // The problem and where, never the offending text: it may hold a secret.
            throw ConfigError(url, "is not valid YAML: \(syntax(error))")
        }
        guard let root = tree as? [String: Any] else {
            throw ConfigError(url, "must be a mapping with output and accounts (see schemas/config.schema.json)")
        }
        try unknownKeys(root, allowed: keys[""]!, at: "", in: url)
        if let retention = root["retention"] as? [String: Any] {
            try unknownKeys(retention, allowed: keys["retention"]!, at: "retention.", in: url)
        }
        for (i, account) in ((root["accounts"] as? [Any]) ?? []).enumerated() {
            guard let account = account as? [String: Any] else { continue }
            try unknownKeys(account, allowed: keys["account"]!, at: "accounts[\(i)].", in: url)
        }
        // Inline secrets are scrubbed from every message about the file.
        let secrets = ((root["accounts"] as? [Any]) ?? []).compactMap { ($0 as? [String: Any])?["secret"] }
            .map { "\($0)" }.filter { !$0.isEmpty }
        func scrub(_ error: ConfigError) -> ConfigError {
            var error = error
            for secret in secrets { error.problem = error.problem.replacingOccurrences(of: secret, with: "[redacted]") }
            return error
        }
        var config: BackupConfig
        do { config = try YAMLDecoder().decode(BackupConfig.self, from: text) } catch {
            throw scrub(ConfigError(url, "does not match schemas/config.schema.json: \(describe(error))"))
        }
        config.base = url.deletingLastPathComponent()
        for i in config.accounts.indices {
            config.accounts[i].business = config.accounts[i].business.lowercased()
            if let api = config.accounts[i].apiURL, let url = ConnectionSettings.apiURL(parsing: api) {
                config.accounts[i].apiURL = url.absoluteString
            }
        }
        do { try config.check(at: url, allowInlineSecret: allowInlineSecret) } catch { throw scrub(error) }
        return config
    }

    static func syntax(_ error: any Error) -> String {
        guard let error = error as? YamlError else { return "unreadable" }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return "\(problem) at line \(mark.line), column \(mark.column)"
        case .reader(let problem, let offset, _, _): return "\(problem)" + (offset.map { " at byte \($0)" } ?? "")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "key(s) \(duplicates.joined(separator: ", ")) repeated at line \(context.mark.line)"
        default: return "unreadable"
        }
    }

    static func unknownKeys(
        _ map: [String: Any], allowed: Set<String>, at path: String, in url: URL
    )
        throws(ConfigError)
    {
        let unknown = Set(map.keys).subtracting(allowed).sorted()
        guard unknown.isEmpty else {
            throw ConfigError(
                url,
                "has unknown key(s) \(unknown.map { path + $0 }.joined(separator: ", ")); known: \(allowed.sorted().joined(separator: ", "))"
            )
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \((context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    func check(at url: URL, allowInlineSecret: Bool) throws(ConfigError) {
        guard !accounts.isEmpty else { throw ConfigError(url, "names no account") }
        var names = Set<String>()
        for account in accounts {
            guard account.name.wholeMatch(of: #/[A-Za-z0-9][A-Za-z0-9._-]*/#) != nil else {
                throw ConfigError(
                    url, "account name \"\(account.name)\" must be letters, digits, . _ - (it names a directory)")
            }
            guard names.insert(account.name).inserted else {
                throw ConfigError(url, "names account \(account.name) twice")
            }
            let sources = [account.secretEnv, account.secretFile, account.secret].compactMap { $0 }
            guard sources.count == 1 else {
                throw ConfigError(url, "account \(account.name): give exactly one of secretEnv and secretFile")
            }
            if account.secret != nil, !allowInlineSecret {
                throw ConfigError(
                    url,
                    "account \(account.name) has its secret written in the file; move it to secretEnv or a secretFile of mode 0600 (or pass --allow-inline-secret)"
                )
            }
            if let api = account.apiURL {
                guard ConnectionSettings.apiURL(parsing: api) != nil else {
                    throw ConfigError(
                        url,
                        "account \(account.name): apiURL \(api) is not an http(s) URL such as https://api.plutio.com/v1.11"
                    )
                }
            }
            guard !account.business.isEmpty, !account.clientID.isEmpty else {
                throw ConfigError(url, "account \(account.name): business and clientID cannot be empty")
            }
        }
        for (client, rate) in rates ?? [:] where RateBudget(parsing: rate) == nil {
            throw ConfigError(url, "rates.\(client): \(rate) is not N/DURATION, e.g. 1000/1h")
        }
        if let concurrency, concurrency < 1 { throw ConfigError(url, "concurrency must be at least 1") }
        if let staleAfterHours, !(staleAfterHours > 0) { throw ConfigError(url, "staleAfterHours must be above 0") }
        if let blobGraceMinutes, !(blobGraceMinutes >= 0) {
            throw ConfigError(url, "blobGraceMinutes cannot be negative")
        }
        if let retention, retention.policy.counts.contains(where: { $0 < 0 }) {
            throw ConfigError(url, "retention values cannot be negative")
        }
    }

    /// A path of the file, resolved against its directory.
    public func path(_ text: String) -> URL {
        text.hasPrefix("/") ? URL(fileURLWithPath: text) : base.appendingPathComponent(text)
    }

    public var outputDirectory: URL { path(output) }
    public var stateDirectory: URL { state.map(path) ?? outputDirectory.appendingPathComponent(".state") }
    public var staleAfter: TimeInterval { (staleAfterHours ?? 36) * 3600 }
    /// The blob store of an account, or nil when binaries stay in the archives.
    public func blobStore(of account: Account) -> URL? {
        guard files ?? true, blobStore ?? true else { return nil }
        return outputDirectory.appendingPathComponent(account.name).appendingPathComponent(BlobStore.defaultName)
    }

    /// The API client an account calls as (its API base and client id): accounts with the same
    /// one share its rate budget.
    public static func client(of account: Account) -> String {
        "\(account.apiURL ?? ConnectionSettings.defaultAPIURL.absoluteString)|\(account.clientID)"
    }

    /// The connection of an account, with its secret read from where the file says.
    public func settings(
        for account: Account, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> ConnectionSettings {
        let secret: String
        if let name = account.secretEnv {
            guard let value = environment[name], !value.isEmpty else {
                throw ConfigError(nil, "account \(account.name): the environment variable \(name) is not set")
            }
            secret = value
        } else if let file = account.secretFile {
            let url = path(file)
            var info = stat()
            guard stat(url.path, &info) == 0 else {
                throw ConfigError(nil, "account \(account.name): secretFile \(url.path) cannot be read")
            }
            guard info.st_mode & 0o077 == 0 else {
                throw ConfigError(
                    nil,
                    "account \(account.name): secretFile \(url.path) is readable by others; run chmod 600 \(url.path)")
            }
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw ConfigError(nil, "account \(account.name): secretFile \(url.path) cannot be read")
            }
            secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            secret = account.secret ?? ""
        }
        let apiURL = account.apiURL.flatMap(URL.init(string:)) ?? ConnectionSettings.defaultAPIURL
        var settings = ConnectionSettings(
            apiURL: apiURL, business: account.business, clientID: account.clientID, clientSecret: secret,
            rate: rates?[account.clientID].flatMap(RateBudget.init(parsing:)) ?? .plutio)
        settings.ledgerDirectory = ledgerDirectory(environment: environment)
        return settings
    }

    /// The rate ledger's directory: `ledger`, else `PLUTIO_LEDGER`, else the user's default.
    public func ledgerDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let ledger { return path(ledger) }
        if let text = environment["PLUTIO_LEDGER"], !text.isEmpty { return URL(fileURLWithPath: text) }
        return StateDatabase.defaultURL(environment: environment).deletingLastPathComponent()
    }
}

/// A configuration that cannot be used; the message says what to change (never a secret).
public struct ConfigError: Error, LocalizedError, Equatable {
    public var file: String?
    public var problem: String

    init(_ url: URL?, _ problem: String) {
        file = url?.path
        self.problem = problem
    }

    public var errorDescription: String? { (file.map { "\($0) " } ?? "") + problem }
}
