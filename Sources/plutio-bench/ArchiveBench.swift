import Archive
import ArchiveChecks
import ArgumentParser
import Catalog
import Crypto
import FakePlutio
import Foundation
import JSONCore

/// Archive write and read+verify throughput, side by side with tar and zstd on the same NDJSON.
struct ArchiveBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract:
            "Time ArchiveWriter against `tar --zstd -cf`, and verify against `tar --zstd -xOf`, on one seeded NDJSON set."
    )

    @Option(help: "Records to seed into the NDJSON set.") var records = 100_000
    @Option(help: "Work directory (kept).") var dir = "out/bench-archive"

    /// The seeded NDJSON set on disk: its manifest's bytes, each record file, and its size.
    struct Staged {
        var directory: URL
        var manifest: [UInt8]
        var sources: [(String, URL)]
        var mib: Double
    }

    func run() async throws {
        let root = URL(fileURLWithPath: dir)
        try? FileManager.default.removeItem(at: root)
        let set = try await stage(root.appendingPathComponent("set"))
        let ours = root.appendingPathComponent("ours.tar.zst")
        try benchWrite(set, to: ours, tar: root.appendingPathComponent("tar.tar.zst"))
        try benchRead(ours, mib: set.mib)
    }

    /// Seeds a workspace and writes its records as the archive's NDJSON files under `staged`.
    func stage(_ staged: URL) async throws -> Staged {
        try FileManager.default.createDirectory(
            at: staged.appendingPathComponent("records"), withIntermediateDirectories: true)
        let fake = FakePlutio(accounts: [AccountSpec(subdomain: "bench", clientID: "c", secret: "s")])
        await fake.seed(records: records)
        let ws = await fake.workspace("bench")!
        var entries: [Manifest.Entry] = []
        var sources: [(String, URL)] = []
        var inputBytes = 0
        for kind in Catalog.standard.kinds {
            let objects = kind.name == "trash-bin" ? ws.trashRows() : ws.objects(kind: kind.name)
            guard !objects.isEmpty else { continue }
            var bytes: [UInt8] = []
            for o in objects {
                JSONValue.object(o).write(to: &bytes)
                bytes.append(0x0A)
            }
            let path = Manifest.recordsPath(kind.name)
            let url = staged.appendingPathComponent(path)
            try Data(bytes).write(to: url)
            entries.append(
                Manifest.Entry(
                    path: path, sha256: sha256Hex(bytes), bytes: bytes.count, records: objects.count, kind: kind.name))
            sources.append((path, url))
            inputBytes += bytes.count
        }
        let manifest = Manifest(
            tool: .init(version: "bench"),
            source: .init(apiBase: "http://bench/v1.11", business: "bench", apiVersion: "v1.11"),
            startedAt: "", finishedAt: "", complete: true,
            kinds: Dictionary(
                uniqueKeysWithValues: entries.map {
                    ($0.kind!, Manifest.KindStatus(complete: true, records: $0.records!, calls: 0))
                }),
            entries: entries, files: .init())
        let manifestBytes = try manifest.encoded()
        try Data(manifestBytes).write(to: staged.appendingPathComponent(Manifest.entryName))
        let mib = Double(inputBytes) / 1_048_576
        print(
            "archive bench: \(records) seeded records, \(String(format: "%.1f", mib)) MiB of NDJSON in \(entries.count) kinds"
        )
        return Staged(directory: staged, manifest: manifestBytes, sources: sources, mib: mib)
    }

    /// ArchiveWriter against `tar --zstd -cf` on the same files.
    func benchWrite(_ set: Staged, to ours: URL, tar theirs: URL) throws {
        let (staged, manifestBytes, sources, mib) = (set.directory, set.manifest, set.sources, set.mib)
        let rssBefore = residentKiB()
        let writeOurs = try time {
            let writer = try ArchiveWriter(url: ours)
            try writer.add(path: Manifest.entryName, bytes: manifestBytes)
            for (path, url) in sources { try writer.add(path: path, contentsOf: url) }
            try writer.finish()
        }
        print("write: resident memory \(rssBefore / 1024) MiB before, \(residentKiB() / 1024) MiB after")
        let writeTar = try time {
            try shell("tar --zstd -cf '\(theirs.path)' -C '\(staged.path)' manifest.json records")
        }
        print(
            String(
                format:
                    "write: ArchiveWriter %.2f s (%.0f MiB/s), tar --zstd -cf %.2f s (%.0f MiB/s): %.0f%% of tar's throughput",
                writeOurs, mib / writeOurs, writeTar, mib / writeTar, 100 * writeTar / writeOurs))
    }

    /// ArchiveReader and the full verify against `tar --zstd -xOf`.
    func benchRead(_ ours: URL, mib: Double) throws {
        let readOurs = try time {
            let reader = try ArchiveReader(url: ours)
            while try reader.next() != nil {
                var hasher = SHA256()
                try reader.readChunks { hasher.update(bufferPointer: $0) }
                _ = hasher.finalize()
            }
        }
        print(
            String(
                format:
                    "read: ArchiveReader + SHA-256 only %.2f s (%.0f MiB/s): %.0f%% of tar's throughput (below: the full verify)",
                readOurs, mib / readOurs,
                100 * (try time { try shell("tar --zstd -xOf '\(ours.path)' > /dev/null") }) / readOurs))
        for (label, limit) in [("index in memory", Int.max), ("index on disk", 0)] {
            var verifier = ArchiveChecker(catalog: .standard)
            verifier.memoryIndexLimit = limit
            var report: VerificationReport?
            let verifyOurs = try time { report = try verifier.verify(ours) }
            let readTar = try time { try shell("tar --zstd -xOf '\(ours.path)' > /dev/null") }
            print(
                String(
                    format:
                        "read: verify (%@) %.2f s (%.0f MiB/s), tar --zstd -xOf %.2f s (%.0f MiB/s): %.0f%% of tar's throughput; intact: %@",
                    label, verifyOurs, mib / verifyOurs, readTar, mib / readTar, 100 * readTar / verifyOurs,
                    report?.isIntact == true ? "yes" : "NO"))
        }
    }

    /// This process's resident set now, in KiB.
    func residentKiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    func time(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    func shell(_ command: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ValidationError("`\(command)` failed with \(p.terminationStatus)") }
    }
}
