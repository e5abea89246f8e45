import ArgumentParser
import Backup
import Foundation
import Logging
import Session

/// `plutio-backup backup`: the nightly job: every account of a configuration file exported,
/// verified and pruned.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up every account of a configuration file: export, verify, apply retention.",
        discussion: """
            The configuration (YAML, schemas/config.schema.json) names the accounts, the output directory \
            (one subdirectory per account), the retention rules and each API client's rate budget. \
            Secrets come from an environment variable (secretEnv) or a file of mode 0600 (secretFile); \
            a secret written in the file is refused unless --allow-inline-secret is given.

            Accounts of one API client share its budget through the rate ledger and run one after \
            another; different clients run concurrently (concurrency, default 2). Each new archive is \
            verified before the retention rules run (restic's forget semantics; the newest verified \
            archive is always kept). A failed account does not stop the others: the summary lists each \
            account's status, records, calls, archive and duration, and the exit status is 3 when some \
            accounts failed or are partial. `status` shows the last run of each account.

            Binaries go to a blob store per account (<output>/<account>/blobs; blobStore: false keeps \
            them in every archive): a file record unchanged since the last download is not downloaded \
            again, and each binary is stored once. After retention the store is swept of blobs no \
            archive names (older than blobGraceMinutes, default 60). The summary's downloaded and stored \
            columns say what the night cost.

            Log lines go to stderr (--quiet: warnings and errors only); --json prints one event per line \
            on stdout instead: {"event":"account-started",...}, {"event":"account",...} per finished \
            account and {"event":"summary",...} last.
            """)

    @Option(help: "The configuration file (default $PLUTIO_BACKUP_CONFIG, else ./plutio-backup.yaml).")
    var config: String?
    @Option(name: .customLong("account"), help: "Only this account (its name in the file); repeat for several.")
    var accounts: [String] = []
    @Flag(help: "Accept client secrets written in the configuration file itself.") var allowInlineSecret = false
    @Flag(help: "Only warnings and errors (and the summary when something failed): quiet under cron.")
    var quiet = false
    @Flag(help: "Print events as JSON lines on stdout.") var json = false

    struct AccountStarted: Encodable {
        let event = "account-started"
        var account: String
        var business: String
    }

    struct AccountFinished: Encodable {
        let event = "account"
        var result: BackupRunner.AccountResult
    }

    struct Summary: Encodable {
        let event = "summary"
        var accounts: Int
        var ok: Int
        var partial: Int
        var failed: Int
    }

    static func configURL(_ flag: String?) -> URL {
        URL(
            fileURLWithPath: flag ?? ProcessInfo.processInfo.environment["PLUTIO_BACKUP_CONFIG"]
                ?? "plutio-backup.yaml")
    }

    func run() async throws {
        let config = try BackupConfig.load(Self.configURL(self.config), allowInlineSecret: allowInlineSecret)
        for account in config.accounts {
            if let secret = try? config.settings(for: account).clientSecret { Redaction.add(secret) }
        }
        let runner = BackupRunner(config: config, toolVersion: PlutioBackup.version)
        let chosen = try runner.accounts(named: accounts)
        // One backup at a time per state directory: two would share staging directories.
        let lock = try StateLock(config.stateDirectory.appendingPathComponent("backup.lock"))
        defer { lock.release() }
        // On a terminal, the kind each account is reading, redrawn in place.
        let statusLine = isatty(STDERR_FILENO) == 1 && !json && !quiet ? StatusLine() : nil
        let log = PlainLogHandler.logger(
            "backup", level: json ? .critical : quiet ? .warning : .info, statusLine: statusLine)
        let json = self.json
        log.info(
            "backing up \(chosen.count) account(s) to \(config.outputDirectory.path)",
            metadata: ["config": "\(Self.configURL(self.config).path)"])
        let results = await runner.run(
            chosen,
            report: { event in
                switch event {
                case .started(let account, let business):
                    if json {
                        FileHandle.standardOutput.write(
                            ExportJSON.line(AccountStarted(account: account, business: business)))
                    }
                    log.info("export started", metadata: ["account": "\(account)", "business": "\(business)"])
                case .finished(let r):
                    if json { FileHandle.standardOutput.write(ExportJSON.line(AccountFinished(result: r))) }
                    var metadata: Logger.Metadata = [
                        "account": "\(r.account)", "status": "\(r.status.rawValue)", "records": "\(r.records)",
                        "calls": "\(r.calls)", "seconds": "\(r.seconds)",
                    ]
                    if let archive = r.archive { metadata["archive"] = "\(archive)" }
                    if r.pruned > 0 { metadata["pruned"] = "\(r.pruned)" }
                    if let bytes = r.fetchedBytes { metadata["downloaded"] = "\(byteText(bytes))" }
                    if let bytes = r.addedBytes { metadata["stored"] = "\(byteText(bytes))" }
                    if let bytes = r.freedBytes, bytes > 0 { metadata["freed"] = "\(byteText(bytes))" }
                    if let warning = r.sweepWarning { log.warning("\(warning)", metadata: ["account": "\(r.account)"]) }
                    if let error = r.error {
                        log.error("\(error)", metadata: metadata)
                    } else {
                        log.info("archive verified", metadata: metadata)
                    }
                }
            },
            progress: { account, event in
                guard let statusLine, case .progress(let s) = event else { return }
                statusLine.show("\(account): \(s.kind), \(s.records) records, \(s.calls) calls")
            })
        statusLine?.clear()
        let failed = results.filter { $0.status == .failed }.count
        let partial = results.filter { $0.status == .partial }.count
        if json {
            FileHandle.standardOutput.write(
                ExportJSON.line(
                    Summary(
                        accounts: results.count, ok: results.count - failed - partial, partial: partial, failed: failed)
                ))
        } else if !quiet || failed + partial > 0 {
            print(Self.table(results))
        }
        // Every account failed: nothing was backed up (the network, say); else some were.
        if !results.isEmpty, failed == results.count { throw Outcome(status: .failure) }
        if failed + partial > 0 { throw Outcome(status: .partial) }
    }

    /// The summary: a row per account.
    static func table(_ results: [BackupRunner.AccountResult]) -> String {
        var rows = [["account", "status", "records", "calls", "seconds", "downloaded", "stored", "archive"]]
        for r in results {
            rows.append([
                r.account, r.status.rawValue.uppercased(), "\(r.records)", "\(r.calls)",
                String(format: "%.1f", r.seconds), r.fetchedBytes.map(byteText) ?? "-",
                r.addedBytes.map(byteText) ?? "-",
                r.archive.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "-",
            ])
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { c, cell in ImportReporter.pad(cell, widths[c]) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        for r in results {
            if let warning = r.sweepWarning { lines.append("account \(r.account): warning: \(warning)") }
            guard let error = r.error.map(Redaction.apply) else { continue }
            lines.append(error.hasPrefix("account \(r.account):") ? error : "account \(r.account): \(error)")
        }
        return lines.joined(separator: "\n")
    }
}
