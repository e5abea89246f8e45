import Archive
import Catalog
import Foundation
import JSONCore
import StateStore

/// What `verify` found: the format check, and what the records mean.
public struct VerificationReport: Sendable {
    public var format: FormatReport
    /// Ids that repeat within a kind, by kind (up to `examples` distinct ones each).
    public var repeatedIDs: [String: RepeatSummary] = [:]
    /// References that resolve to no record in the archive, by "kind.field".
    public var dangling: [String: RepeatSummary] = [:]
    /// Trash-bin rows' records that are not in the archive, by kind: trashed records that an
    /// earlier export may have caught alive, not broken links.
    public var trashedElsewhere: [String: RepeatSummary] = [:]

    public var manifest: Manifest { format.manifest }
    /// Problems that make the archive untrustworthy.
    public var problems: [String] {
        format.problems
            + repeatedIDs.keys.sorted().map { kind in
                let r = repeatedIDs[kind]!
                return
                    "records/\(kind).ndjson: \(r.count) record(s) repeat an _id, e.g. \(r.examples.joined(separator: ", "))"
            }
    }

    /// Whether the archive is intact (dangling references are reported, not failures: Plutio
    /// itself leaves them, e.g. ids of trashed or purged records).
    public var isIntact: Bool { problems.isEmpty }
}

/// A count with a few distinct examples.
public struct RepeatSummary: Sendable, Equatable {
    public var count = 0
    public var examples: [String] = []

    public init(count: Int = 0, examples: [String] = []) {
        self.count = count
        self.examples = examples
    }

    mutating func note(_ value: String, keep: Int) {
        count += 1
        if examples.count < keep, !examples.contains(value) { examples.append(value) }
    }
}

/// `verify`: the archive's format (`ArchiveVerifier`), then what its records mean to Plutio:
/// each `_id` once per kind, and which references resolve inside the archive.
///
/// Two streams over the archive, no tree per record: pass 1 (the format check) indexes ids and
/// finds repeats; pass 2 reads reference paths in place. The id index lives in memory for
/// archives up to `memoryIndexLimit` records, and on disk (a scratch SQLite file) above, so
/// memory stays flat for any size of archive.
public struct ArchiveChecker: Sendable {
    let catalog: Catalog
    /// Archives with more records than this keep their id index on disk (~200 bytes a record
    /// in memory, so the default bounds the index at about 20 MiB).
    public var memoryIndexLimit = 100_000
    /// Where scratch files go (removed afterwards).
    public var scratchDirectory = FileManager.default.temporaryDirectory
    /// Distinct examples kept per repeated id, dangling field or trashed kind.
    public var examples = 5
    /// The blob store of a version 3 archive, when not where its manifest says.
    public var blobStore: URL?
    /// Also hash every blob the archive names in its store.
    public var deep = false

    public init(catalog: Catalog) { self.catalog = catalog }

    public func verify(_ url: URL) throws -> VerificationReport {
        let manifest = try ArchiveVerifier.manifest(of: url)
        let index = try makeIndex(records: manifest.entries.reduce(0) { $0 + ($1.records ?? 0) })
        var repeated: [String: RepeatSummary] = [:]
        var pending: [(kind: String, id: String)] = []
        /// Ids are inserted in batches (one scratch transaction each); the answers name repeats.
        func flush() throws {
            guard !pending.isEmpty else { return }
            for (entry, new) in zip(pending, try index.insertIDs(pending)) where !new {
                repeated[entry.kind, default: RepeatSummary()].note(entry.id, keep: examples)
            }
            pending.removeAll(keepingCapacity: true)
        }
        var verifier = ArchiveVerifier(blobStore: blobStore, deep: deep)
        verifier.scratchDirectory = scratchDirectory
        let format = try verifier.verify(url) { line in
            guard let kind = catalog.kind(named: line.kind) else { return }
            try index.addKeys(id: line.id, members: line.members, of: kind)
            pending.append((kind.name, line.id))
            if pending.count >= 4096 { try flush() }
        }
        try flush()
        var report = VerificationReport(format: format, repeatedIDs: repeated)
        try checkReferences(url, manifest: format.manifest, index: index, report: &report)
        return report
    }

    func makeIndex(records: Int) throws -> ReferenceIndex {
        guard records > memoryIndexLimit else { return ReferenceIndex(catalog: catalog) }
        let file = scratchDirectory.appendingPathComponent("plutio-verify-\(UUID().uuidString).sqlite")
        return ReferenceIndex(catalog: catalog, keys: try DiskIDSet(url: file))
    }

    /// Pass 2: every reference of every record, looked up in the index. References of trash
    /// rows are counted apart: their records are gone from the live lists by definition.
    func checkReferences(
        _ url: URL, manifest: Manifest, index: ReferenceIndex, report: inout VerificationReport
    ) throws {
        let listedKinds = Dictionary(
            uniqueKeysWithValues: manifest.entries.compactMap { e in e.kind.map { (e.path, $0) } })
        let reader = try ArchiveReader(url: url)
        while let entry = try reader.next() {
            guard let kindName = listedKinds[entry.path], let kind = catalog.kind(named: kindName) else { continue }
            var splitter = LineSplitter()
            let keep = examples
            do {
                try reader.readChunks { chunk in
                    try splitter.feed(chunk) { line in
                        guard let record = RawJSONValue(line) else { return }
                        for d in try index.dangling(in: record, of: kind) {
                            if kind.name == "trash-bin" {
                                let target = d.targetKinds.count == 1 ? d.targetKinds[0] : "unknown kind"
                                report.trashedElsewhere[target, default: RepeatSummary()].note(d.value, keep: keep)
                            } else {
                                report.dangling["\(kind.name).\(d.path)", default: RepeatSummary()].note(
                                    d.value, keep: keep)
                            }
                        }
                    }
                }
            } catch { throw ArchiveVerifier.asArchiveError(error, url, entry.path) }
        }
    }
}
