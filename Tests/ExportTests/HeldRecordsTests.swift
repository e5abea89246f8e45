import Archive
import Foundation
import PlutioAPI
import Testing

@testable import Export

/// The staging journal streams a kind's records back from its NDJSON file, never past the
/// checkpointed byte count, with lines that straddle read chunks.
@Suite struct HeldRecordsTests {
    @Test func streamsEveryRecordUpToTheCheckpoint() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("held-\(UUID().uuidString).ndjson")
        defer { try? FileManager.default.removeItem(at: url) }
        var bytes: [UInt8] = []
        var ends: [Int] = []
        let padding = String(repeating: "x", count: 997)
        for i in 0..<6000 {
            bytes += Array("{\"_id\":\"R\(i)\",\"pad\":\"\(padding.prefix(i % 997))\"}\n".utf8)
            ends.append(bytes.count)
        }
        bytes += Array("{\"_id\":\"UNCHECKPOINTED\"}\n".utf8)
        try Data(bytes).write(to: url)
        #expect(bytes.count > 2 * LineReader.chunk, "lines must straddle chunks")

        var ids: [String] = []
        try HeldRecords.file(url, bytes: ends.last!).forEach { ids.append($0.id) }
        #expect(ids == (0..<6000).map { "R\($0)" })

        var partial = try HeldRecords.file(url, bytes: ends[1233]).makeIterator()
        var count = 0
        while let record = try partial.next() {
            #expect(record.id == "R\(count)")
            count += 1
        }
        #expect(count == 1234)
        var empty = try HeldRecords.file(url, bytes: 0).makeIterator()
        #expect(try empty.next() == nil)
    }
}
