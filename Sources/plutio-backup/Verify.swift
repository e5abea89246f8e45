import ArchiveChecks
import ArgumentParser
import Catalog
import Foundation

/// `plutio-backup verify`: checks an archive's integrity and references.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an archive: manifest, checksums, counts, every line, and which references resolve.")

    @Argument(help: "The archive (.tar.zst).") var archive: String
    @Option(help: "Distinct examples to show per dangling field, repeated id or trashed kind.") var examples = 3
    @Option(
        help: ArgumentHelp(
            "Archives with more records than this index their ids in a scratch file, not in memory.",
            valueName: "records"))
    var memoryIndexLimit = ArchiveChecker(catalog: .standard).memoryIndexLimit
    @Flag(
        help: "Also hash every blob the archive names in its blob store (format 3); else presence and size are checked."
    )
    var deep = false
    @Option(
        help: ArgumentHelp(
            "The blob store of a format 3 archive, when it is not where the manifest says.", valueName: "dir"))
    var blobStore: String?

    func run() throws {
        let url = URL(fileURLWithPath: archive)
        var checker = ArchiveChecker(catalog: .standard)
        checker.memoryIndexLimit = memoryIndexLimit
        checker.examples = examples
        checker.deep = deep
        checker.blobStore = blobStore.map { URL(fileURLWithPath: $0) }
        let report = try checker.verify(url)
        let m = report.manifest
        print(
            "\(url.lastPathComponent): format \(m.formatVersion), \(m.source.business) from \(m.source.apiBase), \(m.finishedAt)"
        )
        print(
            "records: \(report.format.records.values.reduce(0, +)) in \(report.format.records.count) kinds; files: \(m.files.downloaded)"
                + (m.files.failed.isEmpty
                    ? ""
                    : ", \(m.files.failed.count) MISSING (download failed): \(m.files.failed.prefix(examples).joined(separator: ", "))")
        )
        for kind in m.kinds.keys.sorted() where !(m.kinds[kind]!.complete) {
            print("incomplete kind \(kind): \(m.kinds[kind]!.error ?? "refused")")
        }
        if report.dangling.isEmpty {
            print("references: all resolve inside the archive")
        } else {
            print("dangling references (Plutio leaves some, e.g. ids of purged records):")
            for field in report.dangling.keys.sorted() {
                let d = report.dangling[field]!
                print("  \(field): \(d.count), e.g. \(d.examples.joined(separator: ", "))")
            }
        }
        if !report.trashedElsewhere.isEmpty {
            print("trash-bin records not in this archive (trashed before it, not broken links):")
            for kind in report.trashedElsewhere.keys.sorted() {
                let t = report.trashedElsewhere[kind]!
                print("  \(kind): \(t.count), e.g. \(t.examples.joined(separator: ", "))")
            }
        }
        guard report.isIntact else {
            for problem in report.problems { print("PROBLEM: \(problem)") }
            throw ValidationFailed(count: report.problems.count, storeProblem: report.format.blobProblems > 0)
        }
        print("OK")
    }
}

/// Verification found problems; the message says so and what to do.
struct ValidationFailed: Error, LocalizedError {
    var count: Int
    /// Some problems are blobs missing from or damaged in the blob store.
    var storeProblem = false
    var errorDescription: String? {
        "The archive failed verification (\(count) problem(s) listed above). Do not rely on it; restore from another archive."
            + (storeProblem
                ? " If the blob store was moved or copied, give its place with --blob-store DIR; a blob lost from the store is lost for every archive naming it: the next export with that store downloads it again if the file is still in Plutio."
                : "")
    }
}
