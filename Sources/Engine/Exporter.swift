import Archive
import Catalog
import Crypto
import Foundation
import JSONCore
import PlutioAPI
import StateStore

/// What an export does, as the CLI asked.
public struct ExportOptions: Sendable {
    public var output: URL
    /// Only these kinds (all when nil).
    public var kinds: Set<String>?
    /// Download file binaries (they cost no API calls).
    public var downloadFiles: Bool
    public var toolVersion: String

    public init(output: URL, kinds: Set<String>? = nil, downloadFiles: Bool = true, toolVersion: String) {
        self.output = output
        self.kinds = kinds
        self.downloadFiles = downloadFiles
        self.toolVersion = toolVersion
    }
}

/// Progress of an export, for the CLI to show.
public enum ExportEvent: Sendable {
    /// The run began; `kinds` will be read in this order; `expected` holds what each kind cost
    /// the last complete export of this workspace (empty the first time), for an ETA.
    case started(resumed: Bool, staging: URL, kinds: [String], expected: [String: ExportHistory.Kind])
    /// A page (or parent batch) of a kind is checkpointed: the kind's records and calls so far.
    case progress(KindSummary)
    case kindFinished(KindSummary)
    case filesDownloaded(count: Int, failed: Int)
    case archiveWritten(URL)
}

/// The outcome of an export.
public struct ExportResult: Sendable {
    public var archive: URL
    public var manifest: Manifest
    /// Kinds the server refused, with why.
    public var incomplete: [String: String]
    public var calls: Int
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
    let downloads: any HTTPTransport

    public init(client: PlutioClient, catalog: Catalog, state: StateDatabase, downloads: any HTTPTransport) {
        self.client = client
        self.catalog = catalog
        self.state = state
        self.downloads = downloads
    }

    public func run(
        _ options: ExportOptions, report: @Sendable (ExportEvent) -> Void = { _ in }
    ) async throws -> ExportResult {
        let settings = client.settings
        let runKey = [
            settings.apiURL.absoluteString, settings.business, options.output.standardizedFileURL.path,
            (options.kinds.map { $0.sorted().joined(separator: ",") } ?? "*"),
            options.downloadFiles ? "files" : "no-files",
        ].joined(separator: "|")
        let runID = String(sha256Hex(Array(runKey.utf8)).prefix(12))
        let progress = ExportProgress(database: state, run: runKey)
        let now = Self.timestamp(Date())
        let startedAt = try progress.begin(now: now)
        let staging = options.output.appendingPathComponent(".plutio-export-\(settings.business)-\(runID)")
        let resumed = FileManager.default.fileExists(atPath: staging.path)
        let journal = try StagingJournal(directory: staging, progress: progress)
        let history = ExportHistory(database: state, source: "\(settings.apiURL.absoluteString)|\(settings.business)")

        let scratch = staging.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
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
        if options.downloadFiles, options.kinds?.contains("files") ?? true {
            files = try await downloadBinaries(journal: journal, staging: staging)
            report(.filesDownloaded(count: files.downloaded, failed: files.failed.count))
        }

        let archive = options.output.appendingPathComponent("\(settings.business)-\(Self.compact(startedAt)).tar.zst")
        let manifest = try await writeArchive(
            to: archive, summaries: summaries, journal: journal, staging: staging, files: files, startedAt: startedAt,
            toolVersion: options.toolVersion)
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
            archive: archive, manifest: manifest, incomplete: incomplete, calls: summaries.reduce(0) { $0 + $1.calls })
    }

    /// Downloads each `file`/`document` binary once (kept across resumes); links are not downloaded.
    func downloadBinaries(journal: StagingJournal, staging: URL) async throws -> Manifest.FileSummary {
        let dir = staging.appendingPathComponent("files")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var summary = Manifest.FileSummary()
        var held = try await journal.records(of: "files").makeIterator()
        while let record = try held.next() {
            guard let value = try? record.parsed(), let type = value["type"]?.stringValue,
                ["file", "document"].contains(type),
                let text = value["url"]?.stringValue, let url = URL(string: text)
            else {
                summary.skipped += 1
                continue
            }
            let target = dir.appendingPathComponent(record.id)
            if FileManager.default.fileExists(atPath: target.path) {
                summary.downloaded += 1
                continue
            }
            do {
                let response = try await downloads.send(APIRequest(method: .get, url: url))
                guard response.status == 200 else {
                    summary.failed.append(record.id)
                    continue
                }
                let partial = target.appendingPathExtension("partial")
                try Data(response.body).write(to: partial)
                try FileManager.default.moveItem(at: partial, to: target)
                summary.downloaded += 1
            } catch {
                summary.failed.append(record.id)
            }
        }
        return summary
    }

    func writeArchive(
        to archive: URL, summaries: [KindSummary], journal: StagingJournal, staging: URL, files: Manifest.FileSummary,
        startedAt: String, toolVersion: String
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
                    path: path, sha256: try Self.sha256(of: file), bytes: counts.bytes, records: counts.records,
                    kind: summary.kind))
            sources.append((path, file))
            kinds[summary.kind] = Manifest.KindStatus(
                complete: counts.error == nil, records: counts.records, calls: counts.calls, error: counts.error)
        }
        let filesDir = staging.appendingPathComponent("files")
        let binaries = ((try? FileManager.default.contentsOfDirectory(atPath: filesDir.path)) ?? []).filter {
            !$0.hasSuffix(".partial")
        }.sorted()
        for name in binaries {
            let url = filesDir.appendingPathComponent(name)
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
            let path = Manifest.binaryPath(fileID: name)
            entries.append(Manifest.Entry(path: path, sha256: try Self.sha256(of: url), bytes: size))
            sources.append((path, url))
        }
        let settings = client.settings
        let manifest = Manifest(
            tool: .init(version: toolVersion),
            source: .init(
                apiBase: settings.apiURL.absoluteString, business: settings.business, apiVersion: catalog.apiVersion),
            startedAt: startedAt, finishedAt: Self.timestamp(Date()), complete: kinds.values.allSatisfy(\.complete),
            kinds: kinds,
            entries: entries, files: files)
        let writer = try ArchiveWriter(url: archive)
        try writer.add(path: Manifest.entryName, bytes: try manifest.encoded())
        for (path, url) in sources { try writer.add(path: path, contentsOf: url) }
        try writer.finish()
        return manifest
    }

    static func sha256(of url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().hex
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    /// `2026-11-29T03:00:00.000Z` -> `20261129T030000Z`, for file names.
    static func compact(_ stamp: String) -> String {
        let digits = stamp.prefix(19).filter { $0.isNumber || $0 == "T" }
        return digits + "Z"
    }
}
