import Archive
import FakeHarness
import FakePlutio
import Foundation
import Testing

/// What a new user meets first, on the built binary: help and version, a dead server, a wrong
/// URL, the modes of what an export writes, a binary that cannot be downloaded, a large binary.
@Suite(.timeLimit(.minutes(10))) struct FirstContactTests {
    typealias Run = PlutioBackupBinaryTests.Run

    static func run(
        _ arguments: [String], environment: [String: String] = [:], via: String? = nil
    ) async throws
        -> Run
    {
        try await PlutioBackupBinaryTests.run(arguments, environment: environment, via: via)
    }

    @Test(arguments: [
        ["--help"], ["help"], ["export", "--help"], ["help", "export"], ["verify", "--help"], ["inspect", "--help"],
        ["prune", "--help"],
        ["-h"],
    ])
    func helpPrintsAndExitsZero(arguments: [String]) async throws {
        let help = try await Self.run(arguments)
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdout.hasPrefix("OVERVIEW: "), "\(help.stdout.prefix(200))")
        #expect(help.stdout.contains("USAGE: plutio-backup"))
        #expect(!help.stdout.contains("CommandError") && help.stderr.isEmpty)
    }

    @Test func versionPrintsAndExitsZero() async throws {
        let version = try await Self.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+\n$"#, options: .regularExpression) != nil)
    }

    @Test func theExitCodeTableIsInTheHelp() async throws {
        let help = try await Self.run(["--help"])
        for code in ["0    success", "3    partial", "4    authentication", "130  interrupted"] {
            #expect(help.stdout.contains(code), "\(code)")
        }
    }

    /// Connection refused ends within about a minute (RetryPolicy's attempts, no retries hidden
    /// in the HTTP client), names the URL, and exits 1.
    @Test func anUnreachableServerEndsWithinAMinuteNamingTheURL() async throws {
        let out = try PlutioBackupBinaryTests.temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let start = ContinuousClock.now
        let dead = try await Self.run(
            [
                "export", "--api-url", "http://127.0.0.1:1/v1.11", "--business", "acme", "--client-id", "c",
                "--output", out.path, "--state", out.appendingPathComponent("state").path,
            ], environment: ["PLUTIO_CLIENT_SECRET": "s3cr3t-value"])
        let elapsed = ContinuousClock.now - start
        #expect(dead.status == 1, "\(dead.stderr)")
        // RetryPolicy's eight attempts and nothing more (their waits, about a minute, are checked
        // on a virtual clock in PolicyTests); the bound only guards against a hang on a busy machine.
        #expect(dead.stderr.contains("after 8 attempts"), "\(dead.stderr)")
        #expect(elapsed < .seconds(240), "took \(elapsed)")
        #expect(dead.stderr.contains("http://127.0.0.1:1/v1.11/oauth/token"), "\(dead.stderr)")
        #expect(dead.stderr.contains("Connection refused"))
        #expect(!dead.stderr.contains("s3cr3t-value"))
    }

    /// A base URL without the version prefix reaches no token route: the message says the URL
    /// looks wrong, not the credentials.
    @Test func aWrongAPIPathIsReportedAsAWrongURL() async throws {
        let h = try await FakeHarness.start(records: 0)
        try await h.stopAfter {
            let out = try PlutioBackupBinaryTests.temporary()
            defer { try? FileManager.default.removeItem(at: out) }
            let wrong = h.server.baseURL.deletingLastPathComponent().appendingPathComponent("v1.10").absoluteString
            let run = try await Self.run(
                [
                    "export", "--api-url", wrong, "--business", "acme", "--client-id", "acme-client", "--output",
                    out.path,
                    "--state", out.appendingPathComponent("state").path,
                ], environment: PlutioBackupBinaryTests.secret)
            #expect(run.status == 1, "\(run.stderr)")
            #expect(run.stderr.contains("--api-url looks wrong"), "\(run.stderr)")
            #expect(!run.stderr.contains("client id or secret is wrong"))
        }
    }

    /// Archives, staging and state are the owner's only; a binary the CDN lost makes the export
    /// partial (exit 3) and the summary and manifest name its file record.
    @Test func exportsPrivatelyAndNamesAMissingBinaryWithExit3() async throws {
        let h = try await FakeHarness.start(records: 800)
        try await h.stopAfter {
            let (_, id, handle) = try #require(await h.storedBinaryFile())
            await h.fake.withWorkspace("acme") { $0.binaries[handle] = nil }
            let root = try PlutioBackupBinaryTests.temporary()
            defer { try? FileManager.default.removeItem(at: root) }
            let out = root.appendingPathComponent("backups")
            let export = try await Self.run(
                PlutioBackupBinaryTests.exportArguments(h, output: out), environment: PlutioBackupBinaryTests.secret)
            #expect(export.status == 3, "\(export.stderr)")
            #expect(export.stderr.contains("file \(id): "), "\(export.stderr)")
            #expect(export.stderr.contains("PARTIAL: 1 file binaries missing: \(id)"))
            let archive = URL(fileURLWithPath: export.lastLine)
            let manifest = try ArchiveVerifier.manifest(of: archive)
            #expect(manifest.files.failed == [id] && !manifest.complete)
            func mode(_ url: URL) throws -> Int {
                (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue
                    ?? -1
            }
            #expect(try mode(archive) == 0o600)
            #expect(try mode(out) == 0o700)
            let state = out.appendingPathComponent("state")
            #expect(try mode(state) == 0o700)
            #expect(try mode(state.appendingPathComponent("state.sqlite")) == 0o600)
            let verify = try await Self.run(["verify", archive.path])
            #expect(verify.status == 0, "\(verify.stdout)")
            #expect(verify.stdout.contains("1 MISSING (download failed): \(id)"))
            try await Self.expectManifestMatchesTheSchema(archive)
            try await Self.expectManifestMatchesTheSchema(
                Bundle.module.url(forResource: "Fixtures/good", withExtension: "tar.zst")!)
        }
    }

    /// The manifest that verify reads validates against schemas/manifest.schema.json.
    static func expectManifestMatchesTheSchema(_ archive: URL) async throws {
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schemas/manifest.schema.json")
        let check =
            "import json,sys,jsonschema; jsonschema.validate(json.load(sys.stdin), json.load(open(sys.argv[1]))); print('valid')"
        let (status, output) = try await offThePool {
            try shell("tar --zstd -xOf '\(archive.path)' manifest.json | python3 -c \"\(check)\" '\(schema.path)' 2>&1")
        }
        #expect(status == 0 && output.contains("valid"), "\(archive.lastPathComponent): \(output)")
    }

    /// The export streams binaries to disk: its peak memory does not grow with a binary's size.
    @Test func aLargeBinaryDoesNotGrowTheExportsMemory() async throws {
        func peakKiB(binaryBytes: Int) async throws -> Int {
            let h = try await FakeHarness.start(records: 200)
            return try await h.stopAfter {
                let (_, id, handle) = try #require(await h.storedBinaryFile())
                var bytes = [UInt8](repeating: 0, count: binaryBytes)
                for i in stride(from: 0, to: bytes.count, by: 4096) { bytes[i] = UInt8(truncatingIfNeeded: i >> 12) }
                await h.fake.withWorkspace("acme") { $0.binaries[handle] = bytes }
                _ = try await h.client().send(
                    .put, "files", body: ["_id": .string(id), "size": .number(Double(binaryBytes))])
                let out = try PlutioBackupBinaryTests.temporary()
                defer { try? FileManager.default.removeItem(at: out) }
                let stats = out.appendingPathComponent("time.txt")
                let run = try await Self.run(
                    ["-f", "%M", "-o", stats.path, products.appendingPathComponent("plutio-backup").path]
                        + PlutioBackupBinaryTests.exportArguments(h, output: out, extra: ["--kinds", "files"]),
                    environment: PlutioBackupBinaryTests.secret, via: "/usr/bin/time")
                #expect(run.status == 0, "\(run.stderr)")
                let archive = URL(fileURLWithPath: run.lastLine)
                let entries = try ArchiveReader(url: archive)
                var sizes: [String: Int] = [:]
                while let e = try entries.next() { sizes[e.path] = e.size }
                #expect(sizes.values.contains(binaryBytes), "the binary is in the archive")
                let text = try String(contentsOf: stats, encoding: .utf8)
                return Int(text.split(separator: "\n").last.map(String.init) ?? "") ?? -1
            }
        }
        let small = try await peakKiB(binaryBytes: 1 << 20)
        let large = try await peakKiB(binaryBytes: 50 << 20)
        #expect(small > 0 && large > 0)
        #expect(large - small < 20 << 10, "peak RSS \(small) KiB with 1 MiB, \(large) KiB with 50 MiB")
    }
}
