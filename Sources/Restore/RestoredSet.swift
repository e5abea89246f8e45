import Archive
import Foundation
import JSONCore
import Session

/// The records a restore brings back, found in archives and written to its scratch directory
/// (0700), one NDJSON file per kind: what the importer then recreates.
struct RestoredSet: Sendable {
    let scratch: URL

    /// Writes each wanted record, from the newest archive that holds it, to the scratch
    /// directory; notes each row's archive. Answers the kinds written.
    @discardableResult
    func collect(_ rows: inout [RestoreRow], from archives: [URL], writing: Bool) throws -> Set<String> {
        // The restored set is written afresh: nothing of an earlier restore's set stays in it.
        if writing { try? FileManager.default.removeItem(at: scratch) }
        try makePrivateDirectory(scratch)
        var wanted: [String: Set<String>] = [:]
        for row in rows { for r in row.records { wanted[r.kind, default: []].insert(r.id) } }
        var found: [RestoreRecord: String] = [:]
        var files: [String: FileHandle] = [:]
        defer { for handle in files.values { try? handle.close() } }
        for archive in archives where !wanted.values.allSatisfy(\.isEmpty) {
            try ArchiveReader(url: archive).forEachRecordLine(of: { wanted[$0]?.isEmpty == false }) { kind, line in
                guard let id = NDJSONFile.id(of: line), wanted[kind]?.remove(id) != nil else { return }
                found[RestoreRecord(kind: kind, id: id)] = archive.lastPathComponent
                guard writing else { return }
                if files[kind] == nil { files[kind] = try newFile(kind) }
                try files[kind]?.write(contentsOf: Data(line) + Data([0x0A]))
            }
        }
        for i in rows.indices {
            let archives = rows[i].records.map { found[$0] }
            guard archives.allSatisfy({ $0 != nil }) else { continue }
            rows[i].archives = Set(archives.compactMap { $0 })
            rows[i].archive = rows[i].archives.min()
            if let deleted = rows[i].deletedAt, let taken = rows[i].archive.flatMap(ArchiveName.parse)?.time {
                rows[i].archiveAge = deleted.timeIntervalSince(taken)
            }
        }
        return Set(files.keys)
    }

    /// A kind's file, emptied, open for writing (0600).
    private func newFile(_ kind: String) throws -> FileHandle {
        let url = scratch.appendingPathComponent("\(kind).ndjson")
        try? FileManager.default.removeItem(at: url)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        return try FileHandle(forWritingTo: url)
    }

    /// Calls `body` with each line of a kind's file in the restored set.
    func forEachLine(_ kind: String, _ body: (RawJSONValue) throws -> Void) throws {
        try NDJSONFile.forEachLine(scratch.appendingPathComponent("\(kind).ndjson")) { line in
            try line.withUnsafeBytes { bytes in
                if let raw = RawJSONValue(bytes) { try body(raw) }
            }
        }
    }
}
