import Archive
import Export
import FakeHarness
import FakePlutio
import Foundation
import PlutioAPI
import StateStore
import Testing

/// Exports into a blob store (format version 3): binaries stored once by digest, downloaded
/// again only when their record changed, and checked by the format check in the store.
@Suite struct BlobStoreExportTests {
    static func export(_ h: FakeHarness, output: URL, store: URL) async throws -> ExportResult {
        try await FakeHarness.exportFiles(h, to: output, store: store)
    }

    @Test func aSecondExportReusesUnchangedBinariesAndAMissingOrCorruptBlobIsNamed() async throws {
        let h = try await FakeHarness.start(records: 800)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let storeURL = out.appendingPathComponent("blobs")
            let first = try await Self.export(h, output: out, store: storeURL)
            let files = first.manifest.files
            #expect(first.manifest.formatVersion == 3)
            #expect(first.manifest.blobStore?.path == "blobs")
            #expect(files.downloaded > 10)
            #expect(files.fetched == files.downloaded)
            #expect(files.reused == 0)
            let store = BlobStore(root: storeURL)
            let (blobs, bytes) = try store.totalBytes()
            #expect(blobs == files.addedBlobs)
            #expect(bytes == files.addedBytes)
            // The archive holds no binary; its index names each in the store, served bytes equal.
            let ws = try #require(await h.fake.workspace("acme"))
            var named = 0
            try ArchiveVerifier.forEachBinary(of: first.archive) { entry in
                #expect(entry.isInStore)
                let record = ws.objects(kind: "files").first { $0["_id"]?.stringValue == entry.fileId }
                let handle = record?["handle"]?.stringValue ?? ""
                let stored = try Data(contentsOf: store.url(of: entry.sha256))
                #expect(Array(stored) == ws.binaries[handle], "binary of \(entry.fileId)")
                named += 1
            }
            #expect(named == files.downloaded)
            #expect(try ArchiveVerifier().verify(first.archive).isIntact)

            // Unchanged records: nothing is downloaded again, nothing is added to the store.
            try await Task.sleep(for: .milliseconds(1100))
            let second = try await Self.export(h, output: out, store: storeURL)
            let again = second.manifest.files
            #expect(again.downloaded == files.downloaded)
            #expect(again.fetched == 0)
            #expect(again.reused == files.downloaded)
            #expect(again.addedBlobs == 0)
            #expect(try ArchiveVerifier(deep: true).verify(second.archive).isIntact)

            // A blob deleted by hand fails the check; one corrupted fails the deep check.
            var entries: [BinaryIndexEntry] = []
            try ArchiveVerifier.forEachBinary(of: second.archive) { entries.append($0) }
            let gone = try #require(entries.first)
            let damaged = try #require(entries.last)
            try FileManager.default.removeItem(at: store.url(of: gone.sha256))
            var bytesOfDamaged = try Data(contentsOf: store.url(of: damaged.sha256))
            bytesOfDamaged[0] ^= 0xFF
            try bytesOfDamaged.write(to: store.url(of: damaged.sha256))
            let shallow = try ArchiveVerifier().verify(second.archive)
            #expect(shallow.problems.count == 1)
            #expect(shallow.problems.first?.contains("file record \(gone.fileId)") == true)
            #expect(shallow.problems.first?.contains("missing from the blob store") == true)
            let deep = try ArchiveVerifier(deep: true).verify(second.archive)
            #expect(deep.problems.contains { $0.contains("file record \(damaged.fileId)") && $0.contains("corrupted") })
        }
    }

    @Test func afterAChurnOnlyTheNewAndReplacedBinariesAreDownloaded() async throws {
        let h = try await FakeHarness.start(records: 800)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let storeURL = out.appendingPathComponent("blobs")
            let first = try await Self.export(h, output: out, store: storeURL)
            let churn = await h.fake.churnFiles("acme", fraction: 0.2, seed: 7)
            #expect(churn.replaced > 0)
            #expect(churn.uploaded > 0)
            try await Task.sleep(for: .milliseconds(1100))
            let second = try await Self.export(h, output: out, store: storeURL)
            let files = second.manifest.files
            #expect(files.fetched == churn.replaced + churn.uploaded)
            #expect(files.fetchedBytes == churn.bytesAdded)
            #expect(files.addedBytes == churn.bytesAdded)
            #expect(files.reused == first.manifest.files.downloaded - churn.replaced - churn.deleted)
            #expect(try ArchiveVerifier(deep: true).verify(second.archive).isIntact)
        }
    }
}
