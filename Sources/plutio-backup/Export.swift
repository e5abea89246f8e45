import ArgumentParser
import Catalog
import Export
import Foundation
import PlutioAPI

/// `plutio-backup export`: reads a workspace into a versioned archive.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up every record of a workspace into DIR/<business>-<UTC time>.tar.zst.",
        discussion: """
            Reads every kind in the catalogue (archived and template records, comments, trash-bin rows) \
            and downloads file binaries. A killed export, rerun with the same arguments, resumes without \
            fetching pages again. The archive's path is the last line on stdout.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Directory for the archive (created 0700 if missing).") var output: String
    @Option(
        help:
            "Only these kinds, comma-separated (e.g. tasks,projects). comments also reads and keeps its parent kinds and the trash bin."
    )
    var kinds: String?
    @Flag(help: "Do not download file binaries.") var noFiles = false
    @Option(
        help: ArgumentHelp(
            "Keep binaries in this content-addressed store (format 3), downloading only those whose record changed.",
            valueName: "dir"))
    var blobStore: String?
    @Option(help: "State directory (checkpoints); default $XDG_STATE_HOME/plutio-backup.") var state: String?
    @Flag(help: "Print progress events as JSON lines on stdout.") var json = false

    func validate() throws {
        if let kinds {
            let names = kinds.split(separator: ",").map(String.init)
            let unknown = names.filter { Catalog.standard.kind(named: $0) == nil }
            if !unknown.isEmpty {
                throw ValidationError(
                    "--kinds: unknown kind(s) \(unknown.joined(separator: ", ")); see schemas/catalog.json")
            }
        }
    }

    func run() async throws {
        let settings = try connection.settings()
        let session = try ExportSession(settings: settings, stateDirectory: state.map { URL(fileURLWithPath: $0) })
        let options = ExportOptions(
            output: URL(fileURLWithPath: output), kinds: kinds.map { Set($0.split(separator: ",").map(String.init)) },
            downloadFiles: !noFiles, blobStore: blobStore.map { URL(fileURLWithPath: $0) },
            toolVersion: PlutioBackup.version)
        let reporter = ProgressReporter(json: json, budget: settings.rate) { session.callsInWindow() }
        let result = try await session.export(options) { reporter.report($0, calls: session.callsMade) }
        reporter.summary(result)
        print(result.archive.path)
        if result.isPartial { throw Outcome(status: .partial) }
    }
}
