import Archive
import ArchiveChecks
import Catalog
import Foundation
import Testing

/// What `verify` says about records: repeated ids refuse the archive, dangling references are
/// listed with distinct examples, and trash rows' records are counted apart.
@Suite final class ArchiveCheckerTests {
    /// This test's scratch directory, removed when the test ends (each test gets its own instance).
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("checker-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: scratch) }
    /// Writes an archive holding `lines` per kind, with a matching manifest.
    func archive(_ lines: [String: [String]]) throws -> URL {
        let dir = scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("a.tar.zst")
        var entries: [Manifest.Entry] = []
        var kinds: [String: Manifest.KindStatus] = [:]
        var bodies: [(String, [UInt8])] = []
        for kind in lines.keys.sorted() {
            let bytes = Array(lines[kind]!.map { $0 + "\n" }.joined().utf8)
            let path = Manifest.recordsPath(kind)
            entries.append(
                .init(path: path, sha256: sha256Hex(bytes), bytes: bytes.count, records: lines[kind]!.count, kind: kind)
            )
            kinds[kind] = .init(complete: true, records: lines[kind]!.count, calls: 1)
            bodies.append((path, bytes))
        }
        let manifest = Manifest(
            tool: .init(version: "test"),
            source: .init(apiBase: "http://x/v1.11", business: "acme", apiVersion: "v1.11"),
            startedAt: "s", finishedAt: "f", complete: true, kinds: kinds, entries: entries, files: .init())
        let writer = try ArchiveWriter(url: url)
        try writer.add(path: Manifest.entryName, bytes: try manifest.encoded())
        for (path, bytes) in bodies { try writer.add(path: path, bytes: bytes) }
        try writer.finish()
        return url
    }

    /// A checker with its id index in memory (limit above any archive) or on disk (limit 0).
    static func checker(memoryIndexLimit: Int) -> ArchiveChecker {
        var checker = ArchiveChecker(catalog: .standard)
        checker.memoryIndexLimit = memoryIndexLimit
        return checker
    }

    @Test(arguments: [Int.max, 0])
    func danglingReferencesAreListedByKindAndFieldWithDistinctExamples(memoryIndexLimit: Int) throws {
        let url = try archive([
            "tasks": [
                #"{"_id":"T1","projectId":"GONE","assignedTo":["NOBODY"]}"#,
                #"{"_id":"T2","projectId":"GONE","assignedTo":["NOBODY","ELSE"]}"#,
            ]
        ])
        let report = try Self.checker(memoryIndexLimit: memoryIndexLimit).verify(url)
        #expect(report.isIntact)
        #expect(Set(report.dangling.keys) == ["tasks.projectId", "tasks.assignedTo[]"])
        #expect(report.dangling["tasks.assignedTo[]"] == RepeatSummary(count: 3, examples: ["NOBODY", "ELSE"]))
        #expect(report.dangling["tasks.projectId"] == RepeatSummary(count: 2, examples: ["GONE"]))
    }

    @Test(arguments: [Int.max, 0])
    func anIDThatRepeatsWithinAKindRefusesTheArchive(memoryIndexLimit: Int) throws {
        let url = try archive([
            "tasks": [#"{"_id":"T1"}"#, #"{"_id":"T2"}"#, #"{"_id":"T1","title":"again"}"#],
            "projects": [#"{"_id":"T2"}"#],
        ])
        let report = try Self.checker(memoryIndexLimit: memoryIndexLimit).verify(url)
        #expect(!report.isIntact)
        #expect(report.repeatedIDs == ["tasks": RepeatSummary(count: 1, examples: ["T1"])])
        #expect(report.problems.contains { $0.contains("records/tasks.ndjson") && $0.contains("T1") })
    }

    @Test func trashRowsWhoseRecordsAreNotInTheArchiveAreNotDanglingReferences() throws {
        let url = try archive([
            "tasks": [#"{"_id":"T1","projectId":"P1"}"#],
            "projects": [#"{"_id":"P1"}"#],
            "trash-bin": [
                #"{"_id":"R1","entityType":"task","entityId":"GONE1","children":[{"entityType":"comment","entityId":"C1"}]}"#,
                #"{"_id":"R2","entityType":"task","entityId":"GONE2","children":[]}"#,
                #"{"_id":"R3","entityType":"task","entityId":"T1","children":[]}"#,
            ],
        ])
        let report = try Self.checker(memoryIndexLimit: Int.max).verify(url)
        #expect(report.isIntact)
        #expect(report.dangling.isEmpty, "\(report.dangling)")
        #expect(report.trashedElsewhere["tasks"] == RepeatSummary(count: 2, examples: ["GONE1", "GONE2"]))
        #expect(report.trashedElsewhere["comments"]?.count == 1)
    }
}
