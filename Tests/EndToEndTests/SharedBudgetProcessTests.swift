import FakeHarness
import FakePlutio
import Foundation
import Testing

/// Two `plutio-backup export` processes under one API client share its rate budget.
@Suite(.serialized, .timeLimit(.minutes(10))) struct SharedBudgetProcessTests {
    @Test func twoProcessesOfOneClientNeverExceedTheBudget() async throws {
        let accounts = [
            AccountSpec(subdomain: "acme", clientID: "agency", secret: "s3cret"),
            AccountSpec(subdomain: "globex", clientID: "agency", secret: "s3cret"),
        ]
        let h = try await FakeHarness.start(accounts: accounts, records: 1500) {
            $0.limitCap = 7
            $0.rate = RateLimit(limit: 60, window: 1)
        }
        try await h.stopAfter {
            let out = try PlutioBackupBinaryTests.temporary()
            defer { try? FileManager.default.removeItem(at: out) }
            let state = out.appendingPathComponent("state").path
            func launch(_ business: String) throws -> (Process, Pipe) {
                let (process, _, err) = try PlutioBackupBinaryTests.launch(
                    [
                        "export", "--api-url", h.server.baseURL.absoluteString, "--business", business, "--client-id",
                        "agency",
                        "--output", out.appendingPathComponent(business).path, "--state", state, "--rate", "60/1s",
                        "--no-files",
                        "--kinds", "tasks,people,time-tracks,comments",
                    ], environment: ["PLUTIO_CLIENT_SECRET": "s3cret"])
                return (process, err)
            }
            let (a, aErr) = try launch("acme")
            let (b, bErr) = try launch("globex")
            let aText = try await offThePool {
                String(decoding: aErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            }
            let bText = try await offThePool {
                String(decoding: bErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            }
            try await offThePool {
                a.waitUntilExit()
                b.waitUntilExit()
            }
            #expect(a.terminationStatus == 0, "\(aText)")
            #expect(b.terminationStatus == 0, "\(bText)")
            let log = await h.fake.requestLog()
            #expect(Set(log.compactMap(\.business)) == ["acme", "globex"])
            #expect(log.count > 150, "the exports should span several windows")
            #expect(!log.contains { $0.status == 429 }, "\(log.filter { $0.status == 429 }.count) calls answered 429")
            let times = log.filter { $0.clientID == "agency" && $0.counted }
            let peak = log.peakCalls(client: "agency", window: 1)
            #expect(peak <= 60, "\(peak) calls in one second")
            print(
                "shared budget figures: \(times.count) calls by two processes, peak \(peak) in any 1 s window of a 60/1s budget"
            )
        }
    }

    /// An export and an import of one API client, in two processes with their own --state and no
    /// ledger flag, share one budget: the ledger is one per user by default.
    @Test func anExportAndAnImportOfOneClientShareTheBudgetByDefault() async throws {
        let accounts = [
            AccountSpec(subdomain: "acme", clientID: "agency", secret: "s3cret"),
            AccountSpec(subdomain: "globex", clientID: "agency", secret: "s3cret", empty: true),
        ]
        let h = try await FakeHarness.start(accounts: accounts, records: 150) {
            $0.limitCap = 7
            $0.rate = RateLimit(limit: 60, window: 5)
        }
        try await h.stopAfter {
            let out = try PlutioBackupBinaryTests.temporary()
            defer { try? FileManager.default.removeItem(at: out) }
            // The user's own state home: the default ledger of both processes.
            let environment = [
                "PLUTIO_CLIENT_SECRET": "s3cret", "XDG_STATE_HOME": out.appendingPathComponent("home").path,
            ]
            let connection = ["--api-url", h.server.baseURL.absoluteString, "--client-id", "agency", "--rate", "60/5s"]
            let first = try await PlutioBackupBinaryTests.run(
                ["export", "--business", "acme", "--output", out.appendingPathComponent("first").path, "--no-files"]
                    + connection, environment: environment)
            #expect(first.status == 0, "\(first.stderr)")
            await h.fake.clearRequestLog()
            let (export, _, exportErr) = try PlutioBackupBinaryTests.launch(
                [
                    "export", "--business", "acme", "--output", out.appendingPathComponent("second").path,
                    "--state", out.appendingPathComponent("export-state").path, "--no-files",
                ] + connection, environment: environment)
            let (importer, _, importErr) = try PlutioBackupBinaryTests.launch(
                [
                    "import", first.lastLine, "--business", "globex", "--state",
                    out.appendingPathComponent("import-state").path,
                ]
                    + connection, environment: environment)
            let exportText = try await offThePool {
                String(decoding: exportErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            }
            let importText = try await offThePool {
                String(decoding: importErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            }
            try await offThePool {
                export.waitUntilExit()
                importer.waitUntilExit()
            }
            #expect(export.terminationStatus == 0, "\(exportText)")
            #expect([0, 3].contains(importer.terminationStatus), "\(importText)")
            let log = await h.fake.requestLog()
            #expect(Set(log.compactMap(\.business)) == ["acme", "globex"])
            #expect(log.count > 120, "the two runs should span several windows")
            #expect(!log.contains { $0.status == 429 }, "\(log.filter { $0.status == 429 }.count) calls answered 429")
            let peak = log.peakCalls(client: "agency", window: 5)
            #expect(peak <= 60, "\(peak) calls in one 5 s window")
            print(
                "shared budget figures (export + import, default ledger): \(log.count) calls, peak \(peak) in any "
                    + "5 s window of a 60/5s budget, no 429"
            )
        }
    }
}
