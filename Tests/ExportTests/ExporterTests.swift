import Archive
import ArchiveChecks
import Catalog
import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import PlutioAPI
import StateStore
import Testing

@testable import Export

/// Exports against the fake in-process: binaries downloaded like records, each record once.
@Suite(.timeLimit(.minutes(10))) struct ExporterTests {
    static func export(_ h: FakeHarness, output: URL, kinds: Set<String>? = nil) async throws -> ExportResult {
        let database = try StateDatabase(url: output.appendingPathComponent("state/state.sqlite"))
        let exporter = Exporter(
            client: try h.client(), catalog: .standard, state: database, downloads: AsyncHTTPTransport(),
            retry: FakeHarness.fastRetry)
        return try await exporter.run(ExportOptions(output: output, kinds: kinds, toolVersion: "test"))
    }

    /// Entry paths and bytes of an archive.
    static func entries(_ url: URL) throws -> [String: [UInt8]] {
        let reader = try ArchiveReader(url: url)
        var out: [String: [UInt8]] = [:]
        while let entry = try reader.next() { out[entry.path] = try reader.readAll(limit: 64 << 20) }
        return out
    }

    /// With 5% of CDN downloads failing, the archive holds every binary, byte for byte, or the
    /// export is partial and names exactly the missing ones; never complete with one missing.
    @Test func cdnFailuresGiveACompleteArchiveOrAPartialOneThatNamesTheMissingBinary() async throws {
        let h = try await FakeHarness.start(records: 1500) {
            $0.faults.seed = 4
            $0.faults.cdnFailureRate = 0.05
        }
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let result = try await Self.export(h, output: out, kinds: ["files"])
            let ws = try #require(await h.fake.workspace("acme"))
            let binaries = ws.objects(kind: "files").filter { $0["type"]?.stringValue != "link" }
            #expect(binaries.count > 10)
            let entries = try Self.entries(result.archive)
            let missing = Set(result.missingBinaries.map(\.fileID))
            #expect(Set(result.manifest.files.failed) == missing)
            #expect(result.isPartial == !missing.isEmpty)
            #expect(result.manifest.complete == missing.isEmpty)
            for file in binaries {
                let id = try #require(file["_id"]?.stringValue)
                let handle = try #require(file["handle"]?.stringValue)
                if missing.contains(id) {
                    #expect(entries["files/\(id)"] == nil)
                } else {
                    #expect(entries["files/\(id)"] == ws.binaries[handle], "binary of \(id)")
                }
            }
            #expect(await h.fake.cdnFaultCount > 0, "the CDN should have failed some downloads")
            #expect(result.manifest.files.downloaded + missing.count == binaries.count)
            let report = try ArchiveChecker(catalog: .standard).verify(result.archive)
            #expect(report.isIntact, "\(report.problems)")
            #expect(report.manifest.formatVersion == 2)
        }
    }

    /// A binary the CDN no longer has makes the export partial, naming the file record.
    @Test func aMissingBinaryMakesThePartialExportNameIt() async throws {
        let h = try await FakeHarness.start(records: 800)
        try await h.stopAfter {
            let (_, id, handle) = try #require(await h.storedBinaryFile())
            await h.fake.withWorkspace("acme") { $0.binaries[handle] = nil }
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let result = try await Self.export(h, output: out, kinds: ["files"])
            #expect(result.isPartial)
            #expect(result.missingBinaries.map(\.fileID) == [id])
            #expect(result.missingBinaries.first?.reason.contains("404") == true)
            #expect(result.manifest.files.failed == [id])
            #expect(!result.manifest.complete)
        }
    }

    /// A binary left by a killed run is checked before it is trusted: a damaged one is fetched again.
    @Test func aResumedExportChecksBinariesItAlreadyHas() async throws {
        let h = try await FakeHarness.start(records: 800)
        try await h.stopAfter {
            let ws = try #require(await h.fake.workspace("acme"))
            let (file, id, handle) = try #require(await h.storedBinaryFile())
            let dir = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let downloader = BinaryDownloaderProbe(dir: dir)
            let target = try #require(downloader.target(of: file, id: id))
            // A short file where the binary should be: refetched.
            try Data([1, 2, 3]).write(to: dir.appendingPathComponent(id))
            #expect(try await downloader.fetch(target) == "downloaded")
            #expect(Array(try Data(contentsOf: dir.appendingPathComponent(id))) == ws.binaries[handle])
            // A good one: kept.
            #expect(try await downloader.fetch(target) == "alreadyHeld")
            let mode =
                try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(id).path)[
                    .posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
        }
    }

    /// Comments of a file trashed during the export come once, and the file is asked once, also
    /// when the server refuses batched scopes and every parent costs a call of its own.
    @Test(arguments: [true, false])
    func aFileTrashedDuringTheReadKeepsEachCommentOnceAndIsAskedOnce(batched: Bool) async throws {
        let h = try await FakeHarness.start(records: 3000) { $0.acceptsBatchedCommentScopes = batched }
        try await h.stopAfter {
            let ws = try #require(await h.fake.workspace("acme"))
            let comments = ws.objects(kind: "comments")
            let onFiles = comments.filter { $0["entityType"]?.stringValue == "file" }
            let fileID = try #require(onFiles.first?["entityId"]?.stringValue)
            let expected = Set(
                onFiles.filter { $0["entityId"]?.stringValue == fileID }.compactMap { $0["_id"]?.stringValue })
            let client = try h.client()
            let journal = MemoryJournal()
            var reader = WorkspaceReader(client: client, catalog: .standard)
            reader.parentBatch = 10  // the live file and its trash row land in different batches
            _ = try await reader.read(
                into: journal,
                onKindDone: { summary in
                    // Someone deletes the file while the export runs: it is held live and in a trash row.
                    if summary.kind == "files" {
                        _ = try await client.send(.delete, "files", body: ["_id": .string(fileID)])
                    }
                })
            let held = await journal.held
            #expect(held["trash-bin"]?.contains { (try? $0.parsed())?["entityId"]?.stringValue == fileID } == true)
            let got = (held["comments"] ?? []).map(\.id)
            #expect(got.count == Set(got).count, "comments written twice: \(got.count - Set(got).count)")
            #expect(expected.isSubset(of: Set(got)))
            let asked = await h.fake.requestLog().filter {
                $0.path.hasSuffix("/comments") && $0.status == 200 && $0.query.contains(fileID)
            }
            #expect(asked.count == 1, "the trashed file was asked \(asked.count) times")
            // A refused batch costs one call in the whole read, not one per batch of parents.
            let refused = await h.fake.requestLog().filter { $0.path.hasSuffix("/comments") && $0.status == 400 }
            #expect(refused.count == (batched ? 0 : 1), "\(refused.count) refused batches")
        }
    }

    /// Trashed tasks take their comments to the trash (contract §5.1): they are not asked.
    @Test func trashedTasksAreNotAskedForComments() async throws {
        let h = try await FakeHarness.start(records: 3000)
        try await h.stopAfter {
            let trashedTasks = (await h.fake.workspace("acme"))!.trashedObjects().filter { $0.kind == "tasks" }
                .compactMap { $0.object["_id"]?.stringValue }
            #expect(!trashedTasks.isEmpty)
            let journal = MemoryJournal()
            _ = try await WorkspaceReader(client: try h.client(), catalog: .standard).read(into: journal)
            let log = await h.fake.requestLog().filter { $0.path.hasSuffix("/comments") }
            for id in trashedTasks { #expect(!log.contains { $0.query.contains(id) }, "trashed task \(id) was asked") }
        }
    }
}

/// Drives the engine's downloader through its internal API (file on disk, checks, outcome).
struct BinaryDownloaderProbe {
    let dir: URL

    func target(of file: JSONObject, id: String) -> BinaryTarget? {
        guard let url = file["url"]?.stringValue.flatMap(URL.init(string:)) else { return nil }
        let size = file["size"]?.numberValue.map { Int($0) }
        return BinaryTarget(
            id: id, url: url, bytes: size, sha256: nil,
            fingerprint: .init(handle: file["handle"]?.stringValue ?? url.absoluteString, size: size, updatedAt: nil))
    }

    func fetch(_ target: BinaryTarget) async throws -> String {
        let downloader = BinaryDownloader(transport: AsyncHTTPTransport(), policy: FakeHarness.fastRetry)
        switch try await downloader.fetch(target, into: dir) {
        case .downloaded: return "downloaded"
        case .alreadyHeld: return "alreadyHeld"
        case .reused: return "reused"
        case .failed(let reason): return "failed: \(reason)"
        }
    }
}
