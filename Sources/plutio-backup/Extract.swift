import ArchiveChecks
import ArgumentParser
import Foundation
import MongoQuery

/// `plutio-backup extract`: chosen file binaries (and records) out of an archive, without tar.
struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Write chosen file binaries of an archive under their titles, and with --records the records as JSON.",
        discussion: """
            Choose records with --id (repeatable) or --where (the API's query language). Binaries come \
            from the archive, or from the blob store its manifest names (--blob-store DIR when the \
            store was moved); each is checked against the SHA-256 the archive recorded. Files are \
            named after the record's title (unsafe characters replaced; a taken name gets the record \
            id: "contract (ID).pdf"). --to must be new or empty: nothing is overwritten. --records \
            writes DIR/records.json, an array of the chosen records as the archive holds them; with \
            --records any kind can be extracted. Exits 3 when a chosen file record has no binary in \
            the archive (the line says why).

            Example: plutio-backup extract acme-20261201T020000Z.tar.zst --kind files \\
              --where '{"title":{"$regex":"^Contract"}}' --to ./contracts
            """)

    @Argument(help: "The archive (.tar.zst).") var archive: String
    @Option(help: "The kind of the records (files for binaries).") var kind = "files"
    @Option(name: .customLong("id"), help: "A record's _id; repeat for several.") var ids: [String] = []
    @Option(name: .customLong("where"), help: #"A Mongo-style query, e.g. '{"title":"contract.pdf"}'."#)
    var query: String?
    @Option(help: "The directory to write to (new or empty; created 0700).") var to: String
    @Flag(help: "Also write the chosen records to DIR/records.json.") var records = false
    @Option(help: ArgumentHelp("The blob store, when not where the archive's manifest says.", valueName: "dir"))
    var blobStore: String?

    func validate() throws {
        if ids.isEmpty, query == nil {
            throw ValidationError("Choose records with --id ID (repeatable) or --where QUERY.")
        }
        if !ids.isEmpty, query != nil { throw ValidationError("Give --id or --where, not both.") }
        if let query {
            do { _ = try MongoQuery(text: query) } catch { throw ValidationError("--where: \(error.description)") }
        }
        if kind != "files", !records {
            throw ValidationError("Only files have binaries; add --records to write the records of \(kind).")
        }
    }

    func run() throws {
        let extractor = ArchiveExtractor(
            url: URL(fileURLWithPath: archive), blobStore: blobStore.map { URL(fileURLWithPath: $0) })
        let outcome: ArchiveExtractor.Outcome
        do {
            outcome = try extractor.extract(
                kind: kind, ids: ids.isEmpty ? nil : Set(ids),
                query: try query.map { try MongoQuery(text: $0) } ?? .all,
                to: URL(fileURLWithPath: to), binaries: kind == "files", records: records)
        } catch let refused as ArchiveExtractor.Refused where refused.isUsage {
            throw ValidationError(refused.message)
        }
        for w in outcome.written {
            print("\(w.file.path)  \(w.bytes) bytes  sha256 \(w.sha256)  (file record \(w.fileId))")
        }
        for missing in outcome.withoutBinary {
            print("file record \(missing.id)\(missing.title.map { " (\($0))" } ?? ""): no binary, \(missing.reason)")
        }
        if let file = outcome.recordsFile { print("\(file.path)  \(outcome.records) records") }
        let absent = Set(ids).subtracting(outcome.chosen).sorted()
        for id in absent { print("no record \(id) of \(kind) in the archive") }
        print(
            "\(outcome.records) record(s) chosen"
                + (kind == "files" ? ", \(outcome.written.count) binaries written" : "")
                + (outcome.withoutBinary.isEmpty ? "" : ", \(outcome.withoutBinary.count) without a binary"))
        if !outcome.withoutBinary.isEmpty || !absent.isEmpty { throw Outcome(status: .partial) }
    }
}
