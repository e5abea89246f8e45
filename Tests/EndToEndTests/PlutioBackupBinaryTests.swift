import Archive
import Catalog
import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import Testing

/// Runs the built `plutio-backup` against an in-process fake and checks output and exit codes.
@Suite(.serialized, .timeLimit(.minutes(10))) struct PlutioBackupBinaryTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var lastLine: String { stdout.split(separator: "\n").last.map(String.init) ?? "" }
    }

    static func launch(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        try launchProduct("plutio-backup", arguments, environment: environment)
    }

    /// Runs the binary to completion, off the cooperative pool.
    /// Runs the binary (or `via`, e.g. /usr/bin/time, with the binary among `arguments`).
    static func run(
        _ arguments: [String], environment: [String: String] = [:], via: String? = nil
    ) async throws
        -> Run
    {
        try await offThePool {
            let (process, out, err) =
                try via.map { try launchProgram(URL(fileURLWithPath: $0), arguments, environment: environment) }
                ?? launch(arguments, environment: environment)
            // Read both pipes at once so neither can fill up and block the child.
            let errData = LockedData()
            let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
            reader.start()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            while !errData.isSet { usleep(1000) }
            return Run(
                status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: errData.value, as: UTF8.self))
        }
    }

    static func exportArguments(_ h: FakeHarness, output: URL, extra: [String] = []) -> [String] {
        [
            "export", "--api-url", h.server.baseURL.absoluteString, "--business", "acme", "--client-id", "acme-client",
            "--output", output.path, "--state", output.appendingPathComponent("state").path,
        ] + extra
    }

    static let secret = ["PLUTIO_CLIENT_SECRET": "acme-secret"]

    static func temporary() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every NDJSON line of an archive, by kind.
    static func archiveRecords(_ url: URL) throws -> [String: [[UInt8]]] {
        let reader = try ArchiveReader(url: url)
        var out: [String: [[UInt8]]] = [:]
        while let entry = try reader.next() {
            let data = try reader.readAll(limit: 256 << 20)
            guard entry.path.hasPrefix("records/") else { continue }
            let kind = String(entry.path.dropFirst("records/".count).dropLast(".ndjson".count))
            out[kind] = data.split(separator: 0x0A).map(Array.init)
        }
        return out
    }

    @Test func exportsACompleteVerifiableArchiveUnderCapsMutationAndFaults() async throws {
        let h = try await FakeHarness.start(records: 3000) {
            $0.limitCap = 50
            $0.mutations = MutationPlan(every: 5, seed: 3)
            $0.faults.seed = 9
            $0.faults.serverErrorRate = 0.02
            $0.faults.dropBeforeRate = 0.01
        }
        try await h.stopAfter {
            let before = await h.serverRecords()
            let out = try Self.temporary()
            defer { try? FileManager.default.removeItem(at: out) }
            let export = try await Self.run(Self.exportArguments(h, output: out), environment: Self.secret)
            #expect(export.status == 0, "\(export.stderr)")
            let archive = URL(fileURLWithPath: export.lastLine)
            #expect(archive.lastPathComponent.hasPrefix("acme-") && archive.pathExtension == "zst")
            #expect(!export.stderr.contains("acme-secret") && !export.stdout.contains("acme-secret"))
            let after = await h.serverRecords()
            let got = try Self.archiveRecords(archive)
            for (kind, records) in before where kind != "trash-bin" {
                let lines = got[kind] ?? []
                #expect(lines.count == Set(lines).count, "\(kind): duplicates")
                // Records that existed throughout and did not change are in the archive byte for byte.
                let unchanged = Set(records).intersection(after[kind] ?? [])
                #expect(
                    unchanged.isSubset(of: Set(lines)),
                    "\(kind): \(unchanged.subtracting(lines).count) unchanged records missing")
            }
            let verify = try await Self.run(["verify", archive.path])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            #expect(verify.stdout.contains("OK"))
            let archivePath = archive.path
            let (tarStatus, titles) = try await offThePool {
                try shell("tar --zstd -xOf '\(archivePath)' records/tasks.ndjson | jq -r .title | wc -l")
            }
            #expect(tarStatus == 0)
            #expect(Int(titles.trimmingCharacters(in: .whitespacesAndNewlines)) == got["tasks"]?.count)
        }
    }

    @Test func resumesAfterKillsWithoutRefetchingPages() async throws {
        func fake() async throws -> FakeHarness {
            try await FakeHarness.start(records: 2500) {
                $0.limitCap = 7
                $0.rate = RateLimit(limit: 400, window: 1)
            }
        }
        // Uninterrupted, for the call count.
        let baseline = try await fake()
        let plain = try Self.temporary()
        defer { try? FileManager.default.removeItem(at: plain) }
        let once = try await Self.run(
            Self.exportArguments(baseline, output: plain, extra: ["--no-files", "--rate", "100/1s"]),
            environment: Self.secret)
        #expect(once.status == 0, "\(once.stderr)")
        let baselineCalls = await baseline.fake.requestLog().filter { !$0.path.hasSuffix("/oauth/token") }.count
        await baseline.stop()

        let h = try await fake()
        try await h.stopAfter {
            let out = try Self.temporary()
            defer { try? FileManager.default.removeItem(at: out) }
            var random = SeededRandom(seed: 77)
            var kills = 0
            for _ in 0..<5 {
                let (process, _, _) = try Self.launch(
                    Self.exportArguments(h, output: out, extra: ["--no-files", "--rate", "100/1s"]),
                    environment: Self.secret)
                try await Task.sleep(for: .milliseconds(250 + Int(random.next() % 450)))
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
                try await offThePool { process.waitUntilExit() }
            }
            let final = try await Self.run(
                Self.exportArguments(h, output: out, extra: ["--no-files", "--rate", "100/1s"]),
                environment: Self.secret)
            #expect(final.status == 0, "\(final.stderr)")
            #expect(kills == 5, "the export should still have been running at every kill")
            let log = await h.fake.requestLog().filter { !$0.path.hasSuffix("/oauth/token") }
            let calls = log.count
            let byStatus = Dictionary(grouping: log, by: \.status).mapValues(\.count)
            let byPath = Dictionary(grouping: log, by: { $0.path }).mapValues(\.count).sorted { $0.value > $1.value }
                .prefix(4)
            print("resume figures: \(calls) list calls with \(kills) kills, \(baselineCalls) uninterrupted")
            #expect(
                Double(calls) <= Double(baselineCalls) * 1.05,
                "\(calls) calls with kills, \(baselineCalls) without; \(byStatus) \(byPath)")
            let archive = URL(fileURLWithPath: final.lastLine)
            let got = try Self.archiveRecords(archive)
            let expected = await h.serverRecords()
            for (kind, records) in expected {
                #expect(Set(got[kind] ?? []) == Set(records), "\(kind)")
                #expect((got[kind] ?? []).count == records.count, "\(kind): duplicates")
            }
            #expect(try await Self.run(["verify", archive.path]).status == 0)
        }
    }

    /// A server that writes JSON non-canonically (spacing, `1.50`, `1e3`, `\u00e9`, key order):
    /// the archive keeps each record's bytes exactly as served, and verify accepts them.
    @Test func archivesNonCanonicalRecordBytesUnchanged() async throws {
        let h = try await FakeHarness.start(records: 800) { $0.nonCanonicalBytes = true }
        try await h.stopAfter {
            let out = try Self.temporary()
            defer { try? FileManager.default.removeItem(at: out) }
            let export = try await Self.run(
                Self.exportArguments(h, output: out, extra: ["--no-files"]), environment: Self.secret)
            #expect(export.status == 0, "\(export.stderr)")
            let got = try Self.archiveRecords(URL(fileURLWithPath: export.lastLine))
            let served = await h.serverRecords()
            #expect(served["people"]?.contains { String(decoding: $0, as: UTF8.self).contains(#"\u00"#) } == true)
            for (kind, records) in served {
                #expect(
                    (got[kind] ?? []).sorted { $0.lexicographicallyPrecedes($1) }
                        == records.sorted { $0.lexicographicallyPrecedes($1) }, "\(kind)")
            }
            #expect(try await Self.run(["verify", export.lastLine]).status == 0)
        }
    }

    /// `prune` keeps what its rules say, shows it first under --dry-run, and refuses an empty policy.
    @Test func prunesByRetentionRules() async throws {
        let dir = try Self.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = Bundle.module.url(forResource: "Fixtures/good", withExtension: "tar.zst")!
        let names = (1...4).map { "acme-2026110\($0)T030000Z.tar.zst" }
        for name in names { try FileManager.default.copyItem(at: good, to: dir.appendingPathComponent(name)) }
        let empty = try await Self.run(["prune", dir.path])
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("Give at least one --keep-* rule"))
        let dry = try await Self.run(["prune", dir.path, "--keep-last", "2", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("2 kept, 2 would be deleted (dry run)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).count == 4)
        let real = try await Self.run(["prune", dir.path, "--keep-last", "2"])
        #expect(real.status == 0, "\(real.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == Array(names.suffix(2)))
    }

    @Test func exitCodesFollowTheTable() async throws {
        let h = try await FakeHarness.start(records: 300) { $0.faults.refusedKinds = ["automations"] }
        try await h.stopAfter {
            let out = try Self.temporary()
            defer { try? FileManager.default.removeItem(at: out) }
            let refused = try await Self.run(
                Self.exportArguments(h, output: out, extra: ["--no-files"]), environment: Self.secret)
            #expect(refused.status == 3, "\(refused.stderr)")
            #expect(refused.stderr.contains("automations"))
            let archive = URL(fileURLWithPath: refused.lastLine)
            let manifest = try ArchiveVerifier.manifest(of: archive)
            #expect(manifest.kinds["automations"]?.complete == false)
            #expect(manifest.complete == false)

            let badSecret = try await Self.run(
                Self.exportArguments(h, output: out), environment: ["PLUTIO_CLIENT_SECRET": "not-the-secret"])
            #expect(badSecret.status == 4)
            #expect(badSecret.stderr.contains("client id or secret is wrong"))
            #expect(!badSecret.stderr.contains("not-the-secret"))
            let noBusiness = try await Self.run(
                ["export", "--output", out.path, "--client-id", "x"], environment: Self.secret)
            #expect(noBusiness.status == 2)
            #expect(noBusiness.stderr.contains("--business"))
            let unknownKind = try await Self.run(
                Self.exportArguments(h, output: out, extra: ["--kinds", "tasks,nope"]), environment: Self.secret)
            #expect(unknownKind.status == 2)
            #expect(unknownKind.stderr.contains("nope"))
        }
    }

    /// `--json` reports every checkpoint; the second export of a workspace has the first one's
    /// cost to estimate from, and a terminal shows kind, records, calls, budget and ETA in place.
    @Test func reportsProgressPerPageWithAnETAFromTheLastExport() async throws {
        let h = try await FakeHarness.start(records: 1500) { $0.limitCap = 50 }
        try await h.stopAfter {
            let out = try Self.temporary()
            defer { try? FileManager.default.removeItem(at: out) }
            let args = Self.exportArguments(h, output: out, extra: ["--no-files", "--json"])
            let first = try await Self.run(args, environment: Self.secret)
            #expect(first.status == 0, "\(first.stderr)")
            let events = first.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
            #expect(events.first?["event"] == "started" && events.first?["history"] == false)
            let taskPages = events.filter { $0["event"] == "progress" && $0["kind"] == "tasks" }
            #expect(taskPages.count > 5, "one event per checkpointed page")
            let counts = taskPages.compactMap { $0["records"]?.numberValue }
            #expect(counts == counts.sorted() && counts.count == Set(counts).count)
            let second = try await Self.run(args, environment: Self.secret)
            #expect(
                second.stdout.split(separator: "\n").first.flatMap { try? JSONValue.parse(String($0)) }?["history"]
                    == true)

            // A terminal (script(1) gives the child one): the status line is redrawn in place.
            let command =
                ([products.appendingPathComponent("plutio-backup").path]
                + Self.exportArguments(h, output: out, extra: ["--no-files"])).map { "'\($0)'" }.joined(separator: " ")
            let (status, screen) = try await offThePool {
                try shell("PLUTIO_CLIENT_SECRET=acme-secret script -qec \"\(command)\" /dev/null")
            }
            #expect(status == 0, "\(screen)")
            #expect(screen.contains("\r\u{1B}[K"), "redrawn in place")
            #expect(screen.contains(" records, ") && screen.contains(" calls · budget 1000/1h, "))
            #expect(
                screen.range(of: #"ETA [0-9]+(s|m [0-9]{2}s)"#, options: .regularExpression) != nil,
                "\(screen.suffix(600))"
            )
        }
    }

    @Test(arguments: [
        ("future-version", "Upgrade and retry"), ("path-traversal", "unsafe entry"),
        ("truncated", "Truncated zstd input"), ("checksum-mismatch", "SHA-256"),
        ("repeated-id", "1 record(s) repeat an _id, e.g. E6FYC9Pi582gBe8Rj"),
    ])
    func verifyAndInspectRefuseBadArchives(name: String, phrase: String) async throws {
        let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "tar.zst")!
        let verify = try await Self.run(["verify", url.path])
        #expect(verify.status == 1)
        #expect((verify.stdout + verify.stderr).contains(phrase), "\(verify.stdout)\(verify.stderr)")
        if !["checksum-mismatch", "repeated-id"].contains(name) {
            let inspect = try await Self.run(["inspect", url.path, "--kind", "tasks"])
            #expect(inspect.status == 1, "\(inspect.stdout)")
        }
    }

    @Test func inspectFiltersWithTheQueryLanguage() async throws {
        let url = Bundle.module.url(forResource: "Fixtures/good", withExtension: "tar.zst")!
        let summary = try await Self.run(["inspect", url.path])
        #expect(summary.status == 0)
        #expect(summary.stdout.split(separator: "\n").contains { $0.hasPrefix("tasks ") && $0.hasSuffix(" 2") })
        let done = try await Self.run(["inspect", url.path, "--kind", "tasks", "--where", #"{"status":"completed"}"#])
        #expect(done.stdout.split(separator: "\n").count == 1)
        #expect(done.stdout.contains("E6FYC9Pi582gBe8Rj"))
        let bad = try await Self.run(["inspect", url.path, "--kind", "tasks", "--where", #"{"a":{"$where":1}}"#])
        #expect(bad.status == 2)
        let missing = try await Self.run(["inspect", url.path, "--kind", "invoices"])
        #expect(missing.status == 2)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderr.contains("The archive has no kind invoices; it has: "), "\(missing.stderr)")
    }
}

/// Data written once by another thread.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ d: Data) { lock.withLock { data = d } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}

/// Runs a shell pipeline; answers its status and output.
func shell(_ command: String) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
