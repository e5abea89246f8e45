import Archive
import FakeHarness
import FakePlutio
import Foundation
import Testing

/// `backup` and `status` over a configuration file, and the secret search (issue 11).
@Suite(.serialized, .timeLimit(.minutes(10))) final class BackupBinaryTests {
    let scratch: URL

    init() throws { scratch = try PlutioBackupBinaryTests.temporary() }
    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Writes `text` to `name` in the scratch directory with `mode`.
    func write(_ text: String, _ name: String, mode: Int = 0o600) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        return url
    }

    /// Three accounts, two of one API client: the shared budget (60/1s) is never exceeded, the
    /// account with a wrong secret fails alone (exit 3), every archive written verifies, and
    /// `status` says so the morning after.
    @Test func backsUpThreeAccountsOfTwoClientsAndSurvivesBadCredentials() async throws {
        let accounts = [
            AccountSpec(subdomain: "acme", clientID: "agency", secret: "agency-secret"),
            AccountSpec(subdomain: "globex", clientID: "agency", secret: "agency-secret"),
            AccountSpec(subdomain: "initech", clientID: "initech-client", secret: "initech-secret"),
        ]
        let h = try await FakeHarness.start(accounts: accounts, records: 700) {
            $0.limitCap = 20
            $0.rate = RateLimit(limit: 60, window: 1)
        }
        try await h.stopAfter {
            let api = h.server.baseURL.absoluteString
            _ = try write("not-the-secret\n", "initech.secret")
            let config = try write(
                """
                output: archives
                retention: {keepLast: 1}
                rates: {agency: 60/1s, initech-client: 60/1s}
                concurrency: 2
                accounts:
                  - {name: acme, business: acme, apiURL: "\(api)", clientID: agency, secretEnv: AGENCY_SECRET}
                  - {name: globex, business: globex, apiURL: "\(api)", clientID: agency, secretEnv: AGENCY_SECRET}
                  - {name: initech, business: initech, apiURL: "\(api)", clientID: initech-client, secretFile: initech.secret}
                """, "plutio-backup.yaml")
            let environment = ["AGENCY_SECRET": "agency-secret"]
            let first = try await PlutioBackupBinaryTests.run(
                ["backup", "--config", config.path], environment: environment)
            #expect(first.status == 3, "\(first.stdout)\n\(first.stderr)")
            let rows = first.stdout.split(separator: "\n").map {
                $0.split(separator: " ", omittingEmptySubsequences: true)
            }
            #expect(rows.contains { $0.first == "acme" && $0.dropFirst().first == "OK" }, "\(first.stdout)")
            #expect(rows.contains { $0.first == "globex" && $0.dropFirst().first == "OK" }, "\(first.stdout)")
            #expect(rows.contains { $0.first == "initech" && $0.dropFirst().first == "FAILED" }, "\(first.stdout)")
            #expect(first.stdout.contains("account initech: "), "the failure says why")
            #expect(first.stderr.contains("backup: archive verified"), "\(first.stderr)")
            for name in ["acme", "globex"] {
                let dir = scratch.appendingPathComponent("archives/\(name)")
                let archives = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
                    $0.hasSuffix(".tar.zst")
                }
                #expect(archives.count == 1)
                let verify = try await PlutioBackupBinaryTests.run(
                    ["verify", dir.appendingPathComponent(archives[0]).path])
                #expect(verify.status == 0, "\(verify.stdout)")
            }
            let log = await h.fake.requestLog()
            #expect(!log.contains { $0.status == 429 }, "\(log.filter { $0.status == 429 }.count) calls answered 429")
            let times = log.filter { $0.clientID == "agency" && $0.counted }
            let peak = log.peakCalls(client: "agency", window: 1)
            #expect(times.count > 120, "the two accounts should span several windows")
            #expect(peak <= 60, "\(peak) calls in one second")
            print("backup shared budget figures: \(times.count) calls of one client, peak \(peak) in any 1 s of 60/1s")

            let status = try await PlutioBackupBinaryTests.run(["status", "--config", config.path])
            #expect(status.status == 3, "\(status.stdout)")
            #expect(status.stdout.contains("acme (acme): acme-"), "\(status.stdout)")
            #expect(status.stdout.contains("verify OK"), "\(status.stdout)")
            #expect(status.stdout.contains("WARNING: last run failed"), "\(status.stdout)")

            // The next night: acme alone, as JSON; the retention keeps one archive.
            try await Task.sleep(for: .seconds(1.1))
            let again = try await PlutioBackupBinaryTests.run(
                ["backup", "--config", config.path, "--account", "acme", "--json"], environment: environment)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.lastLine.contains("\"event\":\"summary\"") && again.lastLine.contains("\"ok\":1"))
            #expect(again.stderr.isEmpty, "--json writes no log lines: \(again.stderr)")
            let acme = try FileManager.default.contentsOfDirectory(
                atPath: scratch.appendingPathComponent("archives/acme").path
            ).filter { $0.hasSuffix(".tar.zst") }
            #expect(acme.count == 1, "keepLast 1: \(acme)")
        }
    }

    /// A bad configuration is a usage error that says what to change, and never shows a secret.
    @Test func refusesInlineSecretsOpenSecretFilesAndUnknownKeys() async throws {
        let inline = try write(
            "output: out\naccounts:\n  - {name: a, business: a, clientID: c, secret: Inline-Secret-123}\n",
            "inline.yaml")
        let refused = try await PlutioBackupBinaryTests.run(["backup", "--config", inline.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--allow-inline-secret"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("Inline-Secret-123") && !refused.stdout.contains("Inline-Secret-123"))

        _ = try write("Open-Secret-456\n", "open.secret", mode: 0o644)
        let open = try write(
            "output: out\naccounts:\n  - {name: a, business: a, apiURL: \"http://127.0.0.1:9\", clientID: c, secretFile: open.secret}\n",
            "open.yaml")
        let opened = try await PlutioBackupBinaryTests.run(["backup", "--config", open.path])
        #expect(opened.status == 1, "every account failed: \(opened.stdout) \(opened.stderr)")
        #expect(opened.stdout.contains("chmod 600"), "\(opened.stdout)")
        #expect(!(opened.stdout + opened.stderr).contains("Open-Secret-456"))

        // A syntax error on the secret's own line: the message names the place, not the text.
        let broken = try write(
            "output: out\naccounts:\n  - {name: a, business: a, clientID: c, secret: \"Broken-Secret-789}\n",
            "broken.yaml")
        let brokenRun = try await PlutioBackupBinaryTests.run(["backup", "--config", broken.path])
        #expect(brokenRun.status == 2)
        #expect(
            brokenRun.stderr.contains("is not valid YAML") && brokenRun.stderr.contains("line"), "\(brokenRun.stderr)")
        #expect(!(brokenRun.stdout + brokenRun.stderr).contains("Broken-Secret-789"))

        let typo = try write("output: out\nretention: {keepDayly: 7}\naccounts: []\n", "typo.yaml")
        let typoRun = try await PlutioBackupBinaryTests.run(["status", "--config", typo.path])
        #expect(typoRun.status == 2)
        #expect(typoRun.stderr.contains("retention.keepDayly"), "\(typoRun.stderr)")
    }

    /// backup, migrate and restore --trash with a recognisable secret, and a run with a wrong
    /// one: no output stream and no file written (archives read inside, SQLite files as bytes)
    /// holds it; every file written is 0600 and every directory 0700.
    @Test func noSecretInAnyOutputOrFileAndEveryFileIsPrivate() async throws {
        let canary = "Canary-Secret-9f3b71"
        let globex = AccountSpec(subdomain: "globex", clientID: "globex-client", secret: canary, empty: true)
        let acme = AccountSpec(subdomain: "acme", clientID: "acme-client", secret: canary)
        let h = try await FakeHarness.start(accounts: [acme, globex], records: 300)
        try await h.stopAfter {
            let api = h.server.baseURL.absoluteString
            let work = scratch.appendingPathComponent("work")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let config = try write(
                """
                output: work/archives
                state: work/state
                accounts:
                  - {name: acme, business: acme, apiURL: "\(api)", clientID: acme-client, secretEnv: ACME_SECRET}
                """, "canary.yaml")
            var streams: [String] = []
            func run(_ arguments: [String], _ environment: [String: String]) async throws -> PlutioBackupBinaryTests.Run
            {
                let r = try await PlutioBackupBinaryTests.run(arguments, environment: environment)
                streams += [r.stdout, r.stderr]
                return r
            }
            let backup = try await run(["backup", "--config", config.path], ["ACME_SECRET": canary])
            #expect(backup.status == 0, "\(backup.stdout) \(backup.stderr)")
            try await Task.sleep(for: .seconds(1.1))
            let json = try await run(["backup", "--config", config.path, "--json"], ["ACME_SECRET": canary])
            #expect(json.status == 0)
            let connection = { (business: String) in
                ["--api-url", api, "--business", business, "--client-id", "\(business)-client"]
            }
            let migrate = try await run(
                [
                    "migrate", "--output", work.appendingPathComponent("migrate").path, "--state",
                    work.appendingPathComponent("migrate-state").path, "--source-api-url", api, "--source-business",
                    "acme", "--source-client-id", "acme-client", "--target-api-url", api, "--target-business", "globex",
                    "--target-client-id", "globex-client", "--json",
                ], ["PLUTIO_CLIENT_SECRET": canary])
            #expect(migrate.status == 0 || migrate.status == 3, "\(migrate.stderr)")
            let ws = try #require(await h.fake.workspace("acme"))
            let project = try #require(
                ws.objects(kind: "projects").first { $0["isTemplate"] != .bool(true) }?["_id"]?.stringValue)
            #expect(try await h.client(acme).delete("projects", id: project))
            // The seeded trash holds rows deleted before any backup: only the project's row.
            let row = try #require(
                await h.fake.workspace("acme")?.trashRows().first { $0["entityId"]?.stringValue == project }?["_id"]?
                    .stringValue)
            let restore = try await run(
                [
                    "restore", "--trash", "--archives", work.appendingPathComponent("archives/acme").path, "--state",
                    work.appendingPathComponent("restore-state").path, "--purge-trash", "--row", row,
                ] + connection("acme"), ["PLUTIO_CLIENT_SECRET": canary])
            #expect(restore.status == 0, "\(restore.stdout) \(restore.stderr)")
            // A wrong secret, flag and environment: the error names neither.
            let wrong = try await run(
                [
                    "export", "--output", work.appendingPathComponent("wrong").path, "--state",
                    work.appendingPathComponent("wrong-state").path, "--client-secret", canary + "-wrong",
                ] + connection("acme"), [:])
            #expect(wrong.status == 4, "\(wrong.stderr)")

            for (i, stream) in streams.enumerated() {
                #expect(!stream.contains(canary), "output stream \(i) holds the secret")
            }
            let written =
                FileManager.default.enumerator(at: work, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL } ?? []
            var files = 0
            var archives = 0
            // Positive controls: the search sees the client id in SQLite files and the project's id
            // inside archives, so a secret stored alike would be found.
            var controls = (sqlite: false, archive: false)
            for url in written {
                let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
                let mode = (attributes[.posixPermissions] as? Int ?? 0) & 0o777
                if attributes[.type] as? FileAttributeType == .typeDirectory {
                    #expect(mode == 0o700, "\(url.path) is \(String(mode, radix: 8))")
                    continue
                }
                files += 1
                #expect(mode == 0o600, "\(url.path) is \(String(mode, radix: 8))")
                let bytes = try Data(contentsOf: url)
                #expect(bytes.range(of: Data(canary.utf8)) == nil, "\(url.path) holds the secret")
                if url.lastPathComponent.hasPrefix("state.sqlite"), bytes.range(of: Data("acme-client".utf8)) != nil {
                    controls.sqlite = true
                }
                if url.lastPathComponent.hasSuffix(".tar.zst") {
                    archives += 1
                    let reader = try ArchiveReader(url: url)
                    while let entry = try reader.next() {
                        var content = Data()
                        try reader.readChunks { content.append(contentsOf: $0) }
                        #expect(content.range(of: Data(canary.utf8)) == nil, "\(url.lastPathComponent)/\(entry.path)")
                        if content.range(of: Data(project.utf8)) != nil { controls.archive = true }
                    }
                }
            }
            #expect(files > 10 && archives >= 3, "\(files) files, \(archives) archives searched")
            #expect(written.contains { $0.lastPathComponent == "state.sqlite" })
            #expect(controls.sqlite && controls.archive)
            print("secret search figures: \(streams.count) output streams, \(files) files, \(archives) archives")
        }
    }
}
