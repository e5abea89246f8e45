import Archive
import Foundation
import JSONCore
import MongoQuery

/// Reads an archive's kinds and records, filtered with the API's query language.
public struct ArchiveInspector: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// The manifest (format version checked).
    public func manifest() throws -> Manifest { try ArchiveVerifier.manifest(of: url) }

    /// Calls `body` with each record of `kind` matching `query`, as the bytes in the archive;
    /// throws `MissingKind` when the manifest has no such kind.
    ///
    /// Every entry header is checked first (unsafe names, truncation), so nothing is shown from
    /// an archive that will turn out to be bad.
    public func records(of kind: String, matching query: MongoQuery, _ body: ([UInt8]) throws -> Void) throws {
        let headers = try ArchiveReader(url: url)
        while try headers.next() != nil {}
        let reader = try ArchiveReader(url: url)
        guard let first = try reader.next(), first.path == Manifest.entryName else {
            throw ArchiveError.missingManifest(path: url.path)
        }
        let manifest = try Manifest.decode(try reader.readAll(), archive: url.path)
        guard manifest.kinds[kind] != nil else {
            throw MissingKind(kind: kind, available: manifest.kinds.keys.sorted())
        }
        let wanted = Manifest.recordsPath(kind)
        while let entry = try reader.next() {
            guard entry.path == wanted else { continue }
            var splitter = LineSplitter()
            try reader.readChunks { chunk in
                try splitter.feed(chunk) { line in
                    guard let value = try? JSONValue.parse(line) else {
                        throw ArchiveError.corrupt(path: url.path, entry: wanted, reason: "a line is not JSON")
                    }
                    if query.matches(value) { try body(Array(line)) }
                }
            }
            return
        }
    }
}

/// A kind the archive does not hold (a usage error: the message lists the kinds it has).
public struct MissingKind: Error, LocalizedError {
    public let kind: String
    public let available: [String]

    package init(kind: String, available: [String]) {
        self.kind = kind
        self.available = available
    }

    public var errorDescription: String? {
        "The archive has no kind \(kind); it has: \(available.joined(separator: ", "))"
    }
}
