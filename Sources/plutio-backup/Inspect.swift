import Archive
import ArchiveChecks
import ArgumentParser
import Foundation
import MongoQuery

/// `plutio-backup inspect`: kinds and counts, or the records of a kind matching a query.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an archive's kinds and counts, or the records of a kind filtered with the API's query language."
    )

    @Argument(help: "The archive (.tar.zst).") var archive: String
    @Option(help: "Show the records of this kind, one per line.") var kind: String?
    @Option(name: .customLong("where"), help: #"A Mongo-style query, e.g. '{"status":"completed"}'."#) var query:
        String?
    @Option(help: "Show at most this many records.") var limit: Int?

    func validate() throws {
        if query != nil, kind == nil { throw ValidationError("--where needs --kind") }
        if let query {
            do { _ = try MongoQuery(text: query) } catch { throw ValidationError("--where: \(error.description)") }
        }
    }

    func run() throws {
        let inspector = ArchiveInspector(url: URL(fileURLWithPath: archive))
        guard let kind else {
            let manifest = try inspector.manifest()
            print(
                "\(manifest.source.business), \(manifest.finishedAt), format \(manifest.formatVersion)\(manifest.complete ? "" : ", INCOMPLETE")"
            )
            for name in manifest.kinds.keys.sorted() {
                let k = manifest.kinds[name]!
                print(
                    "\(name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(k.records)\(k.complete ? "" : "  (incomplete: \(k.error ?? "refused"))")"
                )
            }
            let url = URL(fileURLWithPath: archive)
            let store =
                BlobStore.of(archive: url, manifest: manifest).map { " in the blob store \($0.root.path)" } ?? ""
            print("files: \(manifest.files.downloaded) binaries\(store)")
            return
        }
        let q = try query.map { try MongoQuery(text: $0) } ?? .all
        var shown = 0
        let out = FileHandle.standardOutput
        try inspector.records(of: kind, matching: q) { line in
            guard limit.map({ shown < $0 }) ?? true else { return }
            shown += 1
            out.write(Data(line + [0x0A]))
        }
    }
}
