import Archive
import Basics
import Catalog
import Foundation
import PlutioAPI
import Session

/// The values live records had before a command overwrote them (`restore --revert`, the
/// re-pointing of a restore), kept in an ordinary archive under `STATE/undo/`, written and
/// synced before the first overwrite. `restore UNDO_ARCHIVE --kind K --id ID --revert` puts
/// them back.
///
/// An undo archive holds only the records it was written for: its manifest lists those kinds as
/// complete, with their counts, and no binaries.
public enum UndoArchive {
    /// Writes the records (raw bytes by kind) of the workspace `settings` names into
    /// `directory/undo-<business>-<UTC time>.tar.zst` and answers its path.
    public static func write(
        _ records: [String: [[UInt8]]], of settings: ConnectionSettings, into directory: URL, why: String
    ) throws -> URL {
        try makePrivateDirectory(directory)
        let now = Date()
        let stamp = Timestamp.compact(now)
        var url = directory.appendingPathComponent("undo-\(settings.business)-\(stamp).tar.zst")
        var n = 1
        while FileManager.default.fileExists(atPath: url.path) {
            n += 1
            url = directory.appendingPathComponent("undo-\(settings.business)-\(stamp)-\(n).tar.zst")
        }
        var entries: [Manifest.Entry] = []
        var kinds: [String: Manifest.KindStatus] = [:]
        var bodies: [(String, [UInt8])] = []
        for (kind, lines) in records.sorted(by: { $0.key < $1.key }) where !lines.isEmpty {
            var body: [UInt8] = []
            for line in lines {
                body += line
                body.append(0x0A)
            }
            let path = Manifest.recordsPath(kind)
            entries.append(
                Manifest.Entry(path: path, sha256: sha256Hex(body), bytes: body.count, records: lines.count, kind: kind)
            )
            kinds[kind] = Manifest.KindStatus(complete: true, records: lines.count, calls: 0)
            bodies.append((path, body))
        }
        let manifest = Manifest(
            tool: .init(version: "undo: \(why)"),
            source: .init(
                apiBase: settings.apiURL.absoluteString, business: settings.business,
                apiVersion: Catalog.standard.apiVersion),
            startedAt: Timestamp.string(now), finishedAt: Timestamp.string(now), complete: true, kinds: kinds,
            entries: entries, files: .init())
        let writer = try ArchiveWriter(url: url)
        try writer.add(path: Manifest.entryName, bytes: try manifest.encoded())
        for (path, body) in bodies { try writer.add(path: path, bytes: body) }
        try writer.finish()
        return url
    }
}
