import Catalog
import Crypto
import Foundation
import JSONCore
import StateStore

/// What `verify` found.
public struct VerificationReport: Sendable {
    public var manifest: Manifest
    /// Problems that make the archive untrustworthy: checksums, counts, unparsable lines.
    public var problems: [String] = []
    /// References that resolve to no record in the archive, by "kind.field".
    public var dangling: [String: [DanglingReference]] = [:]
    /// Records per kind, as read.
    public var records: [String: Int] = [:]

    /// Whether the archive is intact (dangling references are reported, not failures: Plutio
    /// itself leaves them, e.g. ids of trashed or purged records).
    public var isIntact: Bool { problems.isEmpty }
}

/// Checks an archive: manifest first (format version, schema rules), every entry's SHA-256 and
/// byte count, every NDJSON line is valid JSON, an object with `_id`, record counts, and which
/// references resolve inside the archive.
///
/// Streams the archive twice and builds no tree per record: pass 1 hashes and validates bytes in
/// place and indexes ids; pass 2 reads reference paths in place. The id index lives in memory
/// for archives up to `memoryIndexLimit` records, and on disk (a scratch SQLite file) above, so
/// memory stays flat for any size of archive.
public struct ArchiveVerifier: Sendable {
    let catalog: Catalog
    /// Archives with more records than this keep their id index on disk (~200 bytes a record
    /// in memory, so the default bounds the index at about 20 MiB).
    public var memoryIndexLimit = 100_000
    /// Where a disk index goes (removed afterwards).
    public var scratchDirectory = FileManager.default.temporaryDirectory

    public init(catalog: Catalog) { self.catalog = catalog }

    /// Reads the manifest only.
    public static func manifest(of url: URL) throws(ArchiveError) -> Manifest {
        let reader = try ArchiveReader(url: url)
        guard let first = try reader.next(), first.path == Manifest.entryName else {
            throw .missingManifest(path: url.path)
        }
        let bytes: [UInt8]
        do { bytes = try reader.readAll() } catch { throw Self.asArchiveError(error, url, Manifest.entryName) }
        return try Manifest.decode(bytes, archive: url.path)
    }

    public func verify(_ url: URL) throws(ArchiveError) -> VerificationReport {
        let reader = try ArchiveReader(url: url)
        guard let first = try reader.next(), first.path == Manifest.entryName else {
            throw .missingManifest(path: url.path)
        }
        let manifest: Manifest
        do { manifest = try Manifest.decode(try reader.readAll(), archive: url.path) } catch let error as ArchiveError {
            throw error
        } catch { throw Self.asArchiveError(error, url, Manifest.entryName) }
        var report = VerificationReport(manifest: manifest)
        let index: ReferenceIndex
        do { index = try makeIndex(records: manifest.entries.reduce(0) { $0 + ($1.records ?? 0) }) } catch {
            throw Self.asArchiveError(error, url, "the reference index")
        }
        try checkEntries(reader, manifest: manifest, index: index, report: &report)
        for (kind, status) in manifest.kinds where status.records != report.records[kind, default: 0] && status.complete
        {
            report.problems.append(
                "kind \(kind): \(report.records[kind, default: 0]) records read, the manifest says \(status.records)")
        }
        try checkReferences(url, manifest: manifest, index: index, report: &report)
        return report
    }

    func makeIndex(records: Int) throws -> ReferenceIndex {
        guard records > memoryIndexLimit else { return ReferenceIndex(catalog: catalog) }
        let file = scratchDirectory.appendingPathComponent("plutio-verify-\(UUID().uuidString).sqlite")
        return ReferenceIndex(catalog: catalog, keys: try DiskIDSet(url: file))
    }

    /// Pass 1: checksums, byte and record counts, JSON validity, `_id`s into the index.
    func checkEntries(
        _ reader: ArchiveReader, manifest: Manifest, index: ReferenceIndex, report: inout VerificationReport
    ) throws(ArchiveError) {
        let url = reader.url
        var expected = Dictionary(uniqueKeysWithValues: manifest.entries.map { ($0.path, $0) })
        while let entry = try reader.next() {
            guard let listed = expected.removeValue(forKey: entry.path) else {
                report.problems.append("\(entry.path) is in the archive but not in the manifest")
                continue
            }
            var hasher = SHA256()
            var bytes = 0
            var lines = 0
            let kind = listed.kind.flatMap { catalog.kind(named: $0) }
            var splitter = LineSplitter()
            do {
                try reader.readChunks { chunk in
                    hasher.update(bufferPointer: chunk)
                    bytes += chunk.count
                    guard listed.kind != nil else { return }
                    try splitter.feed(chunk) { line in
                        lines += 1
                        try Self.index(line, kind: kind, entry: entry.path, lineNumber: lines, into: index, url: url)
                    }
                }
                if listed.kind != nil, !splitter.remainder.isEmpty {
                    report.problems.append("\(entry.path): the last line has no newline (truncated?)")
                }
            } catch let error as ArchiveError {
                if case .corrupt = error { report.problems.append(error.localizedDescription) } else { throw error }
            } catch {
                throw Self.asArchiveError(error, url, entry.path)
            }
            let digest = hasher.finalize().hex
            if digest != listed.sha256 {
                report.problems.append("\(entry.path): SHA-256 \(digest) does not match the manifest")
            }
            if bytes != listed.bytes {
                report.problems.append("\(entry.path): \(bytes) bytes, the manifest says \(listed.bytes)")
            }
            if let want = listed.records, want != lines, listed.kind != nil {
                report.problems.append("\(entry.path): \(lines) records, the manifest says \(want)")
            }
            if let kind = listed.kind { report.records[kind, default: 0] += lines }
        }
        for missing in expected.keys.sorted() {
            report.problems.append("\(missing) is in the manifest but not in the archive")
        }
    }

    /// Pass 2: every reference of every record, looked up in the index.
    func checkReferences(
        _ url: URL, manifest: Manifest, index: ReferenceIndex, report: inout VerificationReport
    ) throws(ArchiveError) {
        let listedKinds = Dictionary(
            uniqueKeysWithValues: manifest.entries.compactMap { e in e.kind.map { (e.path, $0) } })
        let reader = try ArchiveReader(url: url)
        while let entry = try reader.next() {
            guard let kindName = listedKinds[entry.path],
                let kind = catalog.kind(named: kindName)
            else { continue }
            var splitter = LineSplitter()
            do {
                try reader.readChunks { chunk in
                    try splitter.feed(chunk) { line in
                        guard let record = RawJSONValue(line) else { return }
                        for d in try index.dangling(in: record, of: kind) {
                            report.dangling["\(kind.name).\(d.path)", default: []].append(d)
                        }
                    }
                }
            } catch { throw Self.asArchiveError(error, url, entry.path) }
        }
    }

    static func index(
        _ line: UnsafeRawBufferPointer, kind: ResourceKind?, entry: String, lineNumber: Int,
        into index: ReferenceIndex, url: URL
    ) throws {
        let members: RawJSONObject?
        do { members = try JSONValidator.validate(line) } catch {
            throw ArchiveError.corrupt(
                path: url.path, entry: "\(entry) line \(lineNumber)", reason: error.localizedDescription)
        }
        guard let members, let id = members["_id"]?.stringValue else {
            throw ArchiveError.corrupt(
                path: url.path, entry: "\(entry) line \(lineNumber)", reason: "the record has no _id")
        }
        if let kind { try index.add(id: id, members: members, of: kind) }
    }

    static func asArchiveError(_ error: any Error, _ url: URL, _ entry: String) -> ArchiveError {
        if let e = error as? ArchiveError { return e }
        return .corrupt(path: url.path, entry: entry, reason: String(describing: error))
    }
}

/// Splits a byte stream into lines across chunk boundaries.
public struct LineSplitter {
    /// Bytes after the last newline so far (a last line without `\n`).
    public private(set) var remainder: [UInt8] = []

    public init() {}

    /// Calls `line` for each complete line in `chunk` (without its newline). The line's bytes
    /// are valid only during the call.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ line: (UnsafeRawBufferPointer) throws -> Void) throws {
        var start = 0
        while start < chunk.count {
            let rest = UnsafeRawBufferPointer(rebasing: chunk[start...])
            guard let p = memchr(rest.baseAddress!, 0x0A, rest.count) else { break }
            let i = start + (UnsafeRawPointer(p) - rest.baseAddress!)
            if remainder.isEmpty {
                try line(UnsafeRawBufferPointer(rebasing: chunk[start..<i]))
            } else {
                remainder.append(contentsOf: chunk[start..<i])
                try remainder.withUnsafeBytes { try line($0) }
                remainder.removeAll(keepingCapacity: true)
            }
            start = i + 1
        }
        if start < chunk.count { remainder.append(contentsOf: chunk[start..<chunk.count]) }
    }
}
