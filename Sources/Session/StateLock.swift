import Foundation

/// An exclusive lock on a file, held while one command works in a state directory.
public struct StateLock: ~Copyable {
    let descriptor: Int32

    /// Takes the lock (creating the directory 0700 and the file 0600), or throws `StateBusy`.
    public init(_ url: URL) throws {
        try makePrivateDirectory(url.deletingLastPathComponent())
        let fd = open(url.path, O_CREAT | O_RDWR, 0o600)
        guard fd >= 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StateBusy(path: url.deletingLastPathComponent().path)
        }
        descriptor = fd
    }

    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Another process works in the state directory.
public struct StateBusy: Error, LocalizedError {
    public let path: String
    public var errorDescription: String? {
        "Another plutio-backup run (import, migrate, restore or backup) is using the state directory \(path); wait for it, or use another --state."
    }
}
