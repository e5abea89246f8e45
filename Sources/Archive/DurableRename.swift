import Foundation

/// Renames a synced `.partial` file to its final name and syncs the directory, so the final name
/// only ever holds a complete file, after a crash too (the archive, a downloaded binary).
public func renameDurably(_ partial: URL, to final: URL) throws(ArchiveError) {
    guard rename(partial.path, final.path) == 0 else {
        throw .library(
            path: final.path, operation: "rename \(partial.lastPathComponent) to",
            message: String(cString: strerror(errno)))
    }
    let dir = open(final.deletingLastPathComponent().path, O_RDONLY)
    if dir >= 0 {
        fsync(dir)
        close(dir)
    }
}
