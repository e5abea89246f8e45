import Archive
import Foundation
import JSONCore

/// The NDJSON files an import, a restore or a diff keeps in its scratch directory.
package enum NDJSONFile {
    /// Calls `body` with each line of the file at `url`, nothing when there is no such file.
    package static func forEachLine(_ url: URL, _ body: ([UInt8]) throws -> Void) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        var lines = try LineReader(url: url)
        while let line = try lines.next() { try body(line) }
    }

    /// A record line's `_id`, read in place.
    package static func id(of line: some ContiguousBytes) -> String? {
        line.withUnsafeBytes { RawJSONValue($0)?.objectValue?["_id"]?.stringValue }
    }
}
