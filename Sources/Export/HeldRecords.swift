import Archive
import Foundation
import JSONCore
import PlutioAPI

/// The records a journal holds for one kind, read in append order without loading them all:
/// from memory, or streamed from an NDJSON file up to the checkpointed byte count.
public struct HeldRecords: Sendable {
    enum Source: Sendable {
        case memory([RawRecord])
        case file(URL, bytes: Int)
    }

    let source: Source

    public static func memory(_ records: [RawRecord]) -> HeldRecords { HeldRecords(source: .memory(records)) }

    /// The first `bytes` bytes of an NDJSON file (bytes past the checkpoint are not held).
    public static func file(_ url: URL, bytes: Int) -> HeldRecords { HeldRecords(source: .file(url, bytes: bytes)) }

    public func makeIterator() throws -> Iterator { try Iterator(source) }

    /// Calls `body` with each record in order.
    public func forEach(_ body: (RawRecord) throws -> Void) throws {
        var iterator = try makeIterator()
        while let record = try iterator.next() { try body(record) }
    }

    /// Pulls records one at a time; holds at most one read chunk.
    public struct Iterator {
        var memory: IndexingIterator<[RawRecord]>?
        var lines: LineReader?

        init(_ source: Source) throws {
            switch source {
            case .memory(let records): memory = records.makeIterator()
            case .file(let url, let bytes): lines = try LineReader(url: url, limit: bytes)
            }
        }

        public mutating func next() throws -> RawRecord? {
            if memory != nil { return memory!.next() }
            // Lines the journal wrote from records validated when their page arrived: the `_id`
            // is read in place, without validating each line again.
            while let line = try lines?.next() {
                let id = line.withUnsafeBytes { RawJSONValue($0)?.objectValue?["_id"]?.stringValue }
                if let id { return RawRecord(bytes: line, id: id) }
            }
            return nil
        }
    }
}
