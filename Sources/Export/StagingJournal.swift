import Foundation
import PlutioAPI
import Session
import StateStore

/// A journal on disk: one NDJSON file per kind in a staging directory, and the kind's position
/// in the state database, written after the file is synced.
///
/// On the first look at a kind after a crash, bytes past the last checkpoint (records written
/// but never recorded) are cut off, so the file holds exactly what the checkpoint counts.
public actor StagingJournal: ReadJournal {
    public let directory: URL
    let progress: ExportProgress
    private var opened: Set<String> = []
    /// Records and bytes staged per kind since its last checkpoint.
    private var staged: [String: (records: Int, bytes: Int)] = [:]

    public init(directory: URL, progress: ExportProgress) throws {
        self.directory = directory
        self.progress = progress
        // Staging holds every record of a business: owner-only, like the archive.
        try makePrivateDirectory(directory)
        try makePrivateDirectory(directory.appendingPathComponent("records"))
    }

    public func file(of kind: String) -> URL { directory.appendingPathComponent("records/\(kind).ndjson") }

    public func state(of kind: String) throws -> KindJournalState {
        guard let row = try checkpoint(kind) else { return KindJournalState() }
        let position = try row.position.map { try JSONDecoder().decode(KindPosition.self, from: Data($0.utf8)) }
        return KindJournalState(
            position: position, records: row.records, calls: row.calls, done: row.done, error: row.error)
    }

    /// A kind's checkpoint row; the first time a kind is touched, its file is cut back to it.
    private func checkpoint(_ kind: String) throws -> ExportProgress.Kind? {
        let row = try progress.kind(kind)
        if opened.insert(kind).inserted { try truncate(kind, to: row?.bytes ?? 0) }
        return row
    }

    /// Cuts a kind's file back to its checkpoint the first time it is touched (no database read
    /// after that).
    private func open(_ kind: String) throws {
        if !opened.contains(kind) { _ = try checkpoint(kind) }
    }

    private func truncate(_ kind: String, to bytes: Int) throws {
        let url = file(of: kind)
        guard FileManager.default.fileExists(atPath: url.path) else {
            guard
                FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
            else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
            return
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.truncate(atOffset: UInt64(bytes))
        try handle.synchronize()
    }

    public func records(of kind: String) throws -> HeldRecords {
        .file(file(of: kind), bytes: try checkpoint(kind)?.bytes ?? 0)
    }

    public func stage(_ records: [RawRecord], of kind: String) throws {
        try open(kind)
        let bytes = try write(records, to: kind, sync: false)
        staged[kind, default: (0, 0)].records += records.count
        staged[kind, default: (0, 0)].bytes += bytes
    }

    public func append(_ records: [RawRecord], of kind: String, position: KindPosition, calls: Int) throws {
        var state = try checkpoint(kind) ?? ExportProgress.Kind()
        let bytes = try write(records, to: kind, sync: true)
        let ahead = staged.removeValue(forKey: kind) ?? (0, 0)
        state.records += ahead.records + records.count
        state.bytes += ahead.bytes + bytes
        state.calls = calls
        state.position = String(decoding: try JSONEncoder().encode(position), as: UTF8.self)
        try progress.save(kind, state)
    }

    /// Appends records to a kind's file; answers the bytes written.
    private func write(_ records: [RawRecord], to kind: String, sync: Bool) throws -> Int {
        let handle = try FileHandle(forWritingTo: file(of: kind))
        defer { try? handle.close() }
        try handle.seekToEnd()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(records.reduce(0) { $0 + $1.bytes.count + 1 })
        for r in records {
            buffer.append(contentsOf: r.bytes)
            buffer.append(0x0A)
        }
        try handle.write(contentsOf: buffer)
        if sync { try handle.synchronize() }
        return buffer.count
    }

    public func finish(_ kind: String, calls: Int, error: String?) throws {
        var state = try progress.kind(kind) ?? ExportProgress.Kind()
        if staged.removeValue(forKey: kind) != nil { try truncate(kind, to: state.bytes) }
        state.done = true
        state.calls = calls
        state.error = error
        try progress.save(kind, state)
    }

    /// Records and bytes held for a kind, as checkpointed.
    public func counts(of kind: String) throws -> (records: Int, bytes: Int, calls: Int, error: String?, done: Bool) {
        let row = try progress.kind(kind) ?? ExportProgress.Kind()
        return (row.records, row.bytes, row.calls, row.error, row.done)
    }
}
