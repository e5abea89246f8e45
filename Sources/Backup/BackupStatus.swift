import Archive
import Foundation
import Session

/// `status`: per account of a configuration, its newest archive (age, size, records), whether
/// that archive verified, and the last run's outcome; a warning when the newest archive is
/// older than the configuration's threshold or the last run failed.
public struct AccountStatus: Sendable, Codable, Equatable {
    public var account: String
    public var business: String
    public var newestArchive: String?
    public var ageHours: Double?
    public var bytes: Int?
    public var records: Int?
    /// Whether the newest archive passed verification: from the run that wrote it, or checked now.
    public var verified: Bool?
    public var archives: Int
    /// The account's blob store: its blobs and bytes (nil when it has none).
    public var storeBlobs: Int?
    public var storeBytes: Int?
    /// Bytes the newest archive added to the blob store.
    public var addedBytes: Int?
    public var lastRun: BackupRunner.AccountResult?
    public var warnings: [String]

    /// Reads the status of every account (or those named).
    public static func read(
        _ config: BackupConfig, accounts: [BackupConfig.Account], now: Date = Date(), verify: Bool = false
    ) -> [AccountStatus] {
        accounts.map { account in
            let directory = config.outputDirectory.appendingPathComponent(account.name)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            let archives = names.compactMap { name -> (String, Date)? in
                guard let (business, time) = ArchiveName.parse(name), business == account.business else { return nil }
                return (name, time)
            }.sorted { $0.1 > $1.1 }
            let lastRun = BackupRunner.lastRun(of: account.name, in: config)
            var status = AccountStatus(
                account: account.name, business: account.business, archives: archives.count, lastRun: lastRun,
                warnings: [])
            if let (name, time) = archives.first {
                let url = directory.appendingPathComponent(name)
                status.newestArchive = url.path
                status.ageHours = (now.timeIntervalSince(time) / 360).rounded() / 10
                status.bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
                let manifest = try? ArchiveVerifier.manifest(of: url)
                status.records = manifest?.kinds.values.reduce(0) { $0 + $1.records }
                status.addedBytes = manifest?.files.addedBytes
                if verify {
                    status.verified = Pruner.verifies(url)
                } else if let lastRun, lastRun.archive == url.path {
                    status.verified = lastRun.verified
                }
                if now.timeIntervalSince(time) > config.staleAfter {
                    status.warnings.append(
                        "newest archive is \(Int(now.timeIntervalSince(time) / 3600)) h old (threshold \(Int(config.staleAfter / 3600)) h)"
                    )
                }
                if status.verified == false { status.warnings.append("newest archive failed verification") }
            } else {
                status.warnings.append("no archive yet in \(directory.path)")
            }
            if let store = config.blobStore(of: account).map(BlobStore.init(root:)),
                FileManager.default.fileExists(atPath: store.root.path), let (blobs, bytes) = try? store.totalBytes()
            {
                status.storeBlobs = blobs
                status.storeBytes = bytes
            }
            if let warning = lastRun?.sweepWarning { status.warnings.append(warning) }
            if let lastRun, lastRun.status != .ok {
                status.warnings.append(
                    "last run \(lastRun.status == .failed ? "failed" : "was partial") at \(lastRun.finishedAt): \(lastRun.error ?? "unknown error")"
                )
            }
            return status
        }
    }
}
