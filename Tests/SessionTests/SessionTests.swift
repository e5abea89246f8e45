import Basics
import Foundation
import Testing

@testable import Session

/// What every use case shares: archive names, private files written atomically, the state
/// directory's lock, and the one time format they are all written in.
@Suite final class SessionTests {
    /// This test's scratch directory, removed when the test ends (each test gets its own instance).
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("session-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: scratch) }

    @Test func timesAreWrittenOneWayAndReadInEveryFormTheyComeIn() throws {
        let date = Date(timeIntervalSince1970: 1_764_405_602.0079)  // 2025-11-29T08:40:02.0079Z
        #expect(Timestamp.string(date) == "2025-11-29T08:40:02.007Z")
        #expect(Timestamp.compact(date) == "20251129T084002Z")
        let parsed = try #require(Timestamp.date("2025-11-29T08:40:02.007Z"))
        #expect(abs(parsed.timeIntervalSince1970 - 1_764_405_602.007) < 0.000_5)
        #expect(Timestamp.date("2025-11-29T08:40:02Z")?.timeIntervalSince1970 == 1_764_405_602)
        #expect(Timestamp.date("2025-11-29") == nil)
        #expect(Timestamp.date("2025-11-29", dateOnly: true)?.timeIntervalSince1970 == 1_764_374_400)
        #expect(Timestamp.date(compact: "20251129T084002Z")?.timeIntervalSince1970 == 1_764_405_602)
        #expect(Timestamp.date(compact: "20251129T0840Z") == nil)
    }

    @Test func archiveNamesRoundTripAndNothingElseParses() throws {
        let date = Date(timeIntervalSince1970: 1_764_385_200)  // 2025-11-29T03:00:00Z
        let name = ArchiveName.make(business: "acme-west", startedAt: date)
        #expect(name == "acme-west-20251129T030000Z.tar.zst")
        let parsed = try #require(ArchiveName.parse(name))
        #expect(parsed.business == "acme-west" && parsed.time == date)
        for other in [
            name + ".partial", "acme-20251129.tar.zst", "-20251129T030000Z.tar.zst", "acme-20251129T030000Z.tar",
            "notes.txt",
        ] {
            #expect(ArchiveName.parse(other) == nil, "\(other)")
        }
    }

    @Test func privateFilesAreReplacedWholeAndReadableByTheirOwnerOnly() throws {
        try makePrivateDirectory(scratch)
        let url = scratch.appendingPathComponent("summary.json")
        try writePrivately(Data("first".utf8), to: url)
        try writePrivately(Data("second, longer".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "second, longer")
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let directory = try FileManager.default.attributesOfItem(atPath: scratch.path)
        #expect((directory[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["summary.json"])
    }

    @Test func oneCommandAtATimeWorksInAStateDirectory() throws {
        let lockFile = scratch.appendingPathComponent("import.lock")
        let lock = try StateLock(lockFile)
        #expect(throws: StateBusy.self) { _ = try StateLock(lockFile) }
        lock.release()
        let again = try StateLock(lockFile)
        again.release()
    }
}
