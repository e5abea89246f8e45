import Archive
import Backup
import Export
import FakeHarness
import FakePlutio
import Foundation
import Synchronization
import Testing

/// Retention's mark and sweep of a blob store: only blobs no remaining archive names go, never
/// beside an export, never when an archive cannot be read.
@Suite struct BlobSweepTests {
    /// The digests an archive names in its store.
    static func named(_ archive: URL) throws -> Set<String> {
        var out = Set<String>()
        _ = try ArchiveVerifier.forEachBinary(of: archive) { if $0.isInStore { out.insert($0.sha256) } }
        return out
    }

    static func digests(_ store: BlobStore) throws -> Set<String> { Set(try store.blobs().map(\.digest)) }

    /// A fake seeded with `records`, a new output directory with its store in `blobs`, and a first
    /// export of acme's files into them.
    static func firstNight(
        records: Int, _ body: (FakeHarness, URL, BlobStore, ExportResult) async throws -> Void
    ) async throws {
        let h = try await FakeHarness.start(records: records)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let store = BlobStore(root: out.appendingPathComponent("blobs"))
            try await body(h, out, store, try await FakeHarness.exportFiles(h, to: out, store: store.root))
        }
    }

    @Test func freesOnlyWhatNoRemainingArchiveNamesAndTheDryRunSaysSoFirst() async throws {
        try await Self.firstNight(records: 800) { h, out, store, first in
            _ = await h.fake.churnFiles("acme", fraction: 0.3, seed: 11)
            try await Task.sleep(for: .milliseconds(1100))
            let second = try await FakeHarness.exportFiles(h, to: out, store: store.root)
            let onlyFirst = try Self.named(first.archive).subtracting(Self.named(second.archive))
            #expect(!onlyFirst.isEmpty)
            let before = try Self.digests(store)
            let freeable = try store.blobs().filter { onlyFirst.contains($0.digest) }.reduce(0) { $0 + $1.bytes }

            // Both archives stay: nothing is unnamed.
            let none = try BlobSweep(store: store, grace: 0).run(also: [out])
            #expect(none.freedBlobs == 0)
            #expect(none.archivesRead == 2)
            // A dry run excluding the first archive (as prune's plan deletes it) deletes nothing.
            let dry = try BlobSweep(store: store, grace: 0).run(
                dryRun: true, also: [out], excluding: [first.archive.standardizedFileURL.path])
            #expect(dry.freedBlobs == onlyFirst.count)
            #expect(dry.freedBytes == freeable)
            #expect(try Self.digests(store) == before)

            try FileManager.default.removeItem(at: first.archive)
            // Within the grace period the unnamed blobs stay.
            let young = try BlobSweep(store: store).run(also: [out])
            #expect(young.freedBlobs == 0)
            #expect(young.young == onlyFirst.count)
            let swept = try BlobSweep(store: store, grace: 0).run(also: [out])
            #expect(swept == dry)
            #expect(try Self.digests(store) == Self.named(second.archive))
            #expect(try ArchiveVerifier(deep: true).verify(second.archive).isIntact)
        }
    }

    @Test func refusesWhenAnArchiveCannotBeReadOrARegisteredDirectoryIsGone() async throws {
        try await Self.firstNight(records: 300) { h, out, store, first in
            try FileManager.default.removeItem(at: first.archive)
            let before = try Self.digests(store)
            #expect(!before.isEmpty)

            let broken = out.appendingPathComponent("acme-20260101T000000Z.tar.zst")
            try Data("not an archive".utf8).write(to: broken)
            #expect(throws: BlobSweep.Refusal.self) { try BlobSweep(store: store, grace: 0).run(also: [out]) }
            do { _ = try BlobSweep(store: store, grace: 0).run(also: [out]) } catch {
                #expect(error.localizedDescription.contains(broken.path))
                #expect(error.localizedDescription.contains("move it out of the directory or delete it"))
            }
            #expect(try Self.digests(store) == before)
            try FileManager.default.removeItem(at: broken)

            let elsewhere = out.appendingPathComponent("elsewhere")
            try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
            try store.register(archiveDirectory: elsewhere)
            try FileManager.default.removeItem(at: elsewhere)
            #expect(throws: BlobSweep.Refusal.self) { try BlobSweep(store: store, grace: 0).run(also: [out]) }
            #expect(try Self.digests(store) == before)
            let registration = try #require(store.registeredDirectories().first { $0.directory.path == elsewhere.path })
            try FileManager.default.removeItem(at: registration.registration)

            // With both fixed the sweep frees what no archive names: here every blob.
            let swept = try BlobSweep(store: store, grace: 0).run(also: [out])
            #expect(swept.freedBlobs == before.count)
            #expect(try Self.digests(store).isEmpty)
        }
    }

    /// A sweep started while an export runs deletes nothing, though every blob is unnamed until
    /// the export's archive is written: the export reuses them all, and its archive verifies.
    @Test func aSweepDuringAnExportDeletesNothing() async throws {
        try await Self.firstNight(records: 800) { h, out, store, first in
            try FileManager.default.removeItem(at: first.archive)
            let before = try Self.digests(store)
            try await Task.sleep(for: .milliseconds(1100))
            let refusals = Mutex<[BlobSweep.Refusal]>([])
            let second = try await FakeHarness.exportFiles(h, to: out, store: store.root) { event in
                guard case .progress = event else { return }
                do { _ = try BlobSweep(store: store, grace: 0).run(also: [out]) } catch let refusal as BlobSweep.Refusal
                {
                    refusals.withLock { $0.append(refusal) }
                } catch {}
            }
            let seen = refusals.withLock { $0 }
            #expect(!seen.isEmpty)
            #expect(seen.allSatisfy { if case .busy = $0 { true } else { false } })
            #expect(second.manifest.files.fetched == 0)
            #expect(try Self.digests(store) == before)
            #expect(try ArchiveVerifier(deep: true).verify(second.archive).isIntact)
            // After the export the sweep runs, and frees nothing the new archive names.
            let swept = try BlobSweep(store: store, grace: 0).run(also: [out])
            #expect(swept.freedBlobs == 0)
            #expect(swept.named == before.count)
        }
    }

    /// A store moved after an archive was written is still that archive's store: the archive's
    /// blobs are marked though its manifest names the old path.
    @Test func archivesNamingTheStoreByAnOldPathStillKeepTheirBlobs() async throws {
        let h = try await FakeHarness.start(records: 800)
        try await h.stopAfter {
            let base = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: base) }
            let old = base.appendingPathComponent("old-store")
            let first = try await FakeHarness.exportFiles(h, to: base.appendingPathComponent("one"), store: old)
            let moved = base.appendingPathComponent("new-store")
            try FileManager.default.moveItem(at: old, to: moved)
            _ = await h.fake.churnFiles("acme", fraction: 0.3, seed: 12)
            try await Task.sleep(for: .milliseconds(1100))
            let two = base.appendingPathComponent("two")
            let second = try await FakeHarness.exportFiles(h, to: two, store: moved)
            let store = BlobStore(root: moved)
            let onlyFirst = try Self.named(first.archive).subtracting(Self.named(second.archive))
            #expect(!onlyFirst.isEmpty)
            let swept = try BlobSweep(store: store, grace: 0).run(also: [two])
            #expect(swept.archivesRead == 2)
            #expect(swept.freedBlobs == 0)
            #expect(onlyFirst.isSubset(of: try Self.digests(store)))
            #expect(try ArchiveVerifier(blobStore: moved, deep: true).verify(first.archive).isIntact)
        }
    }
}
