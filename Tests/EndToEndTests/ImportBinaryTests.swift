import Archive
import Catalog
import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import Testing

/// `import` and `migrate` as scripts call them: plan, report, summary, reruns and exit codes.
@Suite(.serialized, .timeLimit(.minutes(10))) final class ImportBinaryTests {
    static let globex = AccountSpec(
        subdomain: "globex", clientID: "globex-client", secret: "globex-secret", empty: true)
    let scratch: URL

    init() throws { scratch = try PlutioBackupBinaryTests.temporary() }
    deinit { try? FileManager.default.removeItem(at: scratch) }

    static func target(_ h: FakeHarness) -> [String] {
        ["--api-url", h.server.baseURL.absoluteString, "--business", "globex", "--client-id", "globex-client"]
    }

    /// Runs the binary `times` times and kills each run (`kill -9`) while it writes: after its
    /// first write, at a random moment in `afterFirstWrite` (milliseconds). Answers the moments
    /// of the runs that were still running when killed.
    static func kill(
        _ arguments: [String], environment: [String: String], times: Int, seed: UInt64,
        afterFirstWrite: Range<Int>, _ h: FakeHarness
    ) async throws -> [Int] {
        var random = SeededRandom(seed: seed)
        var kills: [Int] = []
        for _ in 0..<times {
            let writes = await h.fake.writes().count
            let (process, _, _) = try PlutioBackupBinaryTests.launch(arguments, environment: environment)
            let start = ContinuousClock.now
            while await h.fake.writes().count == writes, process.isRunning, ContinuousClock.now - start < .seconds(30) {
                try await Task.sleep(for: .milliseconds(10))
            }
            let moment = afterFirstWrite.lowerBound + Int(random.next() % UInt64(afterFirstWrite.count))
            try await Task.sleep(for: .milliseconds(moment))
            if process.isRunning {
                Foundation.kill(process.processIdentifier, SIGKILL)
                kills.append(moment)
            }
            try await offThePool { process.waitUntilExit() }
        }
        return kills
    }

    /// acme exported to `out` by the binary, the workspace then, and its project with the most tasks.
    static func exportWithBusiestProject(
        _ h: FakeHarness, to out: URL
    ) async throws -> (PlutioBackupBinaryTests.Run, Workspace, String) {
        let exported = try await PlutioBackupBinaryTests.run(
            PlutioBackupBinaryTests.exportArguments(h, output: out, extra: ["--no-files"]),
            environment: PlutioBackupBinaryTests.secret)
        #expect(exported.status == 0, "\(exported.stderr)")
        let before = try #require(await h.fake.workspace("acme"))
        let tasks = Dictionary(grouping: before.objects(kind: "tasks"), by: { $0["projectId"]?.stringValue ?? "" })
        let project = try #require(
            before.objects(kind: "projects").compactMap { $0["_id"]?.stringValue }.max {
                (tasks[$0]?.count ?? 0) < (tasks[$1]?.count ?? 0)
            })
        return (exported, before, project)
    }

    struct Line: Decodable {
        var kind: String
        var sourceId: String
        var targetId: String?
        var outcome: String
        var reason: String?
    }

    static func report(_ url: URL) throws -> [Line] {
        try Data(contentsOf: url).split(separator: 0x0A).map { try JSONDecoder().decode(Line.self, from: Data($0)) }
    }

    /// `migrate` exports acme and imports it into globex in one run; the plan before it writes
    /// nothing; the report has a line per archived record; a rerun sends nothing.
    @Test func migratesPlansReportsAndDoesNothingTheSecondTime() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, Self.globex], records: 600)
        try await h.stopAfter {
            let state = scratch.appendingPathComponent("state")
            let environment = [
                "PLUTIO_API_URL": h.server.baseURL.absoluteString,
                "PLUTIO_SOURCE_BUSINESS": "acme", "PLUTIO_SOURCE_CLIENT_ID": "acme-client",
                "PLUTIO_SOURCE_CLIENT_SECRET": "acme-secret",
                "PLUTIO_TARGET_BUSINESS": "globex", "PLUTIO_TARGET_CLIENT_ID": "globex-client",
                "PLUTIO_TARGET_CLIENT_SECRET": "wrong-secret",
            ]
            let migrate = ["migrate", "--output", scratch.appendingPathComponent("out").path, "--state", state.path]
            // A wrong target secret: refused (exit 4) by the check of the target, before the export.
            let refused = try await PlutioBackupBinaryTests.run(migrate, environment: environment)
            #expect(refused.status == 4, "\(refused.stderr)")
            #expect(!refused.stderr.contains("wrong-secret"))
            let archives = { () throws -> [String] in
                let out = self.scratch.appendingPathComponent("out").path
                guard FileManager.default.fileExists(atPath: out) else { return [] }
                return try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".tar.zst") }
            }
            #expect(try archives().isEmpty)
            #expect(!(await h.fake.requestLog().contains { $0.business == "acme" }))
            let exported = try await PlutioBackupBinaryTests.run(
                PlutioBackupBinaryTests.exportArguments(
                    h, output: scratch.appendingPathComponent("export"), extra: ["--no-files"]),
                environment: PlutioBackupBinaryTests.secret)
            #expect(exported.status == 0, "\(exported.stderr)")
            let archive = URL(fileURLWithPath: exported.lastLine)

            // The plan reads the target and writes nothing.
            let writes = await h.fake.writes().count
            let plan = try await PlutioBackupBinaryTests.run(
                ["import", archive.path, "--state", scratch.appendingPathComponent("plan").path, "--plan"]
                    + Self.target(h), environment: ["PLUTIO_CLIENT_SECRET": "globex-secret"])
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stdout.contains("nothing was written"))
            #expect(plan.stdout.contains("the target already holds: businesses 1, dashboards 5"))
            #expect(plan.stdout.contains("what no import can carry:"))
            #expect(!plan.stdout.contains("STOP"))
            #expect(await h.fake.writes().count == writes)

            // The rerun with the right secret exports and imports; nobody is invited.
            var fixed = environment
            fixed["PLUTIO_TARGET_CLIENT_SECRET"] = "globex-secret"
            let run = try await PlutioBackupBinaryTests.run(migrate, environment: fixed)
            #expect([0, 3].contains(run.status), "\(run.stderr)")
            #expect(try archives().count == 1)
            let migrated = try #require(try archives().first)
            #expect(run.lastLine == scratch.appendingPathComponent("out/\(migrated)").path)
            #expect(await h.fake.invitations().isEmpty)
            #expect(await h.fake.writes().contains { $0.kind == "people" && $0.applied })

            // The migration's target, imported into again with a new state: refused, exit 2.
            let twice = try await PlutioBackupBinaryTests.run(
                ["import", archive.path, "--state", scratch.appendingPathComponent("twice").path] + Self.target(h),
                environment: ["PLUTIO_CLIENT_SECRET": "globex-secret"])
            #expect(twice.status == 2, "\(twice.stderr)")
            #expect(twice.stderr.contains("--merge") && twice.stderr.contains("Nothing was written"))
            #expect(run.stdout.contains("report: \(state.path)/report.ndjson"))
            let lines = try Self.report(state.appendingPathComponent("report.ndjson"))
            let manifest = try ArchiveVerifier.manifest(of: scratch.appendingPathComponent("out/\(migrated)"))
            #expect(lines.count == manifest.kinds.values.reduce(0) { $0 + $1.records })
            #expect(Set(lines.map(\.sourceId)).count == lines.count)
            let created = lines.filter { $0.outcome == "created" }
            #expect(created.allSatisfy { $0.targetId != nil })
            // Each created line names its own live record of the target.
            #expect(Set(created.compactMap(\.targetId)).count == created.count)
            let globex = try #require(await h.fake.workspace("globex"))
            let missing = created.filter { globex.object(kind: $0.kind, id: $0.targetId ?? "") == nil }
            #expect(missing.isEmpty, "\(missing.prefix(3).map(\.sourceId))")
            // Exit 3 exactly when a record failed or could not be carried.
            #expect(run.status == (lines.contains { $0.outcome == "failed" } ? 3 : 0))
            for mode in try FileManager.default.contentsOfDirectory(atPath: state.path).map({
                try FileManager.default.attributesOfItem(atPath: state.appendingPathComponent($0).path)[
                    .posixPermissions]
                    as? Int
            }) {
                #expect(mode.map { $0 & 0o077 } == 0)
            }

            // A finished migration, rerun, exports anew and applies the delta: nothing changed at
            // the source, so nothing is written, and the summary says so.
            let before = await h.fake.writes().count
            let again = try await PlutioBackupBinaryTests.run(migrate, environment: fixed)
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            #expect(
                again.stdout.contains("delta: 0 created, 0 updated, 0 moved, 0 deleted, 0 conflicts"), "\(again.stdout)"
            )
            #expect(again.lastLine != run.lastLine, "a second archive")
            #expect(await h.fake.writes().count == before)
        }
    }

    /// `kill -9` at ten random moments of an import, each followed by a rerun: the graph ends
    /// equal to the source's, and every record a create made is live and stands for one source
    /// record (no duplicate, nothing lost). Every answer comes 20 ms after its write was applied,
    /// so most kills land between a create and its checkpoint.
    @Test func tenKillsAndRerunsEndWithTheSourceGraph() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, Self.globex], records: 500)
        try await h.stopAfter {
            let before = try #require(await h.fake.workspace("globex"))
            let exported = try await PlutioBackupBinaryTests.run(
                PlutioBackupBinaryTests.exportArguments(
                    h, output: scratch.appendingPathComponent("out"), extra: ["--no-files"]),
                environment: PlutioBackupBinaryTests.secret)
            #expect(exported.status == 0, "\(exported.stderr)")
            let state = scratch.appendingPathComponent("state")
            let arguments = ["import", exported.lastLine, "--state", state.path] + Self.target(h)
            await h.fake.reconfigure {
                $0.faults.slowRate = 1
                $0.faults.slowDelay = 0.02
            }
            let environment = ["PLUTIO_CLIENT_SECRET": "globex-secret"]
            let kills = try await Self.kill(
                arguments, environment: environment, times: 10, seed: 5, afterFirstWrite: 50..<650, h)
            await h.fake.reconfigure { $0.faults = FaultPlan() }
            let final = try await PlutioBackupBinaryTests.run(arguments, environment: environment)
            #expect(final.status == 0, "\(final.stderr)")
            #expect(kills.count == 10, "the import should still have been running at every kill: \(kills)")

            let acme = try #require(await h.fake.workspace("acme"))
            let globex = try #require(await h.fake.workspace("globex"))
            let lines = try Self.report(state.appendingPathComponent("report.ndjson"))
            let skipped = Set(lines.filter { $0.outcome == "skipped" }.map(\.sourceId))
            // Kills landed between a create and its checkpoint: reruns found those records.
            let found = lines.filter { $0.reason?.contains("found applied") == true }
            #expect(!found.isEmpty)
            let differences = CanonicalGraph.importDifferences(
                source: acme, target: globex, targetBefore: before, skipped: skipped, config: await h.fake.config)
            #expect(differences.isEmpty, "\(differences)")
            // The write log: every record a create made is live, and stands for one source record.
            let made = await h.fake.writes().filter {
                $0.method == "POST" && $0.applied && $0.path.hasSuffix("/" + $0.kind)
            }.compactMap(\.id)
            let live = made.filter { id in
                Catalog.standard.kinds.contains { globex.object(kind: $0.name, id: id) != nil }
            }
            #expect(live.count == made.count)
            let targets = lines.compactMap(\.targetId)
            #expect(Set(made).isSubset(of: Set(targets)))
            #expect(Set(targets).count == targets.count)
        }
    }

    /// A delta through ten `kill -9`s: acme imported into globex, then 160 changes at the source
    /// (edits, new tasks with comments, moves, archives, trashed tasks and a project), a second
    /// export, and its import killed at ten random moments, each followed by a rerun. The graph
    /// ends equal to the source's, every record the delta's creates made is live and stands for
    /// one source record, and a last rerun sends nothing.
    @Test func tenKillsDuringADeltaEndWithTheSourceGraph() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, Self.globex], records: 500)
        try await h.stopAfter {
            let before = try #require(await h.fake.workspace("globex"))
            let out = scratch.appendingPathComponent("out")
            let export = PlutioBackupBinaryTests.exportArguments(h, output: out, extra: ["--no-files"])
            let first = try await PlutioBackupBinaryTests.run(export, environment: PlutioBackupBinaryTests.secret)
            #expect(first.status == 0, "\(first.stderr)")
            let state = scratch.appendingPathComponent("state")
            // The import and ten reruns of the delta go past the default budget of 1000 calls an hour.
            let environment = ["PLUTIO_CLIENT_SECRET": "globex-secret", "PLUTIO_RATE": "100000/1h"]
            let imported = try await PlutioBackupBinaryTests.run(
                ["import", first.lastLine, "--state", state.path] + Self.target(h), environment: environment)
            #expect(imported.status == 0, "\(imported.stderr)")
            // What the first import left out (a delta's report names only what it touched).
            let leftOut = try Self.report(state.appendingPathComponent("report.ndjson")).filter {
                $0.outcome == "skipped"
            }.map(\.sourceId)

            let edits = try await h.editSource(count: 120, seed: 3)
            #expect(edits.total >= 100)
            let second = try await PlutioBackupBinaryTests.run(export, environment: PlutioBackupBinaryTests.secret)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.lastLine != first.lastLine)
            let arguments = ["import", second.lastLine, "--state", state.path] + Self.target(h)
            let writesBefore = await h.fake.writes().count
            // The plan shows the delta per kind and writes nothing.
            let plan = try await PlutioBackupBinaryTests.run(arguments + ["--plan"], environment: environment)
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(
                plan.stdout.contains(
                    "a delta on top of the import of \(URL(fileURLWithPath: first.lastLine).lastPathComponent)"))
            #expect(plan.stdout.contains("\ntasks "), "\(plan.stdout)")
            #expect(await h.fake.writes().count == writesBefore)
            await h.fake.reconfigure {
                $0.faults.slowRate = 1
                $0.faults.slowDelay = 0.02
            }
            let kills = try await Self.kill(
                arguments, environment: environment, times: 10, seed: 7, afterFirstWrite: 20..<300, h)
            await h.fake.reconfigure { $0.faults = FaultPlan() }
            let final = try await PlutioBackupBinaryTests.run(arguments, environment: environment)
            #expect(final.status == 0, "\(final.stdout)\(final.stderr)")
            #expect(final.stdout.contains("delta:"), "\(final.stdout)")
            #expect(kills.count == 10, "the delta should still have been running at every kill: \(kills)")

            let acme = try #require(await h.fake.workspace("acme"))
            let globex = try #require(await h.fake.workspace("globex"))
            let journal = try Self.report(state.appendingPathComponent("report.ndjson"))
            #expect(journal.filter { $0.outcome == "failed" }.isEmpty, "\(journal.filter { $0.outcome == "failed" })")
            let skipped = Set(journal.filter { $0.outcome == "skipped" }.map(\.sourceId) + leftOut)
            let differences = CanonicalGraph.importDifferences(
                source: acme, target: globex, targetBefore: before, skipped: skipped, config: await h.fake.config)
            #expect(differences.isEmpty, "\(differences)")
            // Every record the delta's creates made is live, and each stands for one source record.
            let made = await h.fake.writes().dropFirst(writesBefore).filter {
                $0.method == "POST" && $0.applied && $0.path.hasSuffix("/" + $0.kind)
            }.compactMap(\.id)
            #expect(made.count >= edits.created)
            #expect(
                made.allSatisfy { id in
                    globex.objects(kind: "tasks").contains { $0["_id"]?.stringValue == id }
                        || globex.objects(kind: "comments").contains { $0["_id"]?.stringValue == id }
                })
            let created = journal.filter { $0.outcome == "created" }.compactMap(\.targetId)
            #expect(Set(made) == Set(created), "\(made.count) made, \(created.count) reported created")

            let writes = await h.fake.writes().count
            let again = try await PlutioBackupBinaryTests.run(arguments, environment: environment)
            #expect(again.status == 0)
            #expect(await h.fake.writes().count == writes)
        }
    }

    /// `restore --trash` from the command line: the plan lists each row and where it is; rows
    /// trashed before the archive was made are in no archive (exit 3); a deleted task comes back.
    @Test func restoresATrashedTaskAndListsRowsInNoArchive() async throws {
        let h = try await FakeHarness.start(records: 400)
        try await h.stopAfter {
            let out = scratch.appendingPathComponent("out")
            let exported = try await PlutioBackupBinaryTests.run(
                PlutioBackupBinaryTests.exportArguments(h, output: out, extra: ["--no-files"]),
                environment: PlutioBackupBinaryTests.secret)
            #expect(exported.status == 0, "\(exported.stderr)")
            let ws = try #require(await h.fake.workspace("acme"))
            let task = try #require(
                ws.objects(kind: "tasks").first { $0["isTemplate"] != .bool(true) }?["_id"]?.stringValue)
            #expect(try await h.client().delete("tasks", id: task))
            let row = try #require(
                await h.fake.workspace("acme")?.trashRows().first { $0["entityId"]?.stringValue == task }?["_id"]?
                    .stringValue)
            let base = [
                "restore", "--trash", "--archives", out.path, "--state", scratch.appendingPathComponent("state").path,
                "--api-url", h.server.baseURL.absoluteString, "--business", "acme", "--client-id", "acme-client",
            ]
            let plan = try await PlutioBackupBinaryTests.run(
                base + ["--plan"], environment: PlutioBackupBinaryTests.secret)
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stdout.contains("row \(row) "))
            #expect(plan.stdout.contains("MISSING: in no archive"))
            let one = try await PlutioBackupBinaryTests.run(
                base + ["--row", row, "--purge-trash"], environment: PlutioBackupBinaryTests.secret)
            #expect(one.status == 0, "\(one.stdout) \(one.stderr)")
            #expect(one.stdout.contains("restored from \(exported.lastLine.split(separator: "/").last ?? "")"))
            #expect(one.stdout.contains("purged from the trash"))
            let after = try #require(await h.fake.workspace("acme"))
            #expect(after.objects(kind: "tasks").count == ws.objects(kind: "tasks").count)
            let all = try await PlutioBackupBinaryTests.run(base, environment: PlutioBackupBinaryTests.secret)
            #expect(all.status == 3, "\(all.stdout)")
        }
    }

    /// `kill -9` in the middle of `restore --trash`, five times, each followed by a rerun: the
    /// deleted project comes back once, with its children, and the workspace's graph equals the
    /// one before the deletion modulo ids.
    @Test func killsDuringARestoreLeaveNoDuplicate() async throws {
        let h = try await FakeHarness.start(records: 500)
        try await h.stopAfter {
            let out = scratch.appendingPathComponent("out")
            let (_, before, project) = try await Self.exportWithBusiestProject(h, to: out)
            #expect(try await h.client().delete("projects", id: project))
            let row = try #require(
                await h.fake.workspace("acme")?.trashRows().first { $0["entityId"]?.stringValue == project }?["_id"]?
                    .stringValue)
            let arguments = [
                "restore", "--trash", "--archives", out.path, "--state", scratch.appendingPathComponent("state").path,
                "--row", row, "--api-url", h.server.baseURL.absoluteString, "--business", "acme", "--client-id",
                "acme-client",
            ]
            await h.fake.reconfigure {
                $0.faults.slowRate = 1
                $0.faults.slowDelay = 0.02
            }
            let kills = try await Self.kill(
                arguments, environment: PlutioBackupBinaryTests.secret, times: 5, seed: 9, afterFirstWrite: 20..<220, h)
            await h.fake.reconfigure { $0.faults = FaultPlan() }
            let final = try await PlutioBackupBinaryTests.run(arguments, environment: PlutioBackupBinaryTests.secret)
            #expect(final.status == 0, "\(final.stdout) \(final.stderr)")
            #expect(!kills.isEmpty)
            let after = try #require(await h.fake.workspace("acme"))
            var rules = CanonicalGraph.Rules(
                kinds: Set(Catalog.standard.kinds.filter { $0.role == .data }.map(\.name)))
            rules.ignored = ["tasks": ["taskId"]]
            let differences = CanonicalGraph.of(before, rules: rules).differences(
                from: CanonicalGraph.of(after, rules: rules))
            #expect(differences.isEmpty, "\(differences)")
        }
    }

    /// `restore ARCHIVE --kind projects --id P --with-children` for a project deleted and purged
    /// from the trash: the plan writes nothing; three kills and a rerun bring the project back
    /// once, with its sub-tree, and the live records that named it pointed at it; a rerun says
    /// it created nothing more.
    @Test func restoresAPurgedProjectFromAnArchiveThroughKills() async throws {
        let h = try await FakeHarness.start(records: 500)
        try await h.stopAfter {
            let out = scratch.appendingPathComponent("out")
            let (exported, before, project) = try await Self.exportWithBusiestProject(h, to: out)
            let client = try h.client()
            #expect(try await client.delete("projects", id: project))
            let row = try #require(
                await h.fake.workspace("acme")?.trashRows().first { $0["entityId"]?.stringValue == project }?["_id"]?
                    .stringValue)
            #expect(try await client.delete("trash-bin", id: row))
            let arguments = [
                "restore", exported.lastLine, "--kind", "projects", "--id", project, "--with-children", "--state",
                scratch.appendingPathComponent("state").path, "--api-url", h.server.baseURL.absoluteString,
                "--business", "acme", "--client-id", "acme-client",
            ]
            let writes = await h.fake.writes().count
            let plan = try await PlutioBackupBinaryTests.run(
                arguments + ["--plan"], environment: PlutioBackupBinaryTests.secret)
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stdout.contains("projects \(project) "))
            #expect(plan.stdout.contains("still live, kept as they are"))
            #expect(await h.fake.writes().count == writes)
            await h.fake.reconfigure {
                $0.faults.slowRate = 1
                $0.faults.slowDelay = 0.02
            }
            let kills = try await Self.kill(
                arguments, environment: PlutioBackupBinaryTests.secret, times: 3, seed: 11, afterFirstWrite: 20..<200, h
            )
            await h.fake.reconfigure { $0.faults = FaultPlan() }
            #expect(!kills.isEmpty)
            let final = try await PlutioBackupBinaryTests.run(arguments, environment: PlutioBackupBinaryTests.secret)
            #expect(final.status == 0, "\(final.stdout) \(final.stderr)")
            #expect(final.stdout.contains("restored from"))
            let after = try #require(await h.fake.workspace("acme"))
            var rules = CanonicalGraph.Rules(kinds: Set(Catalog.standard.kinds.filter { $0.role == .data }.map(\.name)))
            rules.ignored = ["tasks": ["taskId"]]
            let differences = CanonicalGraph.of(before, rules: rules).differences(
                from: CanonicalGraph.of(after, rules: rules))
            #expect(differences.isEmpty, "\(differences)")
            let again = await h.fake.writes().count
            let rerun = try await PlutioBackupBinaryTests.run(arguments, environment: PlutioBackupBinaryTests.secret)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(await h.fake.writes().count == again)
            let both = try await PlutioBackupBinaryTests.run(
                arguments + ["--where", "{}"], environment: PlutioBackupBinaryTests.secret)
            #expect(both.status == 2 && both.stderr.contains("either --id ID"), "\(both.stderr)")
        }
    }

    @Test func refusesAMissingArchiveAndAnUnknownOptInKind() async throws {
        let missing = try await PlutioBackupBinaryTests.run([
            "import", scratch.appendingPathComponent("nope.tar.zst").path, "--state", scratch.path,
            "--business", "globex", "--client-id", "x",
        ])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("No archive at"))
        let unknown = try await PlutioBackupBinaryTests.run([
            "migrate", "--output", scratch.path, "--state", scratch.path, "--include", "tasks",
        ])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("not an opt-in kind"))
        let noSource = try await PlutioBackupBinaryTests.run([
            "migrate", "--output", scratch.path, "--state", scratch.path,
        ])
        #expect(noSource.status == 2)
        #expect(noSource.stderr.contains("--source-business (or PLUTIO_SOURCE_BUSINESS or PLUTIO_BUSINESS)"))
    }
}
