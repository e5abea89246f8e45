import Catalog
import Foundation
import JSONCore
import Testing

@testable import Archive

func fixture(_ name: String) -> URL {
    Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "tar.zst")!
}

func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("archive-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs a command and answers its exit status and standard output.
func run(_ tool: String, _ arguments: [String]) throws -> (Int32, [UInt8]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = Pipe()
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, Array(data))
}

@Suite struct ArchiveWriterReaderTests {
    @Test func roundTripsEntriesExactlyAndStreamsLargeOnes() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("a.tar.zst")
        let big = dir.appendingPathComponent("big.bin")
        var bytes = [UInt8](repeating: 0, count: 5 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 13) }
        try Data(bytes).write(to: big)
        let writer = try ArchiveWriter(url: url)
        try writer.add(path: "manifest.json", bytes: Array("{}".utf8))
        try writer.add(path: "files/big", contentsOf: big)
        try writer.add(path: "records/empty.ndjson", bytes: [])
        #expect(FileManager.default.fileExists(atPath: url.path + ".partial"))
        #expect(!FileManager.default.fileExists(atPath: url.path))
        try writer.finish()
        #expect(!FileManager.default.fileExists(atPath: url.path + ".partial"))

        let reader = try ArchiveReader(url: url)
        var seen: [ArchiveReader.Entry] = []
        var bigRead: [UInt8] = []
        while let entry = try reader.next() {
            seen.append(entry)
            let data = try reader.readAll(limit: 16 << 20)
            if entry.path == "files/big" { bigRead = data }
        }
        #expect(seen.map(\.path) == ["manifest.json", "files/big", "records/empty.ndjson"])
        #expect(seen[1].size == bytes.count)
        #expect(bigRead == bytes)
    }

    @Test func standardToolsReadWhatItWrites() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("b.tar.zst")
        let writer = try ArchiveWriter(url: url)
        try writer.add(path: "records/tasks.ndjson", bytes: Array("{\"_id\":\"A\",\"n\":1.50}\n".utf8))
        try writer.finish()
        let (status, out) = try run("tar", ["--zstd", "-xOf", url.path, "records/tasks.ndjson"])
        #expect(status == 0)
        #expect(String(decoding: out, as: UTF8.self) == "{\"_id\":\"A\",\"n\":1.50}\n")
    }
}

@Suite struct FixtureTests {
    let catalog = try! Catalog.bundled()

    /// A verifier with its id index in memory (limit above any archive) or on disk (limit 0).
    func verifier(memoryIndexLimit: Int) -> ArchiveVerifier {
        var verifier = ArchiveVerifier(catalog: catalog)
        verifier.memoryIndexLimit = memoryIndexLimit
        return verifier
    }

    @Test(arguments: [Int.max, 0])
    func aGoodArchiveVerifies(memoryIndexLimit: Int) throws {
        let report = try verifier(memoryIndexLimit: memoryIndexLimit).verify(fixture("good"))
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.records == ["businesses": 1, "roles": 1, "people": 1, "projects": 1, "tasks": 2])
        #expect(report.dangling.isEmpty, "\(report.dangling)")
        #expect(report.manifest.source.business == "acme")
    }

    @Test func aFutureFormatIsRefusedWithAdvice() throws {
        do {
            _ = try ArchiveVerifier(catalog: catalog).verify(fixture("future-version"))
            Issue.record("expected an error")
        } catch {
            #expect(error == .newerFormat(path: fixture("future-version").path, found: 99, supported: 1))
            #expect(error.localizedDescription.contains("Upgrade and retry"))
        }
    }

    @Test func pathTraversalIsRefused() throws {
        do {
            _ = try ArchiveVerifier(catalog: catalog).verify(fixture("path-traversal"))
            Issue.record("expected an error")
        } catch {
            guard case .unsafeEntry(_, let entry, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(entry == "../evil.ndjson")
        }
    }

    @Test func aTruncatedArchiveFailsClearly() throws {
        #expect(throws: ArchiveError.self) { _ = try ArchiveVerifier(catalog: catalog).verify(fixture("truncated")) }
    }

    @Test func aChecksumMismatchIsReported() throws {
        let report = try ArchiveVerifier(catalog: catalog).verify(fixture("checksum-mismatch"))
        #expect(!report.isIntact)
        #expect(report.problems.contains { $0.contains("records/tasks.ndjson") && $0.contains("SHA-256") })
    }

    @Test(arguments: ["../x", "/etc/passwd", "a/../../b", ""])
    func unsafeNamesAreRefused(name: String) {
        #expect(throws: ArchiveError.self) { try ArchiveReader.checkSafe(name, in: "t") }
    }

    @Test(arguments: [Int.max, 0])
    func danglingReferencesAreListedByKindAndField(memoryIndexLimit: Int) throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("d.tar.zst")
        let tasks = Array("{\"_id\":\"T1\",\"projectId\":\"GONE\",\"assignedTo\":[\"NOBODY\"]}\n".utf8)
        let manifest = Manifest(
            tool: .init(version: "test"),
            source: .init(apiBase: "http://x/v1.11", business: "acme", apiVersion: "v1.11"),
            startedAt: "s", finishedAt: "f", complete: true,
            kinds: ["tasks": .init(complete: true, records: 1, calls: 1)],
            entries: [
                .init(
                    path: "records/tasks.ndjson", sha256: sha256Hex(tasks), bytes: tasks.count, records: 1,
                    kind: "tasks")
            ],
            files: .init())
        let writer = try ArchiveWriter(url: url)
        try writer.add(path: Manifest.entryName, bytes: try manifest.encoded())
        try writer.add(path: "records/tasks.ndjson", bytes: tasks)
        try writer.finish()
        let report = try verifier(memoryIndexLimit: memoryIndexLimit).verify(url)
        #expect(report.isIntact)
        #expect(Set(report.dangling.keys) == ["tasks.projectId", "tasks.assignedTo[]"])
        #expect(report.dangling["tasks.assignedTo[]"]?.map(\.value) == ["NOBODY"])
    }
}
