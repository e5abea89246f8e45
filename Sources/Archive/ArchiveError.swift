// Archive: versioned NDJSON-in-tar.zst archives for plutio-backup (schemas/FORMAT.md).
//
// Only this module imports libarchive (CArchive). Public signatures speak URL, bytes and Swift
// types; every libarchive status goes through one `check`.
import Foundation

/// What is wrong with an archive, or with writing one. Messages name the archive and the entry,
/// and say what to do.
public enum ArchiveError: Error, LocalizedError, Sendable, Equatable {
    case library(path: String, operation: String, message: String)
    case shortWrite(path: String, entry: String, wrote: Int, expected: Int)
    case newerFormat(path: String, found: Int, supported: Int)
    case unsafeEntry(path: String, entry: String, reason: String)
    case missingManifest(path: String)
    case badManifest(path: String, reason: String)
    case corrupt(path: String, entry: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .library(let path, let operation, let message):
            "Cannot \(operation) \(path): \(message). Check the path and the disk; a truncated or corrupted archive cannot be read."
        case .shortWrite(let path, let entry, let wrote, let expected):
            "Writing \(entry) into \(path) stopped after \(wrote) of \(expected) bytes. Check free disk space and run again."
        case .newerFormat(let path, let found, let supported):
            "\(path) was written by a newer plutio-backup (format \(found); this build reads up to \(supported)). Upgrade and retry."
        case .unsafeEntry(let path, let entry, let reason):
            "\(path) holds an unsafe entry \"\(entry)\" (\(reason)). It was not written by plutio-backup; do not extract it."
        case .missingManifest(let path):
            "\(path) has no manifest.json as its first entry, so it is not a plutio-backup archive (or it is damaged)."
        case .badManifest(let path, let reason): "The manifest of \(path) is invalid: \(reason)."
        case .corrupt(let path, let entry, let reason):
            "\(path) is damaged at \(entry): \(reason). Restore from another backup; run verify on the others."
        }
    }
}
