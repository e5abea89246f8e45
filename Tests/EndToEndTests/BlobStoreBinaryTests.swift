import Archive
import FakeHarness
import FakePlutio
import Foundation
import Testing

/// The blob store through the binary: `kill -9` of an export and of a prune loses no blob an
/// archive names, and `verify --deep` passes on every archive afterwards.
@Suite(.serialized, .timeLimit(.minutes(10))) final class BlobStoreBinaryTests {
    let scratch: URL

    init() throws { scratch = try PlutioBackupBinaryTests.temporary() }
    deinit { try? FileManager.default.removeItem(at: scratch) }

    var out: URL { scratch.appendingPathComponent("out") }
    var store: BlobStore { BlobStore(root: out.appendingPathComponent("blobs")) }

    func export(_ h: FakeHarness) -> [String] {
        PlutioBackupBinaryTests.exportArguments(
            h, output: out, extra: ["--kinds", "files", "--blob-store", store.root.path])
    }

    func prune() -> [String] { ["prune", out.path, "--keep-last", "2", "--grace-minutes", "0"] }

    /// Every archive in the output directory passes `verify --deep`.
    func expectEveryArchiveVerifiesDeep() async throws {
        let archives = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".tar.zst") }
        #expect(!archives.isEmpty)
        for name in archives {
            let run = try await PlutioBackupBinaryTests.run(["verify", "--deep", out.appendingPathComponent(name).path])
            #expect(run.status == 0, "\(name): \(run.stdout) \(run.stderr)")
        }
    }

    /// Starts `arguments`, waits until `ready` holds (or the run ends), then `ms` milliseconds,
    /// and kills it; answers whether it was still running. The waiting is done on a thread of its
    /// own: on a busy machine the cooperative pool would oversleep past the run's end.
    func kill(
        _ arguments: [String], after ms: Int, environment: [String: String] = PlutioBackupBinaryTests.secret,
        when ready: @escaping @Sendable () -> Bool = { true }
    ) async throws -> Bool {
        try await offThePool {
            let (process, _, _) = try PlutioBackupBinaryTests.launch(arguments, environment: environment)
            let start = Date()
            while !ready(), process.isRunning, Date().timeIntervalSince(start) < 30 { usleep(2000) }
            usleep(UInt32(ms * 1000))
            let running = process.isRunning
            if running { Foundation.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return running
        }
    }

    @Test func killedExportsAndKilledPrunesLoseNoBlobAnArchiveNames() async throws {
        let h = try await FakeHarness.start(records: 800)
        try await h.stopAfter {
            let first = try await PlutioBackupBinaryTests.run(export(h), environment: PlutioBackupBinaryTests.secret)
            #expect(first.status == 0, "\(first.stderr)")

            // Night 2, killed twice while it downloads (a slow CDN), a sweep after each kill
            // (grace 0: the killed run's blobs are unnamed and go), then run to the end.
            _ = await h.fake.churnFiles("acme", fraction: 0.3, seed: 21)
            await h.fake.reconfigure { $0.faults.cdnDelay = 0.05 }
            var killedExports = 0
            for _ in 0..<2 {
                let store = self.store
                let blobs = try store.blobs().count
                let incoming = store.incoming.path
                if try await kill(
                    export(h), after: 20,
                    when: {
                        (try? store.blobs().count).map { $0 > blobs } == true
                            || ((try? FileManager.default.contentsOfDirectory(atPath: incoming))?.isEmpty == false)
                    })
                {
                    killedExports += 1
                }
                let pruned = try await PlutioBackupBinaryTests.run(prune())
                #expect(pruned.status == 0, "\(pruned.stderr)")
                try await expectEveryArchiveVerifiesDeep()
            }
            #expect(killedExports == 2)
            await h.fake.reconfigure { $0.faults.cdnDelay = 0 }
            try await Task.sleep(for: .milliseconds(1100))
            let second = try await PlutioBackupBinaryTests.run(export(h), environment: PlutioBackupBinaryTests.secret)
            #expect(second.status == 0, "\(second.stderr)")
            try await expectEveryArchiveVerifiesDeep()

            // Two more nights, then prunes killed at random moments, each followed by a check.
            for night in 0..<2 {
                _ = await h.fake.churnFiles("acme", fraction: 0.3, seed: 30 + UInt64(night))
                try await Task.sleep(for: .milliseconds(1100))
                let run = try await PlutioBackupBinaryTests.run(export(h), environment: PlutioBackupBinaryTests.secret)
                #expect(run.status == 0, "\(run.stderr)")
            }
            var random = SeededRandom(seed: 4)
            var killedPrunes = 0
            for _ in 0..<5 {
                if try await kill(prune(), after: 5 + Int(random.next() % 120), environment: [:]) { killedPrunes += 1 }
                try await expectEveryArchiveVerifiesDeep()
            }
            #expect(killedPrunes > 0)
            let final = try await PlutioBackupBinaryTests.run(prune())
            #expect(final.status == 0, "\(final.stderr)")
            #expect(final.stdout.contains("blob store \(store.root.path):"), "\(final.stdout)")
            try await expectEveryArchiveVerifiesDeep()
            // The store holds exactly what the two remaining archives name.
            var named = Set<String>()
            for name in try FileManager.default.contentsOfDirectory(atPath: out.path) where name.hasSuffix(".tar.zst") {
                _ = try ArchiveVerifier.forEachBinary(of: out.appendingPathComponent(name)) { named.insert($0.sha256) }
            }
            #expect(Set(try store.blobs().map(\.digest)) == named)
        }
    }

    /// `extract` gives back chosen binaries with the served bytes from an archive of each layout,
    /// and the records as JSON; a moved store is named, a link has no binary (exit 3), and a
    /// directory holding files is refused.
    @Test func extractGivesBackTheServedBytesFromEachLayout() async throws {
        let h = try await FakeHarness.start(records: 600)
        try await h.stopAfter {
            let embedded = scratch.appendingPathComponent("embedded")
            let one = try await PlutioBackupBinaryTests.run(
                PlutioBackupBinaryTests.exportArguments(h, output: embedded, extra: ["--kinds", "files"]),
                environment: PlutioBackupBinaryTests.secret)
            #expect(one.status == 0, "\(one.stderr)")
            let stored = try await PlutioBackupBinaryTests.run(export(h), environment: PlutioBackupBinaryTests.secret)
            #expect(stored.status == 0, "\(stored.stderr)")
            let ws = try #require(await h.fake.workspace("acme"))
            let files = ws.objects(kind: "files")
            let withBinary = files.filter { $0["handle"]?.stringValue != nil }.prefix(3)
            let link = try #require(files.first { $0["handle"]?.stringValue == nil })
            #expect(withBinary.count == 3)

            for (layout, archive) in [("embedded", one.lastLine), ("store", stored.lastLine)] {
                let to = scratch.appendingPathComponent("x-\(layout)")
                let ids = withBinary.compactMap { $0["_id"]?.stringValue }
                let run = try await PlutioBackupBinaryTests.run(
                    ["extract", archive, "--to", to.path, "--records"] + ids.flatMap { ["--id", $0] })
                #expect(run.status == 0, "\(layout): \(run.stdout) \(run.stderr)")
                let written = try FileManager.default.contentsOfDirectory(atPath: to.path).filter {
                    $0 != "records.json"
                }
                #expect(written.count == 3, "\(layout): \(written)")
                for file in withBinary {
                    let id = file["_id"]?.stringValue ?? ""
                    let line = try #require(
                        run.stdout.split(separator: "\n").first { $0.hasSuffix("(file record \(id))") })
                    let path = String(line).components(separatedBy: "  ")[0]
                    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                    #expect(Array(bytes) == ws.binaries[file["handle"]?.stringValue ?? ""], "\(layout) \(id)")
                    #expect(sha256Hex(Array(bytes)) == sha256Hex(ws.binaries[file["handle"]?.stringValue ?? ""] ?? []))
                }
                let records = try JSONSerialization.jsonObject(
                    with: Data(contentsOf: to.appendingPathComponent("records.json")))
                #expect((records as? [[String: Any]])?.compactMap { $0["_id"] as? String }.sorted() == ids.sorted())

                // A link has no binary: said, exit 3. A directory holding files is refused.
                let linkRun = try await PlutioBackupBinaryTests.run(
                    ["extract", archive, "--id", link["_id"]?.stringValue ?? "", "--to", to.path + "-link"])
                #expect(linkRun.status == 3, "\(linkRun.stdout) \(linkRun.stderr)")
                #expect(linkRun.stdout.contains("no binary"))
                let again = try await PlutioBackupBinaryTests.run(["extract", archive, "--id", ids[0], "--to", to.path])
                #expect(again.status == 2)
                #expect(again.stderr.contains("not empty"), "\(again.stderr)")
            }

            // The store moved: the message says so, and --blob-store finds it.
            let moved = scratch.appendingPathComponent("moved-blobs")
            try FileManager.default.moveItem(at: store.root, to: moved)
            let id = try #require(withBinary.first?["_id"]?.stringValue)
            let lost = try await PlutioBackupBinaryTests.run(
                [
                    "extract", stored.lastLine, "--where", #"{"_id":"\#(id)"}"#, "--to",
                    scratch.appendingPathComponent("lost").path,
                ])
            #expect(lost.status != 0)
            #expect(lost.stderr.contains("--blob-store"), "\(lost.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("lost").path))
            let found = try await PlutioBackupBinaryTests.run(
                [
                    "extract", stored.lastLine, "--where", #"{"_id":"\#(id)"}"#, "--to",
                    scratch.appendingPathComponent("found").path, "--blob-store", moved.path,
                ])
            #expect(found.status == 0, "\(found.stderr)")
        }
    }
}
