import Archive
import Backup
import FakeHarness
import FakePlutio
import Foundation
import Testing

/// `backup` with each account's blob store: a second night downloads only what changed, retention
/// sweeps what no archive names, and opting out later leaves no blob behind.
@Suite struct BackupStoreTests {
    func config(_ h: FakeHarness, in dir: URL, extra: String = "") throws -> BackupConfig {
        let file = dir.appendingPathComponent("plutio-backup.yaml")
        try Data(
            """
            output: archives
            ledger: ledger
            retention: {keepLast: 1}
            blobGraceMinutes: 0
            \(extra)
            accounts:
              - {name: acme, business: acme, apiURL: "\(h.server.baseURL.absoluteString)", clientID: acme-client, secretEnv: S}
            """.utf8
        ).write(to: file)
        return try BackupConfig.load(file)
    }

    func backUp(_ config: BackupConfig) async throws -> BackupRunner.AccountResult {
        let runner = BackupRunner(config: config, toolVersion: "test", environment: ["S": "acme-secret"])
        return try #require(await runner.run(config.accounts).first)
    }

    @Test func aSecondNightDownloadsOnlyWhatChangedAndRetentionSweepsTheStore() async throws {
        let h = try await FakeHarness.start(records: 800)
        try await h.stopAfter {
            let dir = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let config = try config(h, in: dir)
            let store = BlobStore(root: config.outputDirectory.appendingPathComponent("acme/blobs"))

            let first = try await backUp(config)
            #expect(first.status == .ok, "\(first.error ?? "")")
            #expect((first.fetchedBytes ?? 0) > 0)
            #expect(first.addedBytes == first.fetchedBytes)
            let churn = await h.fake.churnFiles("acme", fraction: 0.3, seed: 5)
            try await Task.sleep(for: .milliseconds(1100))
            let second = try await backUp(config)
            #expect(second.status == .ok, "\(second.error ?? "")")
            #expect(second.fetchedBytes == churn.bytesAdded)
            #expect(second.pruned == 1)
            #expect((second.freedBytes ?? 0) > 0)
            #expect(second.sweepWarning == nil)
            let archive = URL(fileURLWithPath: try #require(second.archive))
            var named = Set<String>()
            _ = try ArchiveVerifier.forEachBinary(of: archive) { named.insert($0.sha256) }
            #expect(Set(try store.blobs().map(\.digest)) == named)
            #expect(second.storeBytes == (try store.totalBytes().bytes))
            #expect(try ArchiveVerifier(deep: true).verify(archive).isIntact)
            let status = try #require(AccountStatus.read(config, accounts: config.accounts).first)
            #expect(status.storeBytes == second.storeBytes)
            #expect(status.addedBytes == second.addedBytes)

            // Opting out: the next archive holds its binaries, and once retention lets the last
            // archive naming the store go, its blobs go too.
            try await Task.sleep(for: .milliseconds(1100))
            let optedOut = try await backUp(try self.config(h, in: dir, extra: "blobStore: false"))
            #expect(optedOut.status == .ok, "\(optedOut.error ?? "")")
            let third = try ArchiveVerifier.manifest(of: URL(fileURLWithPath: try #require(optedOut.archive)))
            #expect(third.formatVersion == Manifest.selfContainedFormatVersion)
            #expect(try store.blobs().isEmpty)
        }
    }
}
