import Archive
import Foundation

/// Creates a directory (and its parents) readable by its owner only: state, staging and scratch
/// directories hold every record of a business. An existing directory is left as it is.
package func makePrivateDirectory(_ url: URL) throws {
    try FileManager.default.createDirectory(
        at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
}

/// Writes `data` to `url` (0600) atomically and durably: a temporary file, synced, renamed over
/// `url`, and the directory synced. After a crash `url` holds the old bytes or the new ones.
package func writePrivately(_ data: Data, to url: URL) throws {
    let temporary = url.appendingPathExtension("tmp")
    try? FileManager.default.removeItem(at: temporary)
    guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600])
    else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path]) }
    let handle = try FileHandle(forWritingTo: temporary)
    do {
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
    } catch {
        try? handle.close()
        throw error
    }
    try renameDurably(temporary, to: url)
}

extension JSONEncoder {
    /// Sorted keys, for files people read and diff.
    package static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}
