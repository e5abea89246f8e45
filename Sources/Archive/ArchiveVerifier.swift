import Crypto
import Foundation
import JSONCore

/// What the format check found.
public struct FormatReport: Sendable {
    public var manifest: Manifest
    /// Problems that make the archive untrustworthy: checksums, counts, unparsable lines.
    public var problems: [String] = []
    /// Records per kind, as read.
    public var records: [String: Int] = [:]
    /// How many of `problems` are blobs missing from, or damaged in, the blob store.
    public var blobProblems = 0

    /// Whether the archive's bytes are intact.
    public var isIntact: Bool { problems.isEmpty }
}

/// One record line met by the format check, read in place (valid only during the call).
public struct RecordLine {
    /// The kind of the NDJSON entry.
    public var kind: String
    public var id: String
    /// The record's top-level members.
    public var members: RawJSONObject
}

/// Checks an archive's format: manifest first (format version, schema rules), every entry's
/// SHA-256 and byte count, every NDJSON line is valid JSON and an object with `_id`, record
/// counts, and the binaries against their index. It knows nothing of Plutio: what records mean
/// (their references, their ids' uniqueness) is the caller's, through `onRecord`.
///
/// Streams the archive once and builds no tree per record: bytes are hashed and validated in
/// place.
public struct ArchiveVerifier: Sendable {
    /// Where the binary index is copied while binaries are checked (removed afterwards).
    public var scratchDirectory = FileManager.default.temporaryDirectory
    /// The blob store of a version 3 archive, when not where its manifest says.
    public var blobStore: URL?
    /// Also hash every blob the archive names in the store (else its presence and size are checked).
    public var deep = false

    public init(blobStore: URL? = nil, deep: Bool = false) {
        self.blobStore = blobStore
        self.deep = deep
    }

    /// Reads the manifest only.
    public static func manifest(of url: URL) throws(ArchiveError) -> Manifest { try open(url).manifest }

    /// Opens an archive and reads its manifest (format version first), leaving the reader at the
    /// entries that follow.
    static func open(_ url: URL) throws(ArchiveError) -> (reader: ArchiveReader, manifest: Manifest) {
        let reader = try ArchiveReader(url: url)
        guard let first = try reader.next(), first.path == Manifest.entryName else {
            throw .missingManifest(path: url.path)
        }
        let bytes: [UInt8]
        do { bytes = try reader.readAll() } catch { throw Self.asArchiveError(error, url, Manifest.entryName) }
        return (reader, try Manifest.decode(bytes, archive: url.path))
    }

    /// Checks the archive at `url`; `onRecord` hears every valid record line, in archive order.
    /// An error `onRecord` throws ends the check.
    public func verify(
        _ url: URL, onRecord: (RecordLine) throws -> Void = { _ in }
    ) throws(ArchiveError)
        -> FormatReport
    {
        let (reader, manifest) = try Self.open(url)
        var report = FormatReport(manifest: manifest)
        try checkEntries(reader, manifest: manifest, report: &report, onRecord: onRecord)
        for (kind, status) in manifest.kinds where status.records != report.records[kind, default: 0] && status.complete
        {
            report.problems.append(
                "kind \(kind): \(report.records[kind, default: 0]) records read, the manifest says \(status.records)")
        }
        return report
    }

    /// Pass 1: checksums, byte and record counts, JSON validity, `_id`s into the index.
    ///
    /// Binaries are checked against the manifest (format 1) or against `files/index.ndjson`
    /// (format 2), which precedes them and lists them in their order: it is copied to a scratch
    /// file and read in step with them, so memory does not grow with the number of files.
    func checkEntries(
        _ reader: ArchiveReader, manifest: Manifest, report: inout FormatReport, onRecord: (RecordLine) throws -> Void
    ) throws(ArchiveError) {
        let url = reader.url
        var expected = Dictionary(uniqueKeysWithValues: manifest.entries.map { ($0.path, $0) })
        var binaries = BinaryIndexCursor(scratch: scratchDirectory, archive: url)
        defer { binaries.close() }
        let store = BlobStore.of(archive: url, manifest: manifest, override: blobStore)
        // The next binary the index places in the archive; those in the store on the way are
        // checked there.
        func nextInArchive() throws(ArchiveError) -> BinaryIndexEntry? {
            while let next = try binaries.next() {
                guard next.isInStore else { return next }
                if let problem = check(blob: next, in: store, formatVersion: manifest.formatVersion) {
                    report.problems.append(problem)
                    report.blobProblems += 1
                }
            }
            return nil
        }
        while let entry = try reader.next() {
            let listed: Manifest.Entry
            if let fromManifest = expected.removeValue(forKey: entry.path) {
                listed = fromManifest
            } else if manifest.formatVersion >= 2, entry.path.hasPrefix("files/") {
                guard let next = try nextInArchive(), let path = next.path else {
                    report.problems.append("\(entry.path) is in the archive but not in \(Manifest.binaryIndexPath)")
                    continue
                }
                guard path == entry.path else {
                    report.problems.append(
                        "\(entry.path) is in the archive where \(Manifest.binaryIndexPath) lists \(path)")
                    continue
                }
                listed = Manifest.Entry(path: path, sha256: next.sha256, bytes: next.bytes)
            } else {
                report.problems.append("\(entry.path) is in the archive but not in the manifest")
                continue
            }
            let isIndex = entry.path == Manifest.binaryIndexPath
            let isNDJSON = listed.kind != nil || isIndex
            var hasher = SHA256()
            var bytes = 0
            var lines = 0
            var splitter = LineSplitter()
            do {
                if isIndex { try binaries.startCopy() }
                try reader.readChunks { chunk in
                    hasher.update(bufferPointer: chunk)
                    bytes += chunk.count
                    if isIndex { try binaries.copy(chunk) }
                    guard isNDJSON else { return }
                    try splitter.feed(chunk) { line in
                        lines += 1
                        guard let kind = listed.kind else { return }
                        try Self.check(
                            line, kind: kind, entry: entry.path, lineNumber: lines, url: url, onRecord: onRecord)
                    }
                }
                if isIndex { try binaries.finishCopy() }
                if isNDJSON, !splitter.remainder.isEmpty {
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
            if let want = listed.records, want != lines, isNDJSON {
                report.problems.append("\(entry.path): \(lines) records, the manifest says \(want)")
            }
            if let kind = listed.kind { report.records[kind, default: 0] += lines }
        }
        for missing in expected.keys.sorted() {
            report.problems.append("\(missing) is in the manifest but not in the archive")
        }
        while let left = try nextInArchive() {
            report.problems.append(
                "\(left.path ?? left.fileId) is in \(Manifest.binaryIndexPath) but not in the archive")
        }
    }

    /// What is wrong with a binary the index places in the blob store, or nil: the store must
    /// hold it with its size (and, `deep`, its digest).
    func check(blob entry: BinaryIndexEntry, in store: BlobStore?, formatVersion: Int) -> String? {
        let what = "file record \(entry.fileId): blob \(entry.blob ?? entry.sha256)"
        guard formatVersion >= 3 else {
            return "\(what) is named in the store, which format \(formatVersion) does not have"
        }
        guard let store else { return "\(what) is in a blob store, but the manifest names none" }
        guard let size = store.size(of: entry.sha256) else {
            return "\(what) is missing from the blob store \(store.root.path)"
        }
        guard size == entry.bytes else {
            return "\(what) has \(size) bytes in the blob store \(store.root.path), the index says \(entry.bytes)"
        }
        if deep {
            guard let digest = try? sha256Hex(ofFile: store.url(of: entry.sha256)) else {
                return "\(what) cannot be read in the blob store \(store.root.path)"
            }
            if digest != entry.sha256 {
                return "\(what) is corrupted in the blob store \(store.root.path) (its bytes hash to \(digest))"
            }
        }
        return nil
    }

    /// Streams an archive's binary index (the manifest and records are read past, not checked):
    /// what a sweep of the blob store marks. Answers the manifest; throws when the archive or
    /// its index cannot be read.
    @discardableResult
    public static func forEachBinary(
        of url: URL, _ body: (BinaryIndexEntry) throws -> Void
    ) throws(ArchiveError) -> Manifest {
        let (reader, manifest) = try Self.open(url)
        guard manifest.formatVersion >= 2 else { return manifest }
        let listed = manifest.entries.first { $0.path == Manifest.binaryIndexPath }
        while let entry = try reader.next() {
            guard entry.path == Manifest.binaryIndexPath else { continue }
            var splitter = LineSplitter()
            var lines = 0
            do {
                try reader.readChunks { chunk in
                    try splitter.feed(chunk) { line in
                        lines += 1
                        try body(try BinaryIndexEntry.decode(Array(line)))
                    }
                }
            } catch { throw Self.asArchiveError(error, url, Manifest.binaryIndexPath) }
            if !splitter.remainder.isEmpty || (listed?.records.map { $0 != lines } ?? false) {
                throw .corrupt(path: url.path, entry: Manifest.binaryIndexPath, reason: "the index is truncated")
            }
            return manifest
        }
        if listed != nil {
            throw .corrupt(
                path: url.path, entry: Manifest.binaryIndexPath, reason: "the manifest lists it; the archive lacks it")
        }
        return manifest
    }

    static func check(
        _ line: UnsafeRawBufferPointer, kind: String, entry: String, lineNumber: Int, url: URL,
        onRecord: (RecordLine) throws -> Void
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
        try onRecord(RecordLine(kind: kind, id: id, members: members))
    }

    public static func asArchiveError(_ error: any Error, _ url: URL, _ entry: String) -> ArchiveError {
        if let e = error as? ArchiveError { return e }
        return .corrupt(path: url.path, entry: entry, reason: String(describing: error))
    }
}

/// Reads `files/index.ndjson` in step with the binaries that follow it: the entry is copied to a
/// scratch file as it streams by, then read a line at a time.
struct BinaryIndexCursor {
    let scratch: URL
    /// The archive being checked, for errors.
    let archive: URL
    private var file: URL?
    private var output: FileHandle?
    private var lines: LineReader?

    init(scratch: URL, archive: URL) {
        self.scratch = scratch
        self.archive = archive
    }

    mutating func startCopy() throws {
        let url = scratch.appendingPathComponent("plutio-verify-index-\(UUID().uuidString).ndjson")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
        file = url
        output = try FileHandle(forWritingTo: url)
    }

    func copy(_ chunk: UnsafeRawBufferPointer) throws { try output?.write(contentsOf: Data(chunk)) }

    mutating func finishCopy() throws {
        try output?.close()
        output = nil
        if let file { lines = try LineReader(url: file) }
    }

    /// The next binary the index lists; nil when there is no index or it is used up.
    mutating func next() throws(ArchiveError) -> BinaryIndexEntry? {
        do {
            guard let line = try lines?.next() else { return nil }
            return try BinaryIndexEntry.decode(line)
        } catch {
            throw .corrupt(path: archive.path, entry: Manifest.binaryIndexPath, reason: String(describing: error))
        }
    }

    mutating func close() {
        try? output?.close()
        if let file { try? FileManager.default.removeItem(at: file) }
        file = nil
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
