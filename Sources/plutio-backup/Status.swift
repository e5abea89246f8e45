import ArgumentParser
import Backup
import Foundation

/// `plutio-backup status`: the morning view of the nightly backups.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per account of a configuration: newest archive, age, size, records, verify result, last run.",
        discussion: """
            Reads the output directory and the last run recorded by `backup`; calls no API. Warns \
            (and exits 3) when an account's newest archive is older than staleAfterHours (default 36), \
            failed verification, or its last run failed. --verify checks each newest archive again.
            """)

    @Option(help: "The configuration file (default $PLUTIO_BACKUP_CONFIG, else ./plutio-backup.yaml).")
    var config: String?
    @Option(name: .customLong("account"), help: "Only this account; repeat for several.") var accounts: [String] = []
    @Flag(help: "Verify each newest archive now (reads it whole).") var verify = false
    @Flag(help: "Accept client secrets written in the configuration file itself.") var allowInlineSecret = false
    @Flag(help: "One JSON object per account on stdout.") var json = false

    func run() async throws {
        let config = try BackupConfig.load(Backup.configURL(self.config), allowInlineSecret: allowInlineSecret)
        let chosen = try BackupRunner(config: config, toolVersion: PlutioBackup.version).accounts(named: accounts)
        let statuses = AccountStatus.read(config, accounts: chosen, verify: verify)
        for s in statuses {
            if json {
                FileHandle.standardOutput.write(ExportJSON.line(s))
                continue
            }
            var line = "\(s.account) (\(s.business)): "
            if let archive = s.newestArchive {
                line +=
                    "\(URL(fileURLWithPath: archive).lastPathComponent), \(s.ageHours.map { String(format: "%.1f", $0) } ?? "?") h old"
                line += ", \(byteText(s.bytes ?? 0))"
                line += ", \(s.records.map(String.init) ?? "?") records"
                line += ", verify \(s.verified.map { $0 ? "OK" : "FAILED" } ?? "not recorded")"
                line += ", \(s.archives) archive(s)"
                if let blobs = s.storeBlobs, let bytes = s.storeBytes {
                    line += ", blob store \(blobs) blobs \(byteText(bytes))"
                    line += ", newest added \(s.addedBytes.map(byteText) ?? "-")"
                }
            } else {
                line += "no archive"
            }
            if let run = s.lastRun {
                line += "; last run \(run.finishedAt): \(run.status.rawValue)"
            } else {
                line += "; no run recorded"
            }
            print(line)
            for warning in s.warnings { print("  WARNING: \(Redaction.apply(warning))") }
        }
        if statuses.contains(where: { !$0.warnings.isEmpty }) { throw Outcome(status: .partial) }
    }
}
