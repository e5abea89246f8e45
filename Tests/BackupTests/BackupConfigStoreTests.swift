import Backup
import Foundation
import Testing

/// Where `backup` keeps an account's binaries, from the configuration.
@Suite struct BackupConfigStoreTests {
    func load(_ extra: String) throws -> BackupConfig {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("plutio-backup.yaml")
        try Data(
            """
            output: archives
            \(extra)
            accounts:
              - {name: acme, business: acme, clientID: c, secretEnv: S}
            """.utf8
        ).write(to: file)
        return try BackupConfig.load(file)
    }

    @Test func eachAccountHasAStoreUnlessTheConfigurationOptsOut() throws {
        let byDefault = try load("")
        let account = try #require(byDefault.accounts.first)
        #expect(byDefault.blobStore(of: account)?.path == byDefault.outputDirectory.path + "/acme/blobs")
        #expect(try load("blobStore: false").blobStore(of: account) == nil)
        #expect(try load("files: false").blobStore(of: account) == nil)
        #expect(try load("blobGraceMinutes: 0").blobGraceMinutes == 0)
        #expect(throws: ConfigError.self) { try load("blobGraceMinutes: -1") }
        #expect(throws: ConfigError.self) { try load("blobstore: true") }
    }
}
