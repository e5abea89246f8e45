import ArchiveChecks
import ArgumentParser
import Foundation

/// `plutio-backup diff`: what changed between two archives.
struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the records added, removed and changed between two archives, per kind.",
        discussion: """
            A changed record is listed with its changed fields and their old and new values (shortened). \
            Memory stays flat whatever the archives' size: records are spread over bucket files in a \
            private temporary directory first. Both archives are verified first; a kind an export could \
            not read to its end is listed as not compared (its missing records are no change). --json \
            prints one JSON object per change and one per kind's counts.
            """)

    @Argument(help: "The older archive.") var old: String
    @Argument(help: "The newer archive.") var new: String
    @Option(help: "Only this kind (e.g. invoices).") var kind: String?
    @Flag(help: "Print JSON lines on stdout.") var json = false

    struct Counts: Encodable {
        let event = "kind"
        var counts: ArchiveDiff.KindCounts
    }

    struct ChangeEvent: Encodable {
        let event = "change"
        var change: ArchiveDiff.Change
    }

    func run() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("plutio-diff-\(UUID().uuidString)")
        var diff = ArchiveDiff(scratch: scratch)
        diff.kind = kind
        let counts = try diff.run(old: URL(fileURLWithPath: old), new: URL(fileURLWithPath: new)) { change in
            if json {
                FileHandle.standardOutput.write(ExportJSON.line(ChangeEvent(change: change)))
                return
            }
            let sign = ["added": "+", "removed": "-", "changed": "~"][change.change.rawValue] ?? "?"
            var line = "\(sign) \(change.kind) \(change.id)"
            if let fields = change.fields, !fields.isEmpty {
                line +=
                    ": "
                    + fields.map { "\($0.field) \($0.old ?? "(none)") -> \($0.new ?? "(none)")" }
                    .joined(separator: "; ")
            }
            print(line)
        }
        for count in counts where json || count.added + count.removed + count.changed > 0 || count.notCompared != nil {
            if json {
                FileHandle.standardOutput.write(ExportJSON.line(Counts(counts: count)))
            } else if let why = count.notCompared {
                print("\(count.kind): NOT COMPARED, \(why)")
            } else {
                print(
                    "\(count.kind): \(count.added) added, \(count.removed) removed, \(count.changed) changed, \(count.unchanged) unchanged"
                )
            }
        }
        if !json, counts.allSatisfy({ $0.added + $0.removed + $0.changed == 0 && $0.notCompared == nil }) {
            print("no differences")
        }
    }
}
