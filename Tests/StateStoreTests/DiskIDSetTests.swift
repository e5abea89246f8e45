import Basics
import Foundation
import Testing

@testable import StateStore

@Suite final class DiskIDSetTests {
    /// This test's scratch directory, removed when the test ends (each test gets its own instance).
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ids-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: scratch) }
    /// The set's file, in this test's scratch directory (created here: DiskIDSet does not make directories).
    var file: URL {
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        return scratch.appendingPathComponent("ids.sqlite")
    }

    @Test func answersWhichIdsAreNewPerSpace() throws {
        let set = try DiskIDSet(url: file)
        #expect(try set.insert(["a", "b", "a"]) == [true, true, false])
        #expect(try set.insert(["b", "c"]) == [false, true])
        #expect(try set.insert(["a"], space: 7) == [true])
        #expect(try set.contains("c"))
        #expect(try !set.contains("c", space: 7))
        #expect(try !set.contains("z"))
        #expect(try set.insert([""]) == [true])
        #expect(try set.contains(""))
    }

    @Test func bufferedAddsAreSeenByTheNextQuestion() throws {
        let set = try DiskIDSet(url: file)
        for i in 0..<10_000 { try set.add("id-\(i)", space: i % 3) }
        #expect(try set.contains("id-9999", space: 0))
        #expect(try !set.contains("id-9999", space: 1))
        #expect(try set.insert(["id-3", "id-4"], space: 0) == [false, true])
    }

    @Test func agreesWithTheMemorySetOnARandomWorkload() throws {
        let disk = try DiskIDSet(url: file)
        let memory = MemoryIDSet()
        var seed: UInt64 = 42
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        for _ in 0..<2000 {
            let ids = (0..<next(5)).map { _ in "k\(next(500))" }
            let space = next(3)
            switch next(3) {
            case 0: #expect(try disk.insert(ids, space: space) == memory.insert(ids, space: space))
            case 1:
                for id in ids {
                    try disk.add(id, space: space)
                    memory.add(id, space: space)
                }
            default:
                for id in ids { #expect(try disk.contains(id, space: space) == memory.contains(id, space: space)) }
            }
        }
    }

    @Test func theScratchFileGoesWithTheSet() throws {
        let url = file
        do {
            let set = try DiskIDSet(url: url)
            _ = try set.insert(["x"])
            #expect(FileManager.default.fileExists(atPath: url.path))
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test func anUnwritablePlaceIsAClearError() {
        let url = URL(fileURLWithPath: "/proc/no-such-dir/ids.sqlite")
        #expect {
            try DiskIDSet(url: url)
        } throws: { error in
            (error as? StateError)?.localizedDescription.contains("/proc/no-such-dir/ids.sqlite") == true
        }
    }
}

@Suite final class ExportHistoryTests {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: scratch) }

    @Test func keepsTheLastCompleteFiguresPerWorkspace() throws {
        let db = try StateDatabase(
            url: scratch.appendingPathComponent("s.sqlite"))
        let acme = ExportHistory(database: db, source: "api|acme")
        #expect(try acme.last().isEmpty)
        try acme.record(["tasks": .init(records: 10, calls: 2), "people": .init(records: 3, calls: 1)], at: "t1")
        try acme.record(["tasks": .init(records: 12, calls: 3)], at: "t2")
        #expect(try acme.last() == ["tasks": .init(records: 12, calls: 3), "people": .init(records: 3, calls: 1)])
        #expect(try ExportHistory(database: db, source: "api|other").last().isEmpty)
    }
}
