import Foundation

/// A content-addressed store of file binaries beside the archives (format version 3): one file
/// per SHA-256, `<root>/sha256/<first two hex digits>/<digest>`, written once (synced, then
/// renamed into place) and shared by every archive whose binary index names it.
///
/// Writers (exports) hold the store's lock shared while they may name a blob that no archive
/// names yet; the sweep of `prune` and `backup` holds it exclusively, so it never deletes a blob
/// under a running export. The lock is `flock(2)` on `<root>/lock`: the kernel drops it when a
/// process dies, so a killed export never blocks a later sweep.
public struct BlobStore: Sendable, Equatable {
    public let root: URL

    /// The store's directory name beside the archives, as `backup` keeps it.
    public static let defaultName = "blobs"

    public init(root: URL) { self.root = root.standardizedFileURL }

    /// A blob's path inside the store, as the binary index records it: `sha256/ab/abcd…`.
    public static func relativePath(of digest: String) -> String { "sha256/\(digest.prefix(2))/\(digest)" }

    /// The digest a relative path names, or nil when it is not a blob path.
    public static func digest(ofRelativePath path: String) -> String? {
        let parts = path.split(separator: "/")
        guard parts.count == 3, parts[0] == "sha256", isDigest(parts[2]), parts[1] == parts[2].prefix(2) else {
            return nil
        }
        return String(parts[2])
    }

    /// Whether `text` is a lowercase hex SHA-256.
    public static func isDigest<S: StringProtocol>(_ text: S) -> Bool {
        text.count == 64 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// Where the blob of `digest` is.
    public func url(of digest: String) -> URL { root.appendingPathComponent(Self.relativePath(of: digest)) }

    /// Where writers put files before they are checked and stored (same file system as the blobs,
    /// so storing is a rename).
    public var incoming: URL { root.appendingPathComponent("incoming") }

    /// Creates the store's directories (0700) if missing.
    public func create() throws(ArchiveError) {
        do {
            for dir in [root, root.appendingPathComponent("sha256"), incoming] {
                try FileManager.default.createDirectory(
                    at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw .library(path: root.path, operation: "create the blob store", message: String(describing: error))
        }
    }

    /// The size of the blob of `digest`, or nil when the store lacks it.
    public func size(of digest: String) -> Int? {
        var info = stat()
        guard stat(url(of: digest).path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// Whether the store holds the blob of `digest` with `bytes` bytes.
    public func has(_ digest: String, bytes: Int) -> Bool { size(of: digest) == bytes }

    /// Stores `file` (already synced, its digest checked by the caller) as the blob of `digest`:
    /// renamed into place, or removed when the store has that blob already. Answers whether the
    /// blob is new to the store.
    @discardableResult
    public func put(_ file: URL, digest: String, bytes: Int) throws(ArchiveError) -> Bool {
        let final = url(of: digest)
        if has(digest, bytes: bytes) {
            try? FileManager.default.removeItem(at: file)
            return false
        }
        do {
            try FileManager.default.createDirectory(
                at: final.deletingLastPathComponent(), withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw .library(path: final.path, operation: "create the directory of", message: String(describing: error))
        }
        try renameDurably(file, to: final)
        return true
    }

    /// One stored blob.
    public struct Blob: Sendable, Equatable {
        public var digest: String
        public var bytes: Int
        public var modified: Date
    }

    /// Every blob in the store (files under `sha256/` whose name is a digest), unsorted.
    public func blobs() throws(ArchiveError) -> [Blob] {
        let base = root.appendingPathComponent("sha256")
        guard FileManager.default.fileExists(atPath: base.path) else { return [] }
        var out: [Blob] = []
        let prefixes: [String]
        do { prefixes = try FileManager.default.contentsOfDirectory(atPath: base.path) } catch {
            throw .library(path: base.path, operation: "list", message: String(describing: error))
        }
        for prefix in prefixes {
            let dir = base.appendingPathComponent(prefix)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { continue }
            for name in names where Self.isDigest(name) && name.hasPrefix(prefix) {
                var info = stat()
                guard stat(dir.appendingPathComponent(name).path, &info) == 0 else { continue }
                out.append(
                    Blob(
                        digest: name, bytes: Int(info.st_size),
                        modified: Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))))
            }
        }
        return out
    }

    /// Deletes the blob of `digest` (nothing when it is gone already).
    public func remove(_ digest: String) throws(ArchiveError) {
        let file = url(of: digest)
        guard unlink(file.path) == 0 || errno == ENOENT else {
            throw .library(path: file.path, operation: "delete", message: String(cString: strerror(errno)))
        }
    }

    /// Takes the store's lock: shared for an export, exclusive for a sweep. With `wait` false an
    /// exclusive lock that another process holds answers nil at once.
    public func lock(exclusive: Bool, wait: Bool = true) throws(ArchiveError) -> Lock? {
        try create()
        let path = root.appendingPathComponent("lock").path
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .library(path: path, operation: "open the lock", message: String(cString: strerror(errno)))
        }
        var operation = exclusive ? LOCK_EX : LOCK_SH
        if !wait { operation |= LOCK_NB }
        while flock(fd, operation) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(fd)
            if code == EWOULDBLOCK { return nil }
            let reason = String(cString: strerror(code))
            throw .library(path: path, operation: "lock", message: reason)
        }
        return Lock(fd: fd)
    }

    /// A held lock; released by `release()` or when it is freed.
    public final class Lock: @unchecked Sendable {
        private var fd: Int32
        init(fd: Int32) { self.fd = fd }
        public func release() {
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
        deinit { release() }
    }

    /// Records that archives in `directory` may name this store, so a sweep reads them too:
    /// `<root>/directories/<digest of the path>` holds the directory's path.
    public func register(archiveDirectory directory: URL) throws(ArchiveError) {
        let path = directory.standardizedFileURL.path
        let dir = root.appendingPathComponent("directories")
        let file = dir.appendingPathComponent(String(sha256Hex(Array(path.utf8)).prefix(16)))
        if (try? String(contentsOf: file, encoding: .utf8)) == path { return }
        do {
            try FileManager.default.createDirectory(
                at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let partial = file.appendingPathExtension("partial")
            try Data(path.utf8).write(to: partial)
            try renameDurably(partial, to: file)
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw .library(path: file.path, operation: "write", message: String(describing: error))
        }
    }

    /// The archive directories registered with the store, with the file that registers each;
    /// throws when the registrations cannot be read (a sweep must not guess them away).
    public func registeredDirectories() throws(ArchiveError) -> [(directory: URL, registration: URL)] {
        let dir = root.appendingPathComponent("directories")
        guard FileManager.default.fileExists(atPath: dir.path) else { return [] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir.path) } catch {
            throw .library(path: dir.path, operation: "list", message: error.localizedDescription)
        }
        var out: [(directory: URL, registration: URL)] = []
        for name in names.sorted() where !name.hasSuffix(".partial") {
            let file = dir.appendingPathComponent(name)
            let path: String
            do { path = try String(contentsOf: file, encoding: .utf8) } catch {
                throw .library(path: file.path, operation: "read", message: error.localizedDescription)
            }
            if !path.isEmpty { out.append((URL(fileURLWithPath: path), file)) }
        }
        return out
    }

    /// The total size of the blobs.
    public func totalBytes() throws(ArchiveError) -> (blobs: Int, bytes: Int) {
        let all = try blobs()
        return (all.count, all.reduce(0) { $0 + $1.bytes })
    }

    /// Where the store of an archive is: `override` when given, else the manifest's `blobStore`
    /// path (relative paths from the archive's directory); nil when the archive names no store.
    public static func of(archive: URL, manifest: Manifest, override: URL? = nil) -> BlobStore? {
        if let override { return BlobStore(root: override) }
        guard let path = manifest.blobStore?.path else { return nil }
        if path.hasPrefix("/") { return BlobStore(root: URL(fileURLWithPath: path)) }
        return BlobStore(root: archive.deletingLastPathComponent().appendingPathComponent(path))
    }

    /// How the manifest of an archive written to `archiveDirectory` names this store: relative
    /// when the store is inside that directory, else absolute.
    public func reference(from archiveDirectory: URL) -> String {
        let dir = archiveDirectory.standardizedFileURL.path
        let mine = root.path
        if mine.hasPrefix(dir + "/") { return String(mine.dropFirst(dir.count + 1)) }
        return mine
    }
}
