import CArchive
import Foundation

/// Writes a tar archive compressed with zstd, entry by entry, with constant memory.
///
/// Contract: entries go to `<url>.partial`; `finish()` closes, fsyncs and renames it to `url`,
/// so `url` only ever holds a complete archive. A tar entry declares its size up front and
/// libarchive drops bytes beyond it, so every write's byte count is checked.
public final class ArchiveWriter {
    public let url: URL
    let partial: URL
    private let handle: ArchiveHandle
    /// The `.partial` file, created owner-only (0600): an archive holds every record of a business.
    private let fd: Int32
    private var finished = false

    public init(url: URL, compressionLevel: Int = 3) throws(ArchiveError) {
        self.url = url
        partial = url.appendingPathExtension("partial")
        fd = open(partial.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .library(path: partial.path, operation: "create", message: String(cString: strerror(errno)))
        }
        do { handle = try ArchiveHandle(writer: true, path: partial.path) } catch {
            close(fd)
            throw error
        }
        try handle.check(archive_write_set_format_pax_restricted(handle.pointer), "set the tar format of")
        try handle.check(archive_write_add_filter_zstd(handle.pointer), "add zstd to")
        try handle.check(
            archive_write_set_filter_option(handle.pointer, "zstd", "compression-level", String(compressionLevel)),
            "set the zstd level of")
        try handle.check(archive_write_open_fd(handle.pointer, fd), "create")
    }

    /// An unfinished archive is abandoned: libarchive must not write its trailer to a descriptor
    /// that is about to close (and whose number may be reused).
    deinit {
        if !finished { archive_write_fail(handle.pointer) }
        close(fd)
    }

    /// Adds an entry from bytes.
    public func add(path: String, bytes: [UInt8], modified: Date = Date()) throws(ArchiveError) {
        try header(path: path, size: bytes.count, modified: modified)
        try bytes.withUnsafeBytes { buffer in Result { () throws(ArchiveError) in try write(buffer, entry: path) } }
            .get()
        try handle.check(archive_write_finish_entry(handle.pointer), "finish \(path) in")
    }

    /// Adds an entry from a file, streamed in 1 MiB chunks.
    public func add(path: String, contentsOf file: URL, modified: Date = Date()) throws(ArchiveError) {
        let size: Int
        let input: FileHandle
        do {
            size = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.intValue ?? 0
            input = try FileHandle(forReadingFrom: file)
        } catch {
            throw .library(path: file.path, operation: "read", message: String(describing: error))
        }
        defer { try? input.close() }
        try header(path: path, size: size, modified: modified)
        var written = 0
        while written < size {
            let chunk: Data
            do { chunk = try input.read(upToCount: 1 << 20) ?? Data() } catch {
                throw .library(path: file.path, operation: "read", message: String(describing: error))
            }
            if chunk.isEmpty { break }
            try chunk.withUnsafeBytes { buffer in Result { () throws(ArchiveError) in try write(buffer, entry: path) } }
                .get()
            written += chunk.count
        }
        guard written == size else {
            throw .shortWrite(path: partial.path, entry: path, wrote: written, expected: size)
        }
        try handle.check(archive_write_finish_entry(handle.pointer), "finish \(path) in")
    }

    private func header(path: String, size: Int, modified: Date) throws(ArchiveError) {
        guard let entry = archive_entry_new() else {
            throw .library(path: partial.path, operation: "add \(path) to", message: "no memory")
        }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, path)
        archive_entry_set_size(entry, la_int64_t(size))
        archive_entry_set_filetype(entry, carchive_regular_file_mode())
        archive_entry_set_perm(entry, 0o600)
        archive_entry_set_mtime(entry, time_t(modified.timeIntervalSince1970), 0)
        try handle.check(archive_write_header(handle.pointer, entry), "add \(path) to")
    }

    private func write(_ buffer: UnsafeRawBufferPointer, entry: String) throws(ArchiveError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let n = archive_write_data(handle.pointer, base, buffer.count)
        if n < 0 { try handle.check(Int32(n), "write \(entry) into") }
        guard n == buffer.count else {
            throw .shortWrite(path: partial.path, entry: entry, wrote: n, expected: buffer.count)
        }
    }

    /// Closes the archive, fsyncs it and its directory, and renames `.partial` to the final name.
    public func finish() throws(ArchiveError) {
        guard !finished else { return }
        finished = true
        try handle.check(archive_write_close(handle.pointer), "close")
        guard fsync(fd) == 0 else {
            throw .library(path: partial.path, operation: "sync", message: String(cString: strerror(errno)))
        }
        try renameDurably(partial, to: url)
    }
}
