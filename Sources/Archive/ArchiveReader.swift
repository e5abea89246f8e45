import CArchive
import Foundation

/// Reads a tar.zst archive entry by entry with constant memory; refuses unsafe entries.
public final class ArchiveReader {
    public let url: URL
    private let handle: ArchiveHandle
    private var entryOpen = false

    /// One entry's header.
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var size: Int
    }

    public init(url: URL) throws(ArchiveError) {
        self.url = url
        handle = try ArchiveHandle(writer: false, path: url.path)
        try handle.check(archive_read_support_filter_all(handle.pointer), "read")
        try handle.check(archive_read_support_format_tar(handle.pointer), "read")
        try handle.check(archive_read_open_filename(handle.pointer, url.path, 1 << 16), "open")
    }

    /// The next entry's header, or nil at the end.
    public func next() throws(ArchiveError) -> Entry? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle.pointer, &entry)
        if status == carchive_eof() { return nil }
        try handle.check(status, "read the next entry of")
        guard let entry else { return nil }
        let path = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        try Self.checkSafe(path, in: url.path)
        guard archive_entry_filetype(entry) == carchive_regular_file_mode() else {
            throw .unsafeEntry(path: url.path, entry: path, reason: "not a regular file")
        }
        entryOpen = true
        return Entry(path: path, size: Int(archive_entry_size(entry)))
    }

    /// Streams the records of the archive from here on: `body` gets the kind and each line
    /// (without its newline) of every `records/<kind>.ndjson` entry whose kind `wants` accepts.
    public func forEachRecordLine(
        of wants: (String) -> Bool = { _ in true }, _ body: (String, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        while let entry = try next() {
            guard let kind = Manifest.kind(ofRecordsPath: entry.path), wants(kind) else { continue }
            var splitter = LineSplitter()
            try readChunks { chunk in try splitter.feed(chunk) { try body(kind, $0) } }
        }
    }

    /// Refuses absolute paths, `..` components and empty names.
    static func checkSafe(_ path: String, in archive: String) throws(ArchiveError) {
        if path.isEmpty { throw .unsafeEntry(path: archive, entry: path, reason: "empty name") }
        if path.hasPrefix("/") { throw .unsafeEntry(path: archive, entry: path, reason: "absolute path") }
        if path.split(separator: "/").contains("..") {
            throw .unsafeEntry(path: archive, entry: path, reason: "\"..\" in the path")
        }
    }

    /// Reads the current entry's data in chunks of up to `chunkSize` bytes.
    public func readChunks(chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let n = buffer.withUnsafeMutableBytes { archive_read_data(handle.pointer, $0.baseAddress, chunkSize) }
            if n < 0 { try handle.check(Int32(n), "read entry data of") }
            if n <= 0 { break }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        entryOpen = false
    }

    /// The current entry's whole data (for small entries such as the manifest).
    public func readAll(limit: Int = 64 << 20) throws -> [UInt8] {
        var out: [UInt8] = []
        try readChunks { chunk in
            out.append(contentsOf: chunk)
            if out.count > limit {
                throw ArchiveError.corrupt(path: url.path, entry: "entry", reason: "larger than \(limit) bytes")
            }
        }
        return out
    }
}
