import Archive
import Basics
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import Session
import StateStore

/// What an export does, as the CLI asked.
public struct ExportOptions: Sendable {
    public var output: URL
    /// Only these kinds (all when nil).
    public var kinds: Set<String>?
    /// Download file binaries (they cost no API calls).
    public var downloadFiles: Bool
    /// Keep binaries in this content-addressed store (format version 3) instead of inside the
    /// archive, downloading only those whose record changed since the last export.
    public var blobStore: URL?
    public var toolVersion: String

    public init(
        output: URL, kinds: Set<String>? = nil, downloadFiles: Bool = true, blobStore: URL? = nil,
        toolVersion: String
    ) {
        self.output = output
        self.kinds = kinds
        self.downloadFiles = downloadFiles
        self.blobStore = blobStore
        self.toolVersion = toolVersion
    }
}

/// What a kind cost the last complete export of a workspace: its records and calls.
public typealias KindCost = ExportHistory.Kind

/// Progress of an export, for the CLI to show.
public enum ExportEvent: Sendable {
    /// The run began; `kinds` will be read in this order; `expected` holds what each kind cost
    /// the last complete export of this workspace (empty the first time), for an ETA.
    case started(resumed: Bool, staging: URL, kinds: [String], expected: [String: KindCost])
    /// A page (or parent batch) of a kind is checkpointed: the kind's records and calls so far.
    case progress(KindSummary)
    case kindFinished(KindSummary)
    /// Binaries are in the staging directory; `missing` could not be downloaded.
    case filesDownloaded(count: Int, missing: [MissingBinary])
    case archiveWritten(URL)
}

/// The outcome of an export.
public struct ExportResult: Sendable {
    public var archive: URL
    public var manifest: Manifest
    /// Kinds the server refused, with why.
    public var incomplete: [String: String]
    /// File records whose binary could not be downloaded, with why.
    public var missingBinaries: [MissingBinary]
    public var calls: Int

    /// Whether anything is missing from the archive (the export is partial: exit 3).
    public var isPartial: Bool { !incomplete.isEmpty || !missingBinaries.isEmpty }
}

/// A file record whose binary is not in the archive.
public struct MissingBinary: Sendable, Equatable {
    /// The `files` record's `_id`.
    public var fileID: String
    public var reason: String
}

/// Reads a workspace into a versioned archive, resumably.
///
/// Contract: a run is identified by API base, business, output directory and kind filter; a
/// rerun with the same arguments continues from the last checkpoint in the staging directory
/// (`<output>/.plutio-export-<business>-<id>`), fetching no page twice. The archive is written
/// as `.partial`, synced and renamed; then the staging directory and checkpoints go.
public struct Exporter: Sendable {
    let client: PlutioClient
    let catalog: Catalog
    let state: StateDatabase
    let downloader: BinaryDownloader

    /// - Parameter downloads: fetches file binaries (outside the API, its pacing and its token).
    public init(
        client: PlutioClient, catalog: Catalog, state: StateDatabase, downloads: any StreamingTransport,
        retry: RetryPolicy = .standard
    ) {
        self.client = client
        self.catalog = catalog
        self.state = state
        downloader = BinaryDownloader(transport: downloads, policy: retry)
    }

    public func run(
        _ options: ExportOptions, report: @Sendable (ExportEvent) -> Void = { _ in }
    ) async throws -> ExportResult {
        let settings = client.settings
        let runKey =
            [
                settings.apiURL.absoluteString, settings.business, options.output.standardizedFileURL.path,
                (options.kinds.map { $0.sorted().joined(separator: ",") } ?? "*"),
                options.downloadFiles ? "files" : "no-files",
            ].joined(separator: "|") + (options.blobStore.map { "|store:\($0.standardizedFileURL.path)" } ?? "")
        let runID = String(sha256Hex(Array(runKey.utf8)).prefix(12))
        let progress = ExportProgress(database: state, run: runKey)
        let now = Timestamp.string(Date())
        let startedAt = try progress.begin(now: now)
        try makePrivateDirectory(options.output)
        let staging = options.output.appendingPathComponent(".plutio-export-\(settings.business)-\(runID)")
        let resumed = FileManager.default.fileExists(atPath: staging.path)
        let journal = try StagingJournal(directory: staging, progress: progress)
        let source = "\(settings.apiURL.absoluteString)|\(settings.business)"
        let history = ExportHistory(database: state, source: source)
        // The store's lock, shared, until the archive naming its blobs is written: a sweep never
        // deletes a blob this run took or added.
        let store = options.blobStore.map(BlobStore.init(root:))
        let storeLock = try store?.lock(exclusive: false)
        defer { storeLock?.release() }
        try store?.register(archiveDirectory: options.output)

        let scratch = staging.appendingPathComponent("scratch")
        try makePrivateDirectory(scratch)
        var reader = WorkspaceReader(client: client, catalog: catalog) { kind in
            try DiskIDSet(url: scratch.appendingPathComponent("\(kind).seen.sqlite"))
        }
        let expected = try history.last()
        reader.expectedRecords = expected.mapValues(\.records)
        let plan = reader.plan(only: options.kinds)
        report(
            .started(
                resumed: resumed, staging: staging, kinds: (plan.direct + plan.scoped).map(\.name),
                expected: expected))
        let summaries = try await reader.read(
            into: journal, only: options.kinds, onPage: { report(.progress($0)) },
            onKindDone: { report(.kindFinished($0)) })

        var files = Manifest.FileSummary()
        var missing: [MissingBinary] = []
        if options.downloadFiles, options.kinds?.contains("files") ?? true {
            (files, missing) = try await downloadBinaries(
                journal: journal, staging: staging, store: store, memory: BinaryMemory(database: state, source: source))
            report(.filesDownloaded(count: files.downloaded, missing: missing))
        }

        let archive = options.output.appendingPathComponent(
            ArchiveName.make(business: settings.business, startedAt: Timestamp.date(startedAt) ?? Date()))
        let manifest = try await writeArchive(
            to: archive, summaries: summaries, journal: journal, staging: staging, files: files, startedAt: startedAt,
            toolVersion: options.toolVersion, store: store.map { .init(path: $0.reference(from: options.output)) })
        report(.archiveWritten(archive))
        try history.record(
            Dictionary(
                uniqueKeysWithValues: summaries.filter { $0.error == nil }.map {
                    ($0.kind, ExportHistory.Kind(records: $0.records, calls: $0.calls))
                }), at: manifest.finishedAt)
        try progress.forget()
        try? FileManager.default.removeItem(at: staging)
        let incomplete = Dictionary(uniqueKeysWithValues: summaries.compactMap { s in s.error.map { (s.kind, $0) } })
        return ExportResult(
            archive: archive, manifest: manifest, incomplete: incomplete, missingBinaries: missing,
            calls: summaries.reduce(0) { $0 + $1.calls })
    }

    /// Downloads each binary that a `files` record points at (its kind's `binary` in the
    /// catalogue: `file`/`document` records; links are not downloaded), each once, kept across
    /// resumes after a check, and writes the archive's binary index as it goes (file-record
    /// order, size and SHA-256 taken while streaming). A binary that still fails is named in the
    /// summary's `failed`. With a blob store, binaries go there, and one whose record is as it was
    /// at its last download is taken from the store without a download.
    func downloadBinaries(
        journal: StagingJournal, staging: URL, store: BlobStore? = nil, memory: BinaryMemory? = nil
    ) async throws -> (
        Manifest.FileSummary, [MissingBinary]
    ) {
        let dir = staging.appendingPathComponent("files")
        try makePrivateDirectory(dir)
        let indexURL = Self.binaryIndex(in: staging)
        let fd = open(indexURL.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DownloadError.cannotWrite(indexURL) }
        let index = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var summary = Manifest.FileSummary()
        summary.fetched = 0
        summary.fetchedBytes = 0
        if store != nil { (summary.reused, summary.addedBlobs, summary.addedBytes) = (0, 0, 0) }
        var missing: [MissingBinary] = []
        let binary = catalog.kind(named: "files")?.binary
        var held = try await journal.records(of: "files").makeIterator()
        while let record = try held.next() {
            guard let target = Self.binaryTarget(of: record, binary) else {
                summary.skipped += 1
                continue
            }
            let outcome: BinaryOutcome
            if let store {
                let fetched = try await downloader.fetch(
                    target, into: store, remembered: try memory?.downloaded(record.id))
                outcome = fetched.outcome
                if fetched.added, let digest = outcome.digest {
                    summary.addedBlobs? += 1
                    summary.addedBytes? += digest.bytes
                }
            } else {
                outcome = try await downloader.fetch(target, into: dir)
            }
            switch outcome {
            case .downloaded(let digest), .alreadyHeld(let digest), .reused(let digest):
                if case .downloaded = outcome {
                    summary.fetched? += 1
                    summary.fetchedBytes? += digest.bytes
                }
                if case .reused = outcome { summary.reused? += 1 }
                if store != nil {
                    try memory?.remember(
                        record.id, .init(fingerprint: target.fingerprint, bytes: digest.bytes, sha256: digest.sha256))
                }
                let entry = BinaryIndexEntry(
                    fileId: record.id, bytes: digest.bytes, sha256: digest.sha256, inStore: store != nil)
                try index.write(contentsOf: try entry.encoded() + [0x0A])
                summary.downloaded += 1
            case .failed(let reason):
                summary.failed.append(record.id)
                missing.append(MissingBinary(fileID: record.id, reason: reason))
            }
        }
        try index.synchronize()
        return (summary, missing)
    }

    /// Where `downloadBinaries` writes the binary index in a staging directory.
    static func binaryIndex(in staging: URL) -> URL { staging.appendingPathComponent("files-index.ndjson") }

    /// The binary a file record points at, or nil when it has none to download.
    static func binaryTarget(of record: RawRecord, _ binary: ResourceKind.Binary?) -> BinaryTarget? {
        guard let binary, let value = try? record.parsed(), let type = value[binary.typeField]?.stringValue,
            binary.downloadTypes.contains(type), let text = value[binary.urlField]?.stringValue,
            let url = URL(string: text), url.scheme != nil
        else { return nil }
        let size = value["size"]?.numberValue.flatMap { $0 >= 0 && $0 == $0.rounded() ? Int($0) : nil }
        let fingerprint = BinaryMemory.Fingerprint(
            handle: value["handle"]?.stringValue ?? text, size: size, updatedAt: value["updatedAt"]?.stringValue)
        return BinaryTarget(
            id: record.id, url: url, bytes: size, sha256: value["sha256"]?.stringValue, fingerprint: fingerprint)
    }

    /// Writes the archive (format version 2, or 3 with a blob store): the manifest, the records of
    /// each kind, the binary index that `downloadBinaries` staged, then the binaries the index
    /// places in the archive, in its order.
    func writeArchive(
        to archive: URL, summaries: [KindSummary], journal: StagingJournal, staging: URL, files: Manifest.FileSummary,
        startedAt: String, toolVersion: String, store: Manifest.StoreReference? = nil
    ) async throws -> Manifest {
        var entries: [Manifest.Entry] = []
        var sources: [(String, URL)] = []
        var kinds: [String: Manifest.KindStatus] = [:]
        for summary in summaries {
            let counts = try await journal.counts(of: summary.kind)
            let file = await journal.file(of: summary.kind)
            let path = Manifest.recordsPath(summary.kind)
            entries.append(
                Manifest.Entry(
                    path: path, sha256: try sha256Hex(ofFile: file), bytes: counts.bytes, records: counts.records,
                    kind: summary.kind))
            sources.append((path, file))
            kinds[summary.kind] = Manifest.KindStatus(
                complete: counts.error == nil, records: counts.records, calls: counts.calls, error: counts.error)
        }
        let filesDir = staging.appendingPathComponent("files")
        let index = Self.binaryIndex(in: staging)
        if files.downloaded > 0 {
            entries.append(
                Manifest.Entry(
                    path: Manifest.binaryIndexPath, sha256: try sha256Hex(ofFile: index),
                    bytes: try BinaryDownloader.size(of: index), records: files.downloaded))
            sources.append((Manifest.binaryIndexPath, index))
        }
        let settings = client.settings
        let manifest = Manifest(
            tool: .init(version: toolVersion),
            source: .init(
                apiBase: settings.apiURL.absoluteString, business: settings.business, apiVersion: catalog.apiVersion),
            startedAt: startedAt, finishedAt: Timestamp.string(Date()),
            complete: kinds.values.allSatisfy(\.complete) && files.failed.isEmpty, kinds: kinds,
            entries: entries, files: files, blobStore: store)
        let writer = try ArchiveWriter(url: archive)
        try writer.add(path: Manifest.entryName, bytes: try manifest.encoded())
        for (path, url) in sources { try writer.add(path: path, contentsOf: url) }
        if files.downloaded > 0 {
            var lines = try LineReader(url: index)
            while let line = try lines.next() {
                let entry = try BinaryIndexEntry.decode(line)
                guard let path = entry.path else { continue }
                try writer.add(path: path, contentsOf: filesDir.appendingPathComponent(entry.fileId))
            }
        }
        try writer.finish()
        return manifest
    }
}
