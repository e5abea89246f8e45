import Archive
import Crypto
import Foundation
import PlutioAPI
import StateStore

/// One file record's binary: where it comes from and what it must be.
struct BinaryTarget: Sendable, Equatable {
    /// The file record's `_id`, which names the binary in the archive.
    var id: String
    var url: URL
    /// The record's `size`, when it gives one.
    var bytes: Int?
    /// The record's `sha256` (lowercase hex), when it gives one. The contract names no checksum
    /// field; a record that carries one is checked against it.
    var sha256: String?
    /// What says the binary changed: the record's handle (its URL when it has none), size and
    /// `updatedAt`.
    var fingerprint: BinaryMemory.Fingerprint
}

/// A binary's size and SHA-256, worked out as it streamed to disk (or, for a file an earlier run
/// left, read once): what the archive's binary index records.
struct BinaryDigest: Sendable, Equatable {
    var bytes: Int
    var sha256: String
}

/// What fetching one binary came to.
enum BinaryOutcome: Sendable, Equatable {
    case downloaded(BinaryDigest)
    /// A file from an earlier run that passed the same checks.
    case alreadyHeld(BinaryDigest)
    /// The blob store holds it, and the record is as it was when it was downloaded.
    case reused(BinaryDigest)
    /// Still failing after the retries, or refused for good; the reason names what happened.
    case failed(reason: String)

    /// The binary's size and digest, unless it failed.
    var digest: BinaryDigest? {
        switch self {
        case .downloaded(let d), .alreadyHeld(let d), .reused(let d): d
        case .failed: nil
        }
    }
}

/// Downloads file binaries the way records are read: through `RetryPolicy` (backoff with jitter,
/// a bounded number of attempts; no pacing, since the CDN is outside the rate budget), streamed
/// to `<id>.partial` without holding the binary in memory and hashed on the way, checked against
/// the record's size and checksum, fsynced and renamed to `<id>`. A file left by an earlier run is
/// checked the same way before it is trusted. Cancellation is never swallowed.
struct BinaryDownloader: Sendable {
    let transport: any StreamingTransport
    var policy: RetryPolicy = .standard
    var clock: any PacingClock = SystemPacingClock()
    var jitter: @Sendable () -> Double = { Double.random(in: 0..<1) }
    /// For one whole download.
    var deadline: Duration = .seconds(3600)

    /// Fetches `target` into `directory/<id>` unless a checked copy is there already.
    func fetch(_ target: BinaryTarget, into directory: URL) async throws -> BinaryOutcome {
        let final = directory.appendingPathComponent(target.id)
        if FileManager.default.fileExists(atPath: final.path) {
            let held = try BinaryDigest(bytes: Self.size(of: final), sha256: sha256Hex(ofFile: final))
            if Self.problem(with: held, for: target) == nil { return .alreadyHeld(held) }
            try FileManager.default.removeItem(at: final)
        }
        let partial = final.appendingPathExtension("partial")
        defer { try? FileManager.default.removeItem(at: partial) }
        var attempt = 0
        var waited = Duration.zero
        while true {
            try Task.checkCancellation()
            attempt += 1
            let failure: String
            let retryable: Bool
            do {
                let digest = try await download(target.url, to: partial)
                if let problem = Self.problem(with: digest, for: target) {
                    (failure, retryable) = (problem, true)
                } else {
                    try renameDurably(partial, to: final)
                    return .downloaded(digest)
                }
            } catch let error as APIError {
                (failure, retryable) = (error.localizedDescription, error.isRetryable)
            } catch let error as TransportError {
                (failure, retryable) = ("\(error)", true)
            }
            guard retryable, let delay = policy.delay(after: attempt, waited: waited, jitter: jitter()) else {
                return .failed(reason: attempt > 1 ? "\(failure) (after \(attempt) attempts)" : failure)
            }
            waited += delay
            try await clock.sleep(for: delay)
        }
    }

    /// Fetches `target` into the blob store: taken as it is when `remembered` (what the last
    /// download of this file record gave) matches the record and the store holds that blob with
    /// its size; else downloaded to the store's `incoming` directory (a checked copy an earlier
    /// run left there is used), checked and stored. `added` says whether the blob is new to the
    /// store.
    func fetch(
        _ target: BinaryTarget, into store: BlobStore, remembered: BinaryMemory.Downloaded?
    ) async throws -> (outcome: BinaryOutcome, added: Bool) {
        if let remembered, remembered.fingerprint == target.fingerprint,
            store.has(remembered.sha256, bytes: remembered.bytes)
        {
            let digest = BinaryDigest(bytes: remembered.bytes, sha256: remembered.sha256)
            if Self.problem(with: digest, for: target) == nil { return (.reused(digest), false) }
        }
        let outcome = try await fetch(target, into: store.incoming)
        guard let digest = outcome.digest else { return (outcome, false) }
        let added = try store.put(
            store.incoming.appendingPathComponent(target.id), digest: digest.sha256, bytes: digest.bytes)
        return (outcome, added)
    }

    /// Streams one answer into `file` (created 0600, truncated), hashing it on the way, and
    /// syncs it.
    func download(_ url: URL, to file: URL) async throws -> BinaryDigest {
        let fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DownloadError.cannotWrite(file) }
        defer { close(fd) }
        var hasher = SHA256()
        var bytes = 0
        let request = APIRequest(method: .get, url: url)
        let response = try await transport.stream(request, deadline: deadline) { chunk in
            hasher.update(bufferPointer: chunk)
            bytes += chunk.count
            var offset = 0
            while offset < chunk.count {
                let n = write(fd, chunk.baseAddress! + offset, chunk.count - offset)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw DownloadError.cannotWrite(file) }
                offset += n
            }
        }
        if let error = APIError.check(response, for: request) { throw error }
        guard fsync(fd) == 0 else { throw DownloadError.cannotWrite(file) }
        return BinaryDigest(bytes: bytes, sha256: hasher.finalize().hex)
    }

    /// What is wrong with a binary, or nil when it matches the record.
    static func problem(with digest: BinaryDigest, for target: BinaryTarget) -> String? {
        if let want = target.bytes, want != digest.bytes { return "got \(digest.bytes) bytes, the record says \(want)" }
        if let want = target.sha256, digest.sha256 != want.lowercased() {
            return "SHA-256 \(digest.sha256) does not match the record's \(want)"
        }
        return nil
    }

    static func size(of file: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.intValue ?? 0
    }
}

/// A binary could not be written locally (a disk problem, not the network's): the export stops.
enum DownloadError: Error, LocalizedError {
    case cannotWrite(path: String, reason: String)

    /// The failure of the last system call on `file` (from `errno`).
    static func cannotWrite(_ file: URL) -> DownloadError {
        .cannotWrite(path: file.path, reason: String(cString: strerror(errno)))
    }

    var errorDescription: String? {
        switch self {
        case .cannotWrite(let path, let reason):
            "Cannot write \(path): \(reason). Check free disk space and permissions, then run the same command again; the export resumes."
        }
    }
}
