import Foundation

/// `manifest.json`: the first entry of every archive (schemas/manifest.schema.json).
public struct Manifest: Codable, Sendable, Equatable {
    /// The newest format this build writes and reads. Version 1 listed every binary in
    /// `entries`; version 2 lists them in the `files/index.ndjson` entry, so the manifest stays
    /// small however many files a workspace has; version 3 lets that index name blobs in a
    /// content-addressed store beside the archive (`blobStore`). An archive without a store is
    /// written as version 2, so a one-off export stays readable by older builds. This build reads
    /// all three.
    public static let currentFormatVersion = 3
    /// The version of an archive that keeps its binaries inside itself.
    public static let selfContainedFormatVersion = 2
    /// The manifest's own entry name.
    public static let entryName = "manifest.json"

    public var formatVersion: Int
    public var tool: Tool
    public var source: Source
    public var startedAt: String
    public var finishedAt: String
    /// Whether every kind was read to its end.
    public var complete: Bool
    public var kinds: [String: KindStatus]
    public var entries: [Entry]
    public var files: FileSummary
    /// Version 3: the blob store holding this archive's binaries.
    public var blobStore: StoreReference?

    /// Where an archive's blob store is: `path`, relative to the archive's directory unless it
    /// starts with `/`.
    public struct StoreReference: Codable, Sendable, Equatable {
        public var path: String
        public init(path: String) { self.path = path }
    }

    public struct Tool: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public init(name: String = "plutio-backup", version: String) {
            self.name = name
            self.version = version
        }
    }

    public struct Source: Codable, Sendable, Equatable {
        public var apiBase: String
        public var business: String
        public var apiVersion: String
        public init(apiBase: String, business: String, apiVersion: String) {
            self.apiBase = apiBase
            self.business = business
            self.apiVersion = apiVersion
        }
    }

    public struct KindStatus: Codable, Sendable, Equatable {
        public var complete: Bool
        public var records: Int
        public var calls: Int
        /// Why the kind is incomplete.
        public var error: String?
        public init(complete: Bool, records: Int, calls: Int, error: String? = nil) {
            self.complete = complete
            self.records = records
            self.calls = calls
            self.error = error
        }
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var bytes: Int
        /// NDJSON entries: the number of lines (records).
        public var records: Int?
        /// NDJSON entries: the resource kind.
        public var kind: String?
        public init(path: String, sha256: String, bytes: Int, records: Int? = nil, kind: String? = nil) {
            self.path = path
            self.sha256 = sha256
            self.bytes = bytes
            self.records = records
            self.kind = kind
        }
    }

    public struct FileSummary: Codable, Sendable, Equatable {
        /// Binaries in the archive.
        public var downloaded: Int
        /// File records with nothing to download (links).
        public var skipped: Int
        /// File records whose binary is missing because its download failed: the export is
        /// partial (exit 3) and `complete` is false.
        public var failed: [String]
        /// Binaries and bytes the run that wrote the archive downloaded (absent in archives
        /// written before version 3).
        public var fetched: Int?
        public var fetchedBytes: Int?
        /// Version 3: binaries taken from the blob store unchanged, without a download.
        public var reused: Int?
        /// Version 3: blobs and bytes this archive added to the store (what it costs on disk
        /// beyond the archives before it).
        public var addedBlobs: Int?
        public var addedBytes: Int?
        public init(downloaded: Int = 0, skipped: Int = 0, failed: [String] = []) {
            self.downloaded = downloaded
            self.skipped = skipped
            self.failed = failed
        }
    }

    public init(
        tool: Tool, source: Source, startedAt: String, finishedAt: String, complete: Bool, kinds: [String: KindStatus],
        entries: [Entry], files: FileSummary, blobStore: StoreReference? = nil
    ) {
        formatVersion = blobStore == nil ? Self.selfContainedFormatVersion : Self.currentFormatVersion
        self.blobStore = blobStore
        self.tool = tool
        self.source = source
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.complete = complete
        self.kinds = kinds
        self.entries = entries
        self.files = files
    }

    /// Stable JSON: sorted keys, pretty-printed.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// Decodes a manifest, checking `formatVersion` before anything else.
    public static func decode(_ bytes: [UInt8], archive: String) throws(ArchiveError) -> Manifest {
        struct Version: Decodable { var formatVersion: Int }
        let data = Data(bytes)
        let version: Int
        do { version = try JSONDecoder().decode(Version.self, from: data).formatVersion } catch {
            throw .badManifest(path: archive, reason: "no integer formatVersion (\(error.localizedDescription))")
        }
        guard version <= currentFormatVersion else {
            throw .newerFormat(path: archive, found: version, supported: currentFormatVersion)
        }
        guard version >= 1 else {
            throw .badManifest(path: archive, reason: "formatVersion \(version) is not a version")
        }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw .badManifest(path: archive, reason: String(describing: error))
        }
        try manifest.validate(archive: archive)
        return manifest
    }

    /// The rules the JSON Schema states, checked in code.
    func validate(archive: String) throws(ArchiveError) {
        var seen = Set<String>()
        for entry in entries {
            guard seen.insert(entry.path).inserted else {
                throw .badManifest(path: archive, reason: "entry \(entry.path) is listed twice")
            }
            guard entry.path != Self.entryName else {
                throw .badManifest(path: archive, reason: "the manifest lists itself")
            }
            guard BlobStore.isDigest(entry.sha256) else {
                throw .badManifest(path: archive, reason: "entry \(entry.path) has no lowercase hex SHA-256")
            }
            guard entry.bytes >= 0, (entry.records ?? 0) >= 0 else {
                throw .badManifest(path: archive, reason: "entry \(entry.path) has a negative count")
            }
        }
        if blobStore != nil, formatVersion < 3 {
            throw .badManifest(path: archive, reason: "blobStore needs formatVersion 3")
        }
        guard !source.business.isEmpty, !source.apiBase.isEmpty else {
            throw .badManifest(path: archive, reason: "source is incomplete")
        }
    }

    /// The NDJSON entry of a kind.
    public static func recordsPath(_ kind: String) -> String { "records/\(kind).ndjson" }
    /// The kind whose records an entry holds (`records/<kind>.ndjson`), or nil for other entries.
    public static func kind(ofRecordsPath path: String) -> String? {
        guard path.hasPrefix("records/"), path.hasSuffix(".ndjson") else { return nil }
        return String(path.dropFirst("records/".count).dropLast(".ndjson".count))
    }
    /// The entry of a file binary.
    public static func binaryPath(fileID: String) -> String { "files/\(fileID)" }
    /// Version 2: the NDJSON index of the binaries, one `BinaryIndexEntry` per line, in the order
    /// the binaries follow it in the archive (version 3: those in the store say so instead).
    public static let binaryIndexPath = "files/index.ndjson"
}
