import Archive
import ArgumentParser
import Backup
import Export
import FakeHarness
import FakePlutio
import Foundation
import PlutioAPI
import Session
import StateStore

/// What nightly backups cost with and without the blob store: one seeded workspace with large
/// binaries, a share of its files changed each night, and each night exported twice (binaries in
/// the archive; binaries in a store), each layout's archives named for the simulated night and
/// pruned by the same retention rules (the store swept after). Per night: bytes downloaded and the
/// size of each output directory.
struct NightlyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "Bytes downloaded and output directory size over simulated nights, blob store vs embedded binaries.")

    @Option(help: "Nights to simulate.") var nights = 30
    @Option(help: "Share of the files changed each night, in percent (e.g. 1 or 1%).") var churn = "1%"
    @Option(help: "Records to seed (about one in fifty is a file with a binary).") var records = 5000
    @Option(help: "Binary sizes, MIN..MAX, drawn log-uniformly.") var fileBytes = "100KB..30MB"
    @Option(help: "Seed of the workspace and of the changes.") var seed: UInt64 = 1
    @Option(help: "Scratch directory (default: a new one under the temporary directory); removed afterwards.")
    var scratch: String?

    struct Layout {
        let name: String
        let output: URL
        let state: URL
        let store: BlobStore?
        var sizes: [Int] = []
        var downloaded: [Int] = []
        var seconds: [Double] = []
    }

    func run() async throws {
        guard let share = Double(churn.trimmingCharacters(in: CharacterSet(charactersIn: "% "))), share >= 0,
            share <= 100
        else { throw ValidationError("--churn: give a percentage such as 1%") }
        guard let range = FakeConfig.byteRange(fileBytes) else {
            throw ValidationError("--file-bytes: give MIN..MAX, such as 100KB..30MB")
        }
        let base =
            scratch.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("plutio-nightly-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }

        let h = try await FakeHarness.start(records: records, seed: seed) { $0.fileBytes = range }
        try await h.stopAfter {
            guard let ws = await h.fake.workspace("acme") else { throw ValidationError("the fake has no acme") }
            let seededBytes = ws.binaries.values.reduce(0) { $0 + $1.count }
            print(
                "nightly: \(records) records, \(ws.binaries.count) binaries of \(mb(seededBytes)) (\(fileBytes)), "
                    + "\(nights) nights, \(churn) of the files changed each night, retention 7 daily, 4 weekly, 12 monthly"
            )
            var layouts = [
                Layout(
                    name: "embedded", output: base.appendingPathComponent("embedded/acme"),
                    state: base.appendingPathComponent("embedded-state"), store: nil),
                Layout(
                    name: "store", output: base.appendingPathComponent("store/acme"),
                    state: base.appendingPathComponent("store-state"),
                    store: BlobStore(root: base.appendingPathComponent("store/acme/blobs"))),
            ]
            let policy = RetentionPolicy(daily: 7, weekly: 4, monthly: 12)
            let firstNight = Date(timeIntervalSince1970: 1_790_820_000)  // 2026-10-01T02:00:00Z
            var churned: [Int] = []
            print("night  changed   churned      downloaded (embedded / store)     output dir (embedded / store)")
            for night in 0..<nights {
                let now = firstNight.addingTimeInterval(Double(night) * 86400)
                var changedFiles = 0
                if night > 0 {
                    let c = await h.fake.churnFiles("acme", fraction: share / 100, seed: seed &+ UInt64(night))
                    changedFiles = c.uploaded + c.replaced + c.deleted
                    churned.append(c.bytesAdded)
                }
                for i in layouts.indices {
                    let clock = ContinuousClock.now
                    let result = try await export(h, layouts[i])
                    let named = layouts[i].output.appendingPathComponent(
                        ArchiveName.make(business: "acme", startedAt: now))
                    try FileManager.default.moveItem(at: result.archive, to: named)
                    _ = try Pruner(directory: layouts[i].output, policy: policy).prune(now: now, verify: { _ in true })
                    if let store = layouts[i].store {
                        _ = try BlobSweep(store: store, grace: 0).run(also: [layouts[i].output])
                    }
                    layouts[i].seconds.append((ContinuousClock.now - clock).seconds)
                    layouts[i].downloaded.append(result.manifest.files.fetchedBytes ?? 0)
                    layouts[i].sizes.append(try Self.size(of: layouts[i].output))
                }
                print(
                    String(format: "%5d", night + 1) + "  " + pad("\(changedFiles) files", 8) + "  "
                        + pad(night == 0 ? "-" : mb(churned.last ?? 0), 10) + "  "
                        + pad("\(mb(layouts[0].downloaded[night])) / \(mb(layouts[1].downloaded[night]))", 32)
                        + "  \(mb(layouts[0].sizes[night])) / \(mb(layouts[1].sizes[night]))")
            }
            report(layouts, churned: churned)
        }
    }

    func report(_ layouts: [Layout], churned: [Int]) {
        for layout in layouts {
            let full = layout.sizes[0]
            let final = layout.sizes.last ?? 0
            let peak = layout.sizes.max() ?? 0
            let later = layout.downloaded.dropFirst()
            let firstDownload = max(1, layout.downloaded[0])
            let maxLater = later.max() ?? 0
            let meanLater = later.isEmpty ? 0 : Double(later.reduce(0, +)) / Double(later.count)
            print(
                "nightly \(layout.name): output directory \(mb(final)) after \(layouts[0].sizes.count) nights (peak "
                    + "\(mb(peak))), \(String(format: "%.2f", Double(final) / Double(full)))x one full night (\(mb(full))), "
                    + "peak \(String(format: "%.2f", Double(peak) / Double(full)))x")
            print(
                "nightly \(layout.name): first night downloaded \(mb(layout.downloaded[0])); later nights "
                    + "mean \(mb(Int(meanLater))) (\(pct(meanLater / Double(firstDownload)))), "
                    + "max \(mb(maxLater)) (\(pct(Double(maxLater) / Double(firstDownload)))); "
                    + "\(String(format: "%.1f", layout.seconds.reduce(0, +))) s in all")
        }
        let store = layouts[1]
        let extra = zip(store.downloaded.dropFirst(), churned).filter { $0 != $1 }.count
        print(
            "nightly store: on \(churned.count - extra) of \(churned.count) later nights the bytes downloaded equal the "
                + "bytes of the new and replaced binaries exactly")
        print(
            "nightly: goals: the store's directory at most 1.3x one full night; each later night downloads at most 2% "
                + "of a full night (a night's changed bytes vary with the sizes of the files that changed)")
    }

    func export(_ h: FakeHarness, _ layout: Layout) async throws -> ExportResult {
        let database = try StateDatabase(url: layout.state.appendingPathComponent("state.sqlite"))
        return try await Exporter(
            client: try h.client(), catalog: .standard, state: database, downloads: AsyncHTTPTransport(),
            retry: FakeHarness.fastRetry
        ).run(ExportOptions(output: layout.output, blobStore: layout.store?.root, toolVersion: "bench"))
    }

    /// Bytes of the regular files under `directory`.
    static func size(of directory: URL) throws -> Int {
        let keys: Set<URLResourceKey> = [.fileSizeKey, .isRegularFileKey]
        guard let walk = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: Array(keys))
        else { return 0 }
        var total = 0
        for case let url as URL in walk {
            let values = try url.resourceValues(forKeys: keys)
            if values.isRegularFile == true { total += values.fileSize ?? 0 }
        }
        return total
    }

    func mb(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
    func pct(_ share: Double) -> String { String(format: "%.2f%%", share * 100) }
    func pad(_ text: String, _ width: Int) -> String {
        text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
    }
}
