import Archive
import ArgumentParser
import Catalog
import Foundation

/// `plutio-backup verify`: checks an archive's integrity and references.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an archive: manifest, checksums, counts, every line, and which references resolve.")

    @Argument(help: "The archive (.tar.zst).") var archive: String
    @Option(help: "Dangling references to show per kind and field.") var examples = 3
    @Option(
        help: ArgumentHelp(
            "Archives with more records than this index their ids in a scratch file, not in memory.",
            valueName: "records"))
    var memoryIndexLimit = ArchiveVerifier(catalog: .standard).memoryIndexLimit

    func run() throws {
        let url = URL(fileURLWithPath: archive)
        var verifier = ArchiveVerifier(catalog: .standard)
        verifier.memoryIndexLimit = memoryIndexLimit
        let report = try verifier.verify(url)
        let m = report.manifest
        print(
            "\(url.lastPathComponent): format \(m.formatVersion), \(m.source.business) from \(m.source.apiBase), \(m.finishedAt)"
        )
        print(
            "records: \(report.records.values.reduce(0, +)) in \(report.records.count) kinds; files: \(m.files.downloaded)"
        )
        for kind in m.kinds.keys.sorted() where !(m.kinds[kind]!.complete) {
            print("incomplete kind \(kind): \(m.kinds[kind]!.error ?? "refused")")
        }
        if report.dangling.isEmpty {
            print("references: all resolve inside the archive")
        } else {
            print("dangling references (Plutio leaves some, e.g. ids of purged records):")
            for field in report.dangling.keys.sorted() {
                let list = report.dangling[field]!
                print("  \(field): \(list.count), e.g. \(list.prefix(examples).map(\.value).joined(separator: ", "))")
            }
        }
        guard report.isIntact else {
            for problem in report.problems { print("PROBLEM: \(problem)") }
            throw ValidationFailed(count: report.problems.count)
        }
        print("OK")
    }
}

/// Verification found problems; the message says so and what to do.
struct ValidationFailed: Error, LocalizedError {
    var count: Int
    var errorDescription: String? {
        "The archive failed verification (\(count) problem(s) listed above). Do not rely on it; restore from another archive."
    }
}
