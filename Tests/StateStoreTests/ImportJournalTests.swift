import Foundation
import GRDB
import Testing

@testable import StateStore

@Suite final class ImportJournalTests {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: scratch) }
    var url: URL { scratch.appendingPathComponent("state.sqlite") }

    /// An intent outlives a crash (a new database handle) until its create is settled.
    @Test func anIntentWithoutAResultSurvivesACrashUntilSettled() throws {
        let journal = ImportJournal(database: try StateDatabase(url: url), run: "r1")
        #expect(try !journal.begin(archive: "a.tar.zst", target: "api|globex", at: "t0"))
        try journal.intend("tasks", "S1", bodySHA256: "h1", at: "t1")
        try journal.intend("tasks", "S2", bodySHA256: "h2", at: "t2")
        try journal.created("tasks", "S1", targetID: "T1", dropped: ["assignedTo[]"])

        // The process dies; a new one opens the same state.
        let again = ImportJournal(database: try StateDatabase(url: url), run: "r1")
        #expect(try again.begin(archive: "a.tar.zst", target: "api|globex", at: "t9"))
        let pending = try again.pendingIntents()
        #expect(pending.map(\.sourceID) == ["S2"])
        #expect(pending.first?.bodySHA256 == "h2" && pending.first?.intentAt == "t2")
        #expect(try again.entry("tasks", "S1")?.targetID == "T1")
        #expect(try again.entry("tasks", "S1")?.dropped == ["assignedTo[]"])
        try again.settle("tasks", "S2", status: .matched, targetID: "T2", reason: "found after a lost answer")
        #expect(try again.pendingIntents().isEmpty)
        #expect(try again.targetIDs("tasks", for: ["S1", "S2", "S3"]) == ["S1": "T1", "S2": "T2"])
        #expect(try again.counts() == ["tasks": [.created: 1, .matched: 1]])
    }

    /// The runs into a target that count for the next archive (it would duplicate their records,
    /// or apply as a delta on top of them): those that created something, or finished; a run
    /// that never created anything, or went into another target, is not one.
    @Test func findsTheRunsIntoTheSameTarget() throws {
        let db = try StateDatabase(url: url)
        let first = ImportJournal(database: db, run: "first")
        try first.begin(archive: "acme-1.tar.zst", target: "api globex", at: "t1")
        #expect(try ImportJournal.runs(into: "api globex", in: db).isEmpty)
        try first.intend("tasks", "S1", bodySHA256: "h", at: "t2")
        #expect(try ImportJournal.runs(into: "api globex", in: db).map(\.archive) == ["acme-1.tar.zst"])
        #expect(try ImportJournal.runs(into: "api initech", in: db).isEmpty)
        let empty = ImportJournal(database: db, run: "empty")
        try empty.begin(archive: "acme-0.tar.zst", target: "api globex", at: "t0")
        try empty.finish(at: "t0")
        #expect(try ImportJournal.runs(into: "api globex", in: db).map(\.run) == ["empty", "first"])
    }

    @Test func runsAreSeparateAndStepsAndTheEndAreRemembered() throws {
        let db = try StateDatabase(url: url)
        let a = ImportJournal(database: db, run: "a")
        let b = ImportJournal(database: db, run: "b")
        try a.begin(archive: "x", target: "y", at: "t")
        try b.begin(archive: "x", target: "z", at: "t")
        try a.created("people", "P", targetID: "Q")
        #expect(try b.entry("people", "P") == nil)
        #expect(try !a.isDone("person-company"))
        try a.markDone("person-company")
        try a.markDone("person-company")
        #expect(try a.isDone("person-company") && !b.isDone("person-company"))
        #expect(try a.finishedAt() == nil)
        try a.finish(at: "t2")
        #expect(try a.finishedAt() == "t2")
        // Many ids in one lookup.
        for i in 0..<1200 { try b.created("tasks", "S\(i)", targetID: "T\(i)") }
        let ids = (0..<1300).map { "S\($0)" }
        #expect(try b.targetIDs("tasks", for: ids).count == 1200)
    }

    /// What later steps act on is read from flags, never from the reason text: notes round-trip,
    /// and a journal written before they existed gets them from its reasons once (migration v10).
    @Test func outcomeNotesAreFlagsAndOlderJournalsGetThemFromTheirReasons() throws {
        let database = try StateDatabase(url: url)
        let journal = ImportJournal(database: database, run: "r")
        try journal.begin(archive: "a", target: "t", at: "2026-12-02T00:00:00.000Z")
        try journal.settle("tasks", "t1", status: .failed, targetID: nil, reason: "anything", notes: .createAgain)
        try journal.created("files", "f1", targetID: "F1", reason: "made", notes: .linkToSourceURL)
        #expect(try journal.entry("tasks", "t1")?.notes == .createAgain)
        #expect(try journal.entry("files", "f1")?.notes == .linkToSourceURL)
        // The same text without the flag means nothing.
        try journal.settle(
            "tasks", "t2", status: .failed, targetID: nil, reason: ImportJournal.Notes.createAgain.text.first)
        #expect(try journal.entry("tasks", "t2")?.notes == [])

        // A journal as the version before v10 left it: reasons only.
        try database.write { db in
            try db.execute(sql: "ALTER TABLE import_record DROP COLUMN notes")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v10: outcome notes as flags'")
            try db.execute(
                sql: """
                    INSERT INTO import_record (run, kind, source_id, status, target_id, reason) VALUES
                    ('r', 'tasks', 'old1', 'failed', NULL, 'not found after a lost answer; created again'),
                    ('r', 'projects', 'old2', 'matched', 'P2', 'restored before as P2'),
                    ('r', 'files', 'old3', 'matched', 'F3',
                     'restored before as F3; recreated as a link to the source URL; the binary stays in the archive'),
                    ('r', 'tasks', 'old4', 'failed', NULL, 'the server said no')
                    """)
        }
        let reopened = ImportJournal(database: try StateDatabase(url: url), run: "r")
        #expect(try reopened.entry("tasks", "old1")?.notes == .createAgain)
        #expect(try reopened.entry("projects", "old2")?.notes == .restoredBefore)
        #expect(try reopened.entry("files", "old3")?.notes == [.restoredBefore, .linkToSourceURL])
        #expect(try reopened.entry("tasks", "old4")?.notes == [])
    }
}
