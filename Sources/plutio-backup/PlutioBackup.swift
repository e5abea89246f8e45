// plutio-backup: back up, verify and inspect Plutio workspaces.
import ArgumentParser
import Foundation

@main
struct PlutioBackup: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "plutio-backup",
        abstract: "Keeps Plutio workspaces safe and portable: versioned archives of every record.",
        discussion: """
            Connection: --api-url, --business, --client-id, --client-secret, --rate, or the environment \
            variables PLUTIO_API_URL, PLUTIO_BUSINESS, PLUTIO_CLIENT_ID, PLUTIO_CLIENT_SECRET, PLUTIO_RATE \
            (flags win). Prefer the environment for the secret: command lines are visible to other users.

            Exit codes:
            \(ExitStatus.table)
            """,
        version: version,
        subcommands: [Export.self, Verify.self, Inspect.self])

    /// Runs the command and maps every failure to the exit-code table.
    ///
    /// It always ends with an explicit `exit`: returning from an async main can leave the process
    /// waiting on AsyncHTTPClient's event-loop threads, seen as a rare hang under load.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            Foundation.exit(ExitStatus.ok.rawValue)
        } catch {
            let status = ExitStatus.of(error)
            if status == .usage {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            } else if status == .ok {
                exit(withError: error)
            } else {
                FileHandle.standardError.write(Data(("plutio-backup: " + ExitStatus.message(for: error) + "\n").utf8))
            }
            Foundation.exit(status.rawValue)
        }
    }
}
