import Foundation
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

    /// A second archive into a target this state imported into is found (it would duplicate
    /// records); a run that never created anything, or went into another target, is not.
    @Test func findsAnotherImportIntoTheSameTarget() throws {
        let db = try StateDatabase(url: url)
        let first = ImportJournal(database: db, run: "first")
        let second = ImportJournal(database: db, run: "second")
        try first.begin(archive: "acme-1.tar.zst", target: "api globex", at: "t1")
        #expect(try second.otherRun(into: "api globex") == nil)
        try first.intend("tasks", "S1", bodySHA256: "h", at: "t2")
        #expect(try second.otherRun(into: "api globex")?.archive == "acme-1.tar.zst")
        #expect(try second.otherRun(into: "api initech") == nil)
        #expect(try first.otherRun(into: "api globex") == nil)
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
}
