import Archive
import ArchiveChecks
import Catalog
import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import PlutioAPI
import StateStore
import Testing

@testable import Import
@testable import Restore

/// What an import or a restore refuses by default (issue 18): emails, duplicates, partial and
/// damaged archives, guesses about kinds the server will not list.
@Suite(.timeLimit(.minutes(10))) struct SafeByDefaultTests {
    static let initech = AccountSpec(
        subdomain: "initech", clientID: "initech-client", secret: "initech-secret", empty: true)

    static func session(_ h: FakeHarness, _ spec: AccountSpec, state: URL) throws -> ImportSession {
        try ImportSession(
            settings: ConnectionSettings(
                apiURL: h.server.baseURL, business: spec.subdomain, clientID: spec.clientID,
                clientSecret: spec.secret, rate: FakeHarness.unlimited),
            stateDirectory: state, retry: FakeHarness.fastRetry)
    }

    /// A migration of the seeded workspace emails nobody; with `invite`, every person created
    /// who has an email is invited.
    @Test func anImportInvitesNobodyUnlessAsked() async throws {
        let h = try await FakeHarness.start(
            accounts: [FakeHarness.acme, FakeHarness.globex, Self.initech], records: 300)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, _) = try await FakeHarness.exportAcme(h, to: out)
            let quiet = try await Self.session(h, FakeHarness.globex, state: out.appendingPathComponent("quiet"))
                .run(ImportOptions(archive: archive))
            let people = try #require(quiet.kinds.first { $0.kind == "people" })
            #expect(people.created > 10)
            #expect(await h.fake.invitations().isEmpty)
            #expect(await h.fake.writes().filter { $0.kind == "people" && $0.invited != nil }.isEmpty)

            let loud = try await Self.session(h, Self.initech, state: out.appendingPathComponent("loud"))
                .run(ImportOptions(archive: archive, invite: true))
            let invited = await h.fake.invitations()
            #expect(invited.count == loud.kinds.first { $0.kind == "people" }?.created)
            #expect(Set(invited.map(\.business)) == ["initech"])
        }
    }

    /// Into the archive's own intact workspace an import stops before its first write (and the
    /// plan says so); `merge` imports beside; emptied, the workspace gets its records back.
    @Test func anImportIntoAWorkspaceHoldingRecordsStopsUnlessMerged() async throws {
        let h = try await FakeHarness.start(records: 300)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, _) = try await FakeHarness.exportAcme(h, to: out)
            let source = try #require(await h.fake.workspace("acme"))
            let session = try Self.session(h, FakeHarness.acme, state: out.appendingPathComponent("own"))
            let plan = try await session.plan(ImportOptions(archive: archive))
            let holdings = try #require(plan.holdings)
            #expect(holdings.kinds.contains { $0.kind == "projects" })
            // People and custom fields match by email and title: not holdings.
            #expect(!holdings.kinds.contains { $0.kind == "people" || $0.kind == "custom-fields" })
            let writes = await h.fake.writes().count
            let error = await #expect(throws: TargetNotEmpty.self) {
                _ = try await session.run(ImportOptions(archive: archive))
            }
            #expect(error?.localizedDescription.contains("--merge") == true)
            #expect(await h.fake.writes().count == writes)

            // Emptied (everything the API can delete, but the owner and the baseline roles).
            let client = try h.client()
            for kind in Catalog.standard.kinds where kind.role == .data && kind.supports(.delete) {
                for record in source.objects(kind: kind.name) {
                    guard let id = record["_id"]?.stringValue, record["role"]?.stringValue != "owner",
                        !(kind.name == "roles" && Importer.baselineRoles.contains(record["slug"]?.stringValue ?? ""))
                    else { continue }
                    do { try await client.delete(kind.name, id: id) } catch let e as APIError where e.isRefusal {}
                }
            }
            let recovered = try await Self.session(h, FakeHarness.acme, state: out.appendingPathComponent("recover"))
                .run(ImportOptions(archive: archive))
            #expect(recovered.needsAttention == 0, "\(recovered.kinds)")
            let after = try #require(await h.fake.workspace("acme"))
            for kind in ["projects", "task-boards", "task-groups", "tasks", "companies", "invoices", "comments"] {
                // Every record came back once (a comment of a parent that was in the trash at the
                // export dangles, as reported).
                let summary = try #require(recovered.kinds.first { $0.kind == kind })
                #expect(summary.created == summary.records - summary.skipped, "\(kind)")
                #expect(after.objects(kind: kind).count == summary.created, "\(kind)")
            }

            // Beside what it holds now, on purpose.
            let merged = try await Self.session(h, FakeHarness.acme, state: out.appendingPathComponent("merge"))
                .run(ImportOptions(archive: archive, merge: true))
            let projects = try #require(merged.kinds.first { $0.kind == "projects" })
            #expect(projects.created == projects.records)
            let doubled = try #require(await h.fake.workspace("acme"))
            #expect(doubled.objects(kind: "projects").count == 2 * source.objects(kind: "projects").count)
        }
    }

    /// A partial archive (an export Plutio refused a kind to) is refused by import and restore
    /// unless allowed; a damaged or future-version one is refused by restore before any call.
    @Test func partialAndDamagedArchivesAreRefusedBeforeAnyCall() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, FakeHarness.globex], records: 300)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            await h.fake.reconfigure { $0.faults.refusedKinds = ["events"] }
            let (archive, _) = try await FakeHarness.exportAcme(h, to: out)
            await h.fake.reconfigure { $0.faults.refusedKinds = [] }
            let session = try Self.session(h, FakeHarness.globex, state: out.appendingPathComponent("import"))
            let calls = await h.fake.requestLog().count
            let partial = await #expect(throws: PartialArchive.self) {
                _ = try await session.run(ImportOptions(archive: archive))
            }
            #expect(partial?.localizedDescription.contains("events") == true)
            #expect(partial?.localizedDescription.contains("--allow-partial") == true)
            let restore = try ArchiveRestoreTests.session(h, state: out.appendingPathComponent("restore"))
            let project = try #require(
                await h.fake.workspace("acme")?.objects(kind: "projects").first?["_id"]?.stringValue)
            let selection = ArchiveRestoreTests.selection(archive, "projects", ids: [project])
            await #expect(throws: PartialArchive.self) { _ = try await restore.restore(selection, plan: true) }
            let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("ArchiveTests/Fixtures")
            for name in ["truncated", "checksum-mismatch", "future-version"] {
                let damaged = ArchiveRestoreTests.selection(
                    fixtures.appendingPathComponent("\(name).tar.zst"), "projects", ids: [project])
                await #expect(throws: ArchiveError.self, "\(name)") {
                    _ = try await restore.restore(damaged, plan: false)
                }
            }
            #expect(await h.fake.requestLog().count == calls, "nothing was asked of the server")

            var options = ImportOptions(archive: archive)
            options.allowPartial = true
            let result = try await session.run(options)
            #expect(result.kinds.first { $0.kind == "projects" }?.created ?? 0 > 0)
        }
    }

    /// Roles the target will not list: the baseline five are taken as there, custom ones are not
    /// created, and no person is dropped (one with a role the target refuses comes as a client).
    @Test func noPersonIsDroppedWhenRolesCannotBeListed() async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, FakeHarness.globex], records: 300)
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let (archive, _) = try await FakeHarness.exportAcme(h, to: out)
            await h.fake.reconfigure { $0.unlistableKinds = ["roles"] }
            let session = try Self.session(h, FakeHarness.globex, state: out.appendingPathComponent("import"))
            let plan = try await session.plan(ImportOptions(archive: archive))
            #expect(plan.unlistable == ["roles"])
            let result = try await session.run(ImportOptions(archive: archive))
            let people = try #require(result.kinds.first { $0.kind == "people" })
            #expect(people.skipped == 0 && people.failed == 0, "\(people)")
            #expect(people.created + people.matched == people.records)
            let roles = try #require(result.kinds.first { $0.kind == "roles" })
            #expect(roles.created == 0 && roles.matched == Importer.baselineRoles.count)
            #expect(roles.skipped == roles.records - roles.matched)
            let report = try String(contentsOf: result.report, encoding: .utf8)
            #expect(report.contains("created as client"))
            let peopleLines = report.split(separator: "\n").filter { $0.contains(#""kind":"people""#) }
            #expect(peopleLines.count == people.records)
            #expect(!peopleLines.contains { $0.contains("trashed or deleted") })
            let globex = try #require(await h.fake.workspace("globex"))
            let acme = try #require(await h.fake.workspace("acme"))
            #expect(globex.objects(kind: "people").count == acme.objects(kind: "people").count)
        }
    }

    /// A restore never takes a kind the workspace will not list as gone: it stops, writing
    /// nothing, unless told the kind's records are gone.
    @Test func aRestoreStopsOnAKindItCannotListUnlessToldItIsGone() async throws {
        try await ArchiveRestoreTests.scene("projects", records: 500) { scene in
            let h = scene.h
            await h.fake.reconfigure { $0.unlistableKinds = ["tasks"] }
            let writes = await h.fake.writes().count
            let selection = ArchiveRestoreTests.selection(scene.archive, "projects", ids: [scene.id])
            let error = await #expect(throws: UnlistableKind.self) {
                _ = try await scene.session.restore(selection, plan: false)
            }
            #expect(error?.kind == "tasks")
            #expect(error?.localizedDescription.contains("--assume-gone tasks") == true)
            #expect(await h.fake.writes().count == writes)
            let result = try await scene.session.restore(
                selection, plan: false, options: RestoreOptions(assumeGone: ["tasks"]))
            #expect(result.outcome.rows.first?.created ?? 0 > 0)
            await h.fake.reconfigure { $0.unlistableKinds = [] }
            let after = try #require(await h.fake.workspace("acme"))
            let tasks = scene.before.objects(kind: "tasks").filter { $0["projectId"]?.stringValue == scene.id }.count
            #expect(after.objects(kind: "tasks").count == scene.before.objects(kind: "tasks").count, "\(tasks) tasks")
        }
    }
}
