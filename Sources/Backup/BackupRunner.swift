import Archive
import ArchiveChecks
import Basics
import Catalog
import Export
import Foundation
import PlutioAPI
import Session

/// `backup`: exports every account of a configuration, verifies each new archive and applies
/// the retention rules.
///
/// Accounts of one API client (same API base and client id) share its rate budget through the
/// ledger and run one after another; different API clients run concurrently, at most
/// `concurrency` at once. One account failing (bad credentials, a dead server) does not stop the
/// others. Each account's outcome is kept in the state directory for `status`.
public struct BackupRunner: Sendable {
    public let config: BackupConfig
    public var toolVersion: String
    public var environment: [String: String]

    public init(
        config: BackupConfig, toolVersion: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.config = config
        self.toolVersion = toolVersion
        self.environment = environment
    }

    /// What happened to one account; also the record `status` reads.
    public struct AccountResult: Sendable, Codable, Equatable {
        public enum Status: String, Sendable, Codable {
            /// Exported completely and verified.
            case ok
            /// An archive was written but something is missing from it (a refused kind, a binary).
            case partial
            /// No usable archive: the export or its verification failed.
            case failed
        }
        public var account: String
        public var business: String
        public var status: Status
        public var records: Int
        /// HTTP calls the account's export made.
        public var calls: Int
        public var archive: String?
        public var verified: Bool
        /// Archives deleted by the retention rules.
        public var pruned: Int
        public var startedAt: String
        public var finishedAt: String
        public var seconds: Double
        public var error: String?
        /// Binary bytes downloaded, and added to the blob store (nil without a store).
        public var fetchedBytes: Int?
        public var addedBytes: Int?
        /// What retention's sweep freed from the blob store, and what the store holds after it.
        public var freedBytes: Int?
        public var storeBytes: Int?
        /// Why the sweep deleted nothing (the backup itself succeeded).
        public var sweepWarning: String?
    }

    /// What the runner says while it works.
    public enum Event: Sendable {
        case started(account: String, business: String)
        case finished(AccountResult)
    }

    /// The accounts chosen by name (all when `names` is empty); unknown names are an error.
    public func accounts(named names: [String]) throws(ConfigError) -> [BackupConfig.Account] {
        guard !names.isEmpty else { return config.accounts }
        let known = Set(config.accounts.map(\.name))
        if let unknown = names.first(where: { !known.contains($0) }) {
            throw ConfigError(
                nil,
                "no account named \(unknown) in the configuration (known: \(known.sorted().joined(separator: ", ")))")
        }
        return config.accounts.filter { names.contains($0.name) }
    }

    /// Backs up `accounts`; answers one result per account, in configuration order.
    public func run(
        _ accounts: [BackupConfig.Account], report: @escaping @Sendable (Event) -> Void = { _ in },
        progress: @escaping @Sendable (String, ExportEvent) -> Void = { _, _ in }
    ) async -> [AccountResult] {
        // One queue per API client; the order of the configuration within each.
        var queues: [[(Int, BackupConfig.Account)]] = []
        var queueOf: [String: Int] = [:]
        for (i, account) in accounts.enumerated() {
            let key = BackupConfig.client(of: account)
            if let q = queueOf[key] {
                queues[q].append((i, account))
            } else {
                queueOf[key] = queues.count
                queues.append([(i, account)])
            }
        }
        let limit = config.concurrency ?? 2
        var results: [(Int, AccountResult)] = []
        await withTaskGroup(of: [(Int, AccountResult)].self) { group in
            var next = 0
            func start() {
                guard next < queues.count else { return }
                let queue = queues[next]
                next += 1
                group.addTask {
                    var out: [(Int, AccountResult)] = []
                    for (i, account) in queue {
                        report(.started(account: account.name, business: account.business))
                        let result = await backUp(account) { progress(account.name, $0) }
                        report(.finished(result))
                        out.append((i, result))
                    }
                    return out
                }
            }
            for _ in 0..<min(limit, queues.count) { start() }
            while let done = await group.next() {
                results += done
                start()
            }
        }
        return results.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Exports, verifies and prunes one account; never throws: a failure is its result.
    func backUp(
        _ account: BackupConfig.Account, progress: @escaping @Sendable (ExportEvent) -> Void = { _ in }
    ) async -> AccountResult {
        let started = Date()
        var result = AccountResult(
            account: account.name, business: account.business, status: .failed, records: 0, calls: 0, archive: nil,
            verified: false, pruned: 0, startedAt: Timestamp.string(started), finishedAt: "", seconds: 0)
        var secret: String?
        do {
            let settings = try config.settings(for: account, environment: environment)
            secret = settings.clientSecret
            try makePrivateDirectory(config.stateDirectory)
            let session = try ExportSession(settings: settings, stateDirectory: config.stateDirectory)
            let directory = config.outputDirectory.appendingPathComponent(account.name)
            let store = config.blobStore(of: account)
            let options = ExportOptions(
                output: directory, downloadFiles: config.files ?? true, blobStore: store, toolVersion: toolVersion)
            let export: ExportResult
            do { export = try await session.export(options, report: progress) } catch {
                result.calls = session.callsMade
                throw error
            }
            result.calls = session.callsMade
            result.archive = export.archive.path
            result.records = export.manifest.kinds.values.reduce(0) { $0 + $1.records }
            result.fetchedBytes = export.manifest.files.fetchedBytes
            result.addedBytes = export.manifest.files.addedBytes
            let report = try ArchiveChecker(catalog: .standard).verify(export.archive)
            result.verified = report.isIntact
            if !report.isIntact {
                result.error =
                    "the new archive failed verification: \(report.problems.prefix(3).joined(separator: "; "))"
            } else if export.isPartial {
                result.status = .partial
                var missing: [String] = []
                if !export.incomplete.isEmpty {
                    missing.append("refused kinds \(export.incomplete.keys.sorted().joined(separator: ", "))")
                }
                if !export.missingBinaries.isEmpty { missing.append("\(export.missingBinaries.count) file binaries") }
                result.error = "partial archive: " + missing.joined(separator: "; ")
            } else {
                result.status = .ok
            }
            let stores = BlobSweep.stores(namedIn: directory)
            // Retention runs after a verified archive only; the pruner keeps the newest complete
            // archive that verifies whatever the rules say, so a partial one never prunes the
            // last complete one away.
            if result.verified, let policy = config.retention?.policy, !policy.isEmpty {
                // The new archive was just verified: it is not read a second time.
                let new = export.archive.standardizedFileURL.path
                let isComplete = { (url: URL) in
                    url.standardizedFileURL.path == new ? export.manifest.complete : Self.isComplete(url)
                }
                result.pruned = try Pruner(directory: directory, policy: policy).prune(verify: isComplete)
                    .filter { !$0.keep }.count
            }
            // Every store the account's archives name, and its blobs/ (the configured store, or
            // one left from before `blobStore: false`), found before retention deletes archives.
            for store in stores { sweep(store, directory: directory, into: &result) }
        } catch {
            result.error = Self.redact(error.localizedDescription, secret)
        }
        let finished = Date()
        result.finishedAt = Timestamp.string(finished)
        result.seconds = (finished.timeIntervalSince(started) * 10).rounded() / 10
        try? record(result)
        return result
    }

    /// Sweeps the account's store after retention: a refusal is a warning of the run, not its
    /// failure (the archive is written and verified; the next run sweeps again).
    func sweep(_ store: BlobStore, directory: URL, into result: inout AccountResult) {
        let grace = (config.blobGraceMinutes ?? BlobSweep.defaultGrace / 60) * 60
        do {
            let outcome = try BlobSweep(store: store, grace: grace).run(also: [directory])
            result.freedBytes = (result.freedBytes ?? 0) + outcome.freedBytes
            result.storeBytes = (result.storeBytes ?? 0) + outcome.keptBytes
        } catch {
            result.storeBytes = (result.storeBytes ?? 0) + ((try? store.totalBytes().bytes) ?? 0)
            // Busy: another export of this store is running; the next run sweeps.
            if case BlobSweep.Refusal.busy = error { return }
            let warning = error.localizedDescription
            result.sweepWarning = result.sweepWarning.map { $0 + "; " + warning } ?? warning
        }
    }

    /// Whether an archive verifies and lacks nothing (no refused kind, no missing binary).
    static func isComplete(_ url: URL) -> Bool {
        (try? ArchiveVerifier.manifest(of: url))?.complete == true && Pruner.verifies(url)
    }

    static func redact(_ text: String, _ secret: String?) -> String {
        guard let secret, !secret.isEmpty else { return text }
        return text.replacingOccurrences(of: secret, with: "[redacted]")
    }

    /// `STATE/runs/<account>.json`: the account's last outcome (0600).
    func record(_ result: AccountResult) throws {
        let directory = config.stateDirectory.appendingPathComponent("runs")
        try makePrivateDirectory(directory)
        try writePrivately(
            JSONEncoder.sorted.encode(result), to: directory.appendingPathComponent("\(result.account).json"))
    }

    /// The last outcome recorded for an account, if any.
    public static func lastRun(of account: String, in config: BackupConfig) -> AccountResult? {
        let url = config.stateDirectory.appendingPathComponent("runs/\(account).json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(AccountResult.self, from: data)
    }
}
