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
        defer { try? FileManager.default.removeItem(at: dir) }
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
        defer { try? FileManager.default.removeItem(at: dir) }
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
    /// A version 1 archive (binaries listed in the manifest) still reads, and every record line
    /// reaches the caller with its kind and id.
    @Test func aGoodVersion1ArchiveVerifies() throws {
        var seen: [String] = []
        let report = try ArchiveVerifier().verify(fixture("good")) { seen.append("\($0.kind)/\($0.id)") }
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.manifest.formatVersion == 1)
        #expect(report.records == ["businesses": 1, "roles": 1, "people": 1, "projects": 1, "tasks": 2])
        #expect(seen.count == 6 && seen.contains { $0.hasPrefix("tasks/") })
        #expect(report.manifest.source.business == "acme")
    }

    @Test func aFutureFormatIsRefusedWithAdvice() throws {
        do {
            _ = try ArchiveVerifier().verify(fixture("future-version"))
            Issue.record("expected an error")
        } catch {
            #expect(
                error
                    == .newerFormat(
                        path: fixture("future-version").path, found: 99, supported: Manifest.currentFormatVersion))
            #expect(error.localizedDescription.contains("Upgrade and retry"))
        }
    }

    @Test func pathTraversalIsRefused() throws {
        do {
            _ = try ArchiveVerifier().verify(fixture("path-traversal"))
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
        #expect(throws: ArchiveError.self) { _ = try ArchiveVerifier().verify(fixture("truncated")) }
    }

    @Test func aChecksumMismatchIsReported() throws {
        let report = try ArchiveVerifier().verify(fixture("checksum-mismatch"))
        #expect(!report.isIntact)
        #expect(report.problems.contains { $0.contains("records/tasks.ndjson") && $0.contains("SHA-256") })
    }

    @Test(arguments: ["../x", "/etc/passwd", "a/../../b", ""])
    func unsafeNamesAreRefused(name: String) {
        #expect(throws: ArchiveError.self) { try ArchiveReader.checkSafe(name, in: "t") }
    }
}
