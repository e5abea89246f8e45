import Archive
import Foundation

/// Deletes the blobs of a store that no archive names any more: mark, then sweep (restic's
/// `prune` does the same for its packs).
///
/// The mark reads `files/index.ndjson` of every archive in every directory registered with the
/// store (exports and prunes register theirs) and in the directories the caller adds. Every blob
/// a version 3 archive names is marked, whichever store path its manifest gives (a store moved,
/// or reached by another path, is still the same store; a blob kept in excess costs only space);
/// self-contained archives are skipped after their manifest. Nothing is deleted when an archive
/// or a directory cannot be read, or a registered directory is gone: either may name blobs the
/// mark cannot see. The sweep holds the store's lock exclusively, so it never runs beside an export (which
/// holds it shared until its archive is written), and leaves blobs younger than `grace`: an
/// export on a filesystem where the lock means nothing, or one killed before its archive, keeps
/// what it downloaded for that long. Files left in `incoming/` by a killed export go.
public struct BlobSweep: Sendable {
    public let store: BlobStore
    /// Unnamed blobs written less than this long ago stay.
    public var grace: TimeInterval

    /// The default grace period: one hour.
    public static let defaultGrace: TimeInterval = 3600

    public init(store: BlobStore, grace: TimeInterval = BlobSweep.defaultGrace) {
        self.store = store
        self.grace = grace
    }

    /// What a sweep did, or with `dryRun` would do.
    public struct Outcome: Sendable, Equatable, Codable {
        public var store: String
        /// Archives whose index was read (they name this store).
        public var archivesRead = 0
        /// Blobs named by at least one archive.
        public var named = 0
        /// Blobs deleted (or that would be).
        public var freedBlobs = 0
        public var freedBytes = 0
        /// Unnamed blobs kept because they are younger than the grace period.
        public var young = 0
        /// Blobs and bytes left in the store.
        public var keptBlobs = 0
        public var keptBytes = 0
        /// Files of a killed export removed from `incoming/`.
        public var staleIncoming = 0
    }

    /// Why a sweep deleted nothing.
    public enum Refusal: Error, LocalizedError, Equatable {
        case busy(store: String)
        case unreadable(archive: String, store: String, reason: String)
        case unlistable(directory: String, store: String, reason: String)
        case missingDirectory(directory: String, registration: String)

        public var errorDescription: String? {
            switch self {
            case .busy(let store):
                return
                    "the blob store \(store) was not swept: an export is writing to it; run prune again when it has finished"
            case .unreadable(let archive, let store, let reason):
                return
                    "the blob store \(store) was not swept: the archive \(archive) cannot be read (\(reason)), and may name blobs; check it with `plutio-backup verify`, move it out of the directory or delete it, then run prune again"
            case .unlistable(let directory, let store, let reason):
                return
                    "the blob store \(store) was not swept: \(directory) cannot be read (\(reason)), and its archives may name blobs; make it readable to this user, then run prune again"
            case .missingDirectory(let directory, let registration):
                return
                    "the blob store was not swept: the archive directory \(directory), registered with it, is gone and its archives may name blobs; put it back, or if its archives are gone for good delete \(registration), then run prune again"
            }
        }
    }

    /// The digests every archive naming this store names, except those at `excluding` paths
    /// (archives a dry run would delete); answers how many archives were read.
    public func named(
        also directories: [URL] = [], excluding: Set<String> = []
    ) throws(Refusal) -> (
        digests: Set<String>, archives: Int
    ) {
        var seen = Set<String>()
        var lookIn: [URL] = []
        let registered: [(directory: URL, registration: URL)]
        do { registered = try store.registeredDirectories() } catch {
            throw .unlistable(
                directory: store.root.appendingPathComponent("directories").path, store: store.root.path,
                reason: error.localizedDescription)
        }
        for (directory, registration) in registered {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
                isDirectory.boolValue
            else { throw .missingDirectory(directory: directory.path, registration: registration.path) }
            if seen.insert(directory.standardizedFileURL.path).inserted { lookIn.append(directory) }
        }
        for directory in directories where seen.insert(directory.standardizedFileURL.path).inserted {
            lookIn.append(directory)
        }
        let excluded = Set(excluding.map { Self.identity(URL(fileURLWithPath: $0)) })
        var digests = Set<String>()
        var archives = 0
        for directory in lookIn {
            let found: [URL]
            do { found = try Self.archives(in: directory) } catch {
                throw .unlistable(directory: directory.path, store: store.root.path, reason: error.localizedDescription)
            }
            for url in found where !excluded.contains(Self.identity(url)) {
                do {
                    let manifest = try ArchiveVerifier.manifest(of: url)
                    guard manifest.blobStore != nil else { continue }
                    _ = try ArchiveVerifier.forEachBinary(of: url) { entry in
                        if entry.isInStore { digests.insert(entry.sha256) }
                    }
                    archives += 1
                } catch {
                    throw .unreadable(archive: url.path, store: store.root.path, reason: error.localizedDescription)
                }
            }
        }
        return (digests, archives)
    }

    /// Marks and sweeps; with `dryRun` deletes nothing and takes no lock.
    public func run(
        dryRun: Bool = false, also directories: [URL] = [], excluding: Set<String> = [], now: Date = Date()
    ) throws -> Outcome {
        // A store that is not there has nothing to sweep (and its lock would create it).
        guard FileManager.default.fileExists(atPath: store.root.path) else { return Outcome(store: store.root.path) }
        var lock: BlobStore.Lock?
        if !dryRun {
            guard let held = try store.lock(exclusive: true, wait: false) else {
                throw Refusal.busy(store: store.root.path)
            }
            lock = held
        }
        defer { lock?.release() }
        let (named, archives) = try self.named(also: directories, excluding: excluding)
        var outcome = Outcome(store: store.root.path, archivesRead: archives)
        for blob in try store.blobs() {
            if named.contains(blob.digest) {
                outcome.named += 1
            } else if now.timeIntervalSince(blob.modified) < grace {
                outcome.young += 1
            } else {
                if !dryRun { try store.remove(blob.digest) }
                outcome.freedBlobs += 1
                outcome.freedBytes += blob.bytes
                continue
            }
            outcome.keptBlobs += 1
            outcome.keptBytes += blob.bytes
        }
        // With the lock held exclusively no export is writing: whatever is in incoming/ is a
        // killed export's leftover.
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: store.incoming.path)) ?? []
        outcome.staleIncoming = leftovers.count
        if !dryRun {
            for name in leftovers {
                try? FileManager.default.removeItem(at: store.incoming.appendingPathComponent(name))
            }
        }
        return outcome
    }

    /// The archives of a directory: entries named `*.tar.zst` that are not directories (a
    /// dangling link among them is kept: reading it fails, and the mark refuses).
    static func archives(in directory: URL) throws -> [URL] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        return names.filter { $0.hasSuffix(".tar.zst") }.sorted().map { directory.appendingPathComponent($0) }.filter {
            var isDirectory: ObjCBool = false
            return
                !(FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDirectory) && isDirectory.boolValue)
        }
    }

    /// The stores the archives of `directory` name (read from their manifests), and the
    /// directory's `blobs/`, those that exist; an archive whose manifest cannot be read is
    /// passed over here (the mark refuses it).
    public static func stores(namedIn directory: URL) -> [BlobStore] {
        var out: [BlobStore] = []
        var seen = Set<String>()
        func add(_ store: BlobStore) {
            if seen.insert(identity(store.root)).inserted { out.append(store) }
        }
        add(BlobStore(root: directory.appendingPathComponent(BlobStore.defaultName)))
        for url in (try? archives(in: directory)) ?? [] {
            guard let manifest = try? ArchiveVerifier.manifest(of: url),
                let store = BlobStore.of(archive: url, manifest: manifest)
            else { continue }
            add(store)
        }
        // Only stores that exist (a moved one is swept where it is now).
        return out.filter { FileManager.default.fileExists(atPath: $0.root.appendingPathComponent("sha256").path) }
    }

    /// A directory's path with symbolic links resolved: two spellings of one store compare equal.
    static func identity(_ url: URL) -> String { url.standardizedFileURL.resolvingSymlinksInPath().path }
}
