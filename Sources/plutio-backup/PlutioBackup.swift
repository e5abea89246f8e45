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
        subcommands: [Export.self, Verify.self, Inspect.self])

    /// Parses, runs, and maps every outcome to the exit-code table.
    ///
    /// Help and version requests print and exit 0; a command line that does not parse prints
    /// ArgumentParser's message and usage and exits 2; a failure prints one line that says what to
    /// do. It always ends with an explicit `exit`: returning from an async main can leave the
    /// process waiting on AsyncHTTPClient's event-loop threads, seen as a rare hang under load.
    static func main() async {
        // Everything this process writes is the owner's only, whatever the caller's umask.
        umask(0o077)
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(ExitStatus.ok.rawValue)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        do {
            var command = command
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(ExitStatus.ok.rawValue)
        } catch {
            // `--help` and `help` parse into ArgumentParser's help command, whose run asks for help.
            if exitCode(for: error) == .success, !(error is Outcome) {
                print(fullMessage(for: error))
                Foundation.exit(ExitStatus.ok.rawValue)
            }
            let status = ExitStatus.of(error)
            if status == .usage {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            } else if status != .ok, let message = ExitStatus.message(for: error) {
                FileHandle.standardError.write(Data(("plutio-backup: " + message + "\n").utf8))
            }
            Foundation.exit(status.rawValue)
        }
    }
}
