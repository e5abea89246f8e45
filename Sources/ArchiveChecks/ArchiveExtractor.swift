import Archive
import Crypto
import Foundation
import JSONCore
import MongoQuery

/// `extract`: chosen records of an archive, and for file records their binaries, written to a
/// directory: binaries under their titles (from the archive, or from the blob store it names),
/// each checked against the digest the index records; with `records`, the records themselves as
/// one JSON array (each record's bytes as the archive holds them).
public struct ArchiveExtractor: Sendable {
    public let url: URL
    /// A blob store other than the one the manifest names (the archive was moved without it).
    public var blobStore: URL?

    public init(url: URL, blobStore: URL? = nil) {
        self.url = url
        self.blobStore = blobStore
    }

    /// One binary written.
    public struct Written: Sendable, Equatable {
        public var fileId: String
        public var title: String?
        public var file: URL
        public var bytes: Int
        public var sha256: String
    }

    /// What an extraction wrote.
    public struct Outcome: Sendable {
        public var records = 0
        /// The ids of the chosen records, in archive order.
        public var chosen: [String] = []
        public var written: [Written] = []
        /// Chosen file records without a binary in the archive: a link, or a download that failed
        /// (the manifest names those).
        public var withoutBinary: [(id: String, title: String?, reason: String)] = []
        public var recordsFile: URL?
    }

    /// Why nothing was extracted: a choice matching nothing or a `to` directory holding files
    /// already (usage errors), or a blob missing from the store.
    public struct Refused: Error, LocalizedError {
        public var message: String
        public var isUsage = true
        public var errorDescription: String? { message }
    }

    /// The binaries to write, found before anything is written.
    struct BinaryPlan {
        var items: [(entry: BinaryIndexEntry, name: String, title: String?)] = []
        var withoutBinary: [(id: String, title: String?, reason: String)] = []
        var store: BlobStore?
    }

    /// Extracts the records of `kind` whose `_id` is in `ids` (when not nil) and that match
    /// `query` into `directory` (new or empty; created 0700): binaries when the kind is `files`
    /// and `binaries` is set, the records as `records.json` when `records` is. Everything is
    /// found (records, index lines, blobs in the store) before the first file is written.
    public func extract(
        kind: String, ids: Set<String>?, query: MongoQuery, to directory: URL, binaries: Bool, records: Bool
    ) throws -> Outcome {
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        if !existing.isEmpty {
            throw Refused(
                message:
                    "\(directory.path) is not empty; give a new or empty directory to --to (extract overwrites nothing)"
            )
        }
        var chosen: [(id: String, title: String?, line: [UInt8])] = []
        try ArchiveInspector(url: url).records(of: kind, matching: query) { line in
            guard let value = try? JSONValue.parse(line), let id = value["_id"]?.stringValue else { return }
            if let ids, !ids.contains(id) { return }
            chosen.append((id, value["title"]?.stringValue ?? value["name"]?.stringValue, line))
        }
        if chosen.isEmpty {
            throw Refused(
                message: "no record of \(kind) in \(url.path) matches the choice; see `plutio-backup inspect`")
        }
        let plan =
            binaries && kind == "files"
            ? try planBinaries(chosen.map { ($0.id, $0.title) }, reserved: records ? ["records.json"] : []) : nil
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var outcome = Outcome(records: chosen.count, chosen: chosen.map(\.id))
        if records {
            var json: [UInt8] = Array("[\n".utf8)
            for (i, item) in chosen.enumerated() {
                json += item.line + Array((i + 1 < chosen.count ? ",\n" : "\n]\n").utf8)
            }
            let file = directory.appendingPathComponent("records.json")
            let handle = try Self.createNew(file)
            defer { try? handle.close() }
            try handle.write(contentsOf: Data(json))
            try handle.synchronize()
            outcome.recordsFile = file
        }
        if let plan {
            outcome.withoutBinary = plan.withoutBinary
            try write(plan, to: directory, into: &outcome)
        }
        return outcome
    }

    /// Reads the index for the chosen file records, names their files, and checks that every
    /// blob they need is in the store.
    func planBinaries(_ chosen: [(id: String, title: String?)], reserved: Set<String>) throws -> BinaryPlan {
        let wanted = Set(chosen.map(\.id))
        var entries: [String: BinaryIndexEntry] = [:]
        let manifest = try ArchiveVerifier.forEachBinary(of: url) { entry in
            if wanted.contains(entry.fileId) { entries[entry.fileId] = entry }
        }
        let summary = manifest.files
        let failed = Set(summary.failed)
        // An export without binaries (--no-files) counts none of them.
        let withoutFiles = summary.downloaded + summary.skipped + summary.failed.count == 0
        var plan = BinaryPlan(store: BlobStore.of(archive: url, manifest: manifest, override: blobStore))
        var names = Set(reserved)
        for item in chosen {
            guard let entry = entries[item.id] else {
                let reason =
                    withoutFiles
                    ? "the archive holds no binaries (exported with --no-files)"
                    : failed.contains(item.id)
                        ? "its download failed when the archive was written" : "the record has no binary (a link)"
                plan.withoutBinary.append((item.id, item.title, reason))
                continue
            }
            let name = Self.fileName(title: item.title, id: item.id, taken: names)
            names.insert(name.lowercased())
            plan.items.append((entry, name, item.title))
            guard entry.isInStore else { continue }
            guard let store = plan.store else {
                throw ArchiveError.corrupt(
                    path: url.path, entry: Manifest.binaryIndexPath, reason: "it names a blob but the manifest no store"
                )
            }
            if !store.has(entry.sha256, bytes: entry.bytes) {
                throw Refused(
                    message:
                        "file record \(entry.fileId): blob sha256/\(entry.sha256.prefix(2))/\(entry.sha256) is missing from the blob store \(store.root.path) (or has another size); nothing was written. If the store was moved, give --blob-store DIR; `plutio-backup verify --deep` checks every blob",
                    isUsage: false)
            }
        }
        return plan
    }

    /// Writes the planned binaries: from the store, then those in the archive in one pass.
    func write(_ plan: BinaryPlan, to directory: URL, into outcome: inout Outcome) throws {
        var inArchive: [String: (entry: BinaryIndexEntry, name: String, title: String?)] = [:]
        for item in plan.items {
            if let path = item.entry.path {
                inArchive[path] = item
                continue
            }
            guard let store = plan.store,
                let input = FileHandle(forReadingAtPath: store.url(of: item.entry.sha256).path)
            else {
                throw Refused(
                    message: "file record \(item.entry.fileId): its blob went from the store while extract ran",
                    isUsage: false)
            }
            defer { try? input.close() }
            try copy(item.entry, to: directory.appendingPathComponent(item.name), title: item.title, into: &outcome) {
                body in
                while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try chunk.withUnsafeBytes { try body($0) }
                }
            }
        }
        guard !inArchive.isEmpty else { return }
        let reader = try ArchiveReader(url: url)
        while let entry = try reader.next() {
            guard let item = inArchive.removeValue(forKey: entry.path) else { continue }
            try copy(item.entry, to: directory.appendingPathComponent(item.name), title: item.title, into: &outcome) {
                body in
                try reader.readChunks { try body($0) }
            }
            if inArchive.isEmpty { break }
        }
        if let lost = inArchive.values.first {
            throw ArchiveError.corrupt(
                path: url.path, entry: lost.entry.path ?? lost.entry.fileId,
                reason: "the index names it; the archive lacks it")
        }
    }

    /// Writes the bytes `read` gives to a new file (0600), hashing them: a size or digest other
    /// than the index's removes the file and fails.
    func copy(
        _ entry: BinaryIndexEntry, to target: URL, title: String?, into outcome: inout Outcome,
        read: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        let output = try Self.createNew(target)
        var hasher = SHA256()
        var bytes = 0
        do {
            defer { try? output.close() }
            try read { chunk in
                hasher.update(bufferPointer: chunk)
                bytes += chunk.count
                try output.write(contentsOf: Data(chunk))
            }
            try output.synchronize()
        }
        let digest = hasher.finalize().hex
        guard bytes == entry.bytes, digest == entry.sha256 else {
            try? FileManager.default.removeItem(at: target)
            throw ArchiveError.corrupt(
                path: url.path, entry: "binary of file record \(entry.fileId)",
                reason:
                    "got \(bytes) bytes with SHA-256 \(digest), the index says \(entry.bytes) bytes, \(entry.sha256)")
        }
        outcome.written.append(Written(fileId: entry.fileId, title: title, file: target, bytes: bytes, sha256: digest))
    }

    /// Creates `file` (0600), failing when anything is there already: nothing is overwritten.
    static func createNew(_ file: URL) throws -> FileHandle {
        let fd = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Refused(
                message:
                    "cannot create \(file.path) (\(String(cString: strerror(errno)))); extract overwrites nothing: give a new or empty directory",
                isUsage: false)
        }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// A safe file name from a record's title: no path separators or control characters, not
    /// hidden, at most 200 bytes; the id (made safe the same way) when the title gives nothing;
    /// `name (id).ext` when the name is taken already (compared without case, for
    /// case-insensitive file systems).
    static func fileName(title: String?, id: String, taken: Set<String>) -> String {
        let safeID = clean(id).isEmpty ? "file" : clean(id)
        var name = clean(title ?? "")
        if name.isEmpty { name = safeID }
        guard taken.contains(name.lowercased()) else { return name }
        let ext = (name as NSString).pathExtension
        let stem = ext.isEmpty ? name : String(name.dropLast(ext.count + 1))
        var candidate = "\(stem) (\(safeID))" + (ext.isEmpty ? "" : ".\(ext)")
        var n = 2
        while taken.contains(candidate.lowercased()) {
            candidate = "\(stem) (\(safeID) \(n))" + (ext.isEmpty ? "" : ".\(ext)")
            n += 1
        }
        return candidate
    }

    /// `text` without path separators or control characters, leading dots or surrounding
    /// blanks, cut to 200 bytes.
    static func clean(_ text: String) -> String {
        var name = String(
            text.unicodeScalars.map { scalar -> Character in
                scalar == "/" || scalar == "\\" || scalar.properties.generalCategory == .control
                    ? "_" : Character(scalar)
            }
        ).trimmingCharacters(in: .whitespaces)
        while name.hasPrefix(".") { name.removeFirst() }
        while name.utf8.count > 200 { name.removeLast() }
        return name
    }
}
