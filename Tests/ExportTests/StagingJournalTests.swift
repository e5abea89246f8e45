import Foundation
import PlutioAPI
import StateStore
import Testing

@testable import Export

/// Staged records count only once an append checkpoints them; a crash or a refusal drops them.
@Suite final class StagingJournalTests {
    /// This test's scratch directory, removed when the test ends (each test gets its own instance).
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("staging-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: scratch) }
    static func record(_ id: String) -> RawRecord { RawRecord(bytes: Array("{\"_id\":\"\(id)\"}".utf8), id: id) }

    static func journal(_ dir: URL) throws -> StagingJournal {
        let db = try StateDatabase(url: dir.appendingPathComponent("state.sqlite"))
        let progress = ExportProgress(database: db, run: "r")
        _ = try progress.begin(now: "t")
        return try StagingJournal(directory: dir.appendingPathComponent("staging"), progress: progress)
    }

    static func ids(_ journal: StagingJournal, _ kind: String) async throws -> [String] {
        var out: [String] = []
        try await journal.records(of: kind).forEach { out.append($0.id) }
        return out
    }

    @Test func stagedRecordsCountWithTheNextAppendOnly() async throws {
        let dir = scratch
        let first = try Self.journal(dir)
        try await first.append([Self.record("a")], of: "comments", position: KindPosition(parentsDone: 1), calls: 1)
        try await first.stage([Self.record("b"), Self.record("c")], of: "comments")
        try await first.append([Self.record("d")], of: "comments", position: KindPosition(parentsDone: 2), calls: 3)
        #expect(try await first.counts(of: "comments").records == 4)
        try await first.stage([Self.record("e")], of: "comments")
        // A crash here: the next process holds what the checkpoint counts, no more.
        let second = try Self.journal(dir)
        #expect(try await second.state(of: "comments").records == 4)
        #expect(try await Self.ids(second, "comments") == ["a", "b", "c", "d"])
        let size =
            try FileManager.default.attributesOfItem(atPath: await second.file(of: "comments").path)[.size] as? Int
        #expect(size == (try await second.counts(of: "comments").bytes))
        // A refusal after staging: finish drops the staged records from the file too.
        try await second.stage([Self.record("f")], of: "comments")
        try await second.finish("comments", calls: 4, error: "refused")
        #expect(try await Self.ids(second, "comments") == ["a", "b", "c", "d"])
        let after =
            try FileManager.default.attributesOfItem(atPath: await second.file(of: "comments").path)[.size] as? Int
        #expect(after == size)
    }
}
