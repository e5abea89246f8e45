// plutio-backup: back up, verify and inspect Plutio workspaces.
import ArgumentParser
import Foundation

@main
struct PlutioBackup: AsyncParsableCommand {
    static let version = "0.2.0"

    static let configuration = CommandConfiguration(
        commandName: "plutio-backup",
        abstract: "Keeps Plutio workspaces safe and portable: versioned archives of every record.",
        discussion: """
            Connection: --api-url, --business, --client-id, --client-secret, --rate, or the environment \
            variables PLUTIO_API_URL, PLUTIO_BUSINESS, PLUTIO_CLIENT_ID, PLUTIO_CLIENT_SECRET, PLUTIO_RATE \
            (flags win). Prefer the environment for the secret: command lines are visible to other users.

            Archives, staging and state files are created readable by their owner only (0600, \
            directories 0700).

            Exit codes:
            \(ExitStatus.table)
            """,
        version: version,
        subcommands: [
            Export.self, Backup.self, Status.self, Import.self, Migrate.self, Restore.self, Diff.self, Verify.self,
            Inspect.self, Extract.self, Prune.self,
        ])

    /// Parses, runs, and maps every outcome to the exit-code table.
    ///
    /// Help and version requests print and exit 0; a command line that does not parse prints
    /// ArgumentParser's message and usage and exits 2; a failure prints one line that says what to
    /// do. It always ends with an explicit `exit`: returning from an async main can leave the
    /// process waiting on AsyncHTTPClient's event-loop threads, seen as a rare hang under load.
    static func main() async {
        // Everything this process writes is the owner's only, whatever the caller's umask.
        umask(0o077)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(ExitStatus.ok.rawValue)
        } catch {
            let status = ExitStatus.of(error)
            switch status {
            case .ok: print(fullMessage(for: error))  // help (`--help` runs ArgumentParser's help command) or version
            case .usage: FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            default:
                if let message = ExitStatus.message(for: error) {
                    FileHandle.standardError.write(Data(("plutio-backup: " + Redaction.apply(message) + "\n").utf8))
                }
            }
            Foundation.exit(status.rawValue)
        }
    }
}
