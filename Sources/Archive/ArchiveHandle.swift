import CArchive
import Foundation

/// Owns one libarchive handle and frees it in `deinit`; turns status codes into errors.
final class ArchiveHandle {
    let pointer: OpaquePointer
    let path: String
    let isWriter: Bool

    init(writer: Bool, path: String) throws(ArchiveError) {
        guard let p = writer ? archive_write_new() : archive_read_new() else {
            throw .library(path: path, operation: "open", message: "libarchive could not allocate a handle")
        }
        pointer = p
        self.path = path
        isWriter = writer
    }

    deinit {
        if isWriter { archive_write_free(pointer) } else { archive_read_free(pointer) }
    }

    /// Accepts `ARCHIVE_OK` and `ARCHIVE_WARN`; anything else becomes an error with libarchive's message.
    @discardableResult
    func check(_ status: Int32, _ operation: String) throws(ArchiveError) -> Int32 {
        if status == carchive_ok() || status == carchive_warn() || status == carchive_eof() { return status }
        let message = archive_error_string(pointer).map { String(cString: $0) } ?? "error \(status)"
        throw .library(path: path, operation: operation, message: message)
    }
}
