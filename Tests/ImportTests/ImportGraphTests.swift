import Catalog
import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import PlutioAPI
import StateStore
import Testing

@testable import Import

/// The import's main promise (issue 9): a seeded workspace with every kind, exported and
/// imported into an empty business, ends as the same graph modulo ids, under the default fake
/// and each write variant of contract §10.
/// Serialized: each case runs a fake and a whole import; fourteen at once starve the rest of the suite.
@Suite(.serialized, .timeLimit(.minutes(10))) struct ImportGraphTests {
    /// The fake's write behaviours the importer must survive (§10).
    enum Variant: String, CaseIterable, Sendable {
        case strict, noReferenceChecks, templateFlagDropped, clientOptionIDs, parentsByPut, clientNumbers
        case defaultProjectBoard, fileCreatesRefused, nonCanonicalBytes, linksMirrored, blocksNotAppended
        case templateContentCopied, proposalStatusIgnored, restrictedWritesAllowed
        case bulkWritesOnly, bulkEverywhere, pathGetAndNoSort

        func apply(_ c: inout FakeConfig) {
            switch self {
            case .strict: break
            case .noReferenceChecks: c.checksReferences = false
            case .templateFlagDropped: c.keepsTemplateFlag = false
            case .clientOptionIDs: c.generatesOptionIDs = false
            case .parentsByPut: c.parentsByPut = true
            case .clientNumbers: c.assignsNumbers = false
            case .defaultProjectBoard: c.defaultProjectBoard = true
            case .fileCreatesRefused: c.refusesAllFileCreates = true
            case .nonCanonicalBytes: c.nonCanonicalBytes = true
            case .linksMirrored: c.mirrorsPersonCompanyLinks = true
            case .blocksNotAppended: c.blockCreateAppendsToOwner = false
            case .templateContentCopied: c.templateIdCopiesContent = true
            case .proposalStatusIgnored: c.ignoresProposalContractStatus = true
            case .restrictedWritesAllowed: c.allowsRestrictedWrites = true
            case .bulkWritesOnly: c.bulkWritesOnly = true
            case .bulkEverywhere: c.bulkEverywhere = true
            case .pathGetAndNoSort:
                c.pathGetKinds = ["people", "companies", "projects", "invoices", "tasks"]
                c.refusesSort = true
            }
        }
    }

    /// Imports the seeded `acme` into an empty `globex` and compares the graphs. `faults` are
    /// switched on once the export is written; the import is rerun until it finishes.
    static func importAndCompare(
        records: Int, variant: Variant, lateApplyWindow: TimeInterval = 3,
        faults: (@Sendable (inout FakeConfig) -> Void)? = nil
    ) async throws {
        let h = try await FakeHarness.start(accounts: [FakeHarness.acme, FakeHarness.globex], records: records) {
            variant.apply(&$0)
        }
        try await h.stopAfter {
            let out = try FakeHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let before = try #require(await h.fake.workspace("globex"))
            let (archive, database) = try await FakeHarness.exportAcme(h, to: out)
            let journal = ImportJournal(database: database, run: "graph")
            try journal.begin(archive: archive.path, target: "globex", at: "t0")
            var importer = Importer(
                client: try h.client(FakeHarness.globex), catalog: .standard, journal: journal,
                scratch: out.appendingPathComponent("import"))
            importer.lateApplyWindow = lateApplyWindow
            if let faults { await h.fake.reconfigure(faults) }
            var runs = 0
            var summary: Importer.Summary?
            while summary == nil, runs < 20 {
                runs += 1
                do { summary = try await importer.run(archive: archive) } catch  where faults != nil {
                    // A run the faults stopped (three lost answers in a row): the rerun resumes.
                }
            }
            #expect(try #require(summary).failed.isEmpty, "\(summary?.failed ?? [:])")
            #expect(try journal.pendingIntents().isEmpty)
            if faults != nil {
                // The faults did happen: writes applied whose answers were lost.
                let lost = await h.fake.writes().filter { $0.applied && $0.fault != nil }
                #expect(!lost.isEmpty)
            }
            // Where the server takes only /bulk, each kind's single form is refused once, then remembered.
            let refused = Dictionary(
                grouping: await h.fake.writes().filter { $0.status == 403 && ["PUT", "DELETE"].contains($0.method) },
                by: \.kind)
            #expect(refused.values.allSatisfy { $0.count <= 1 }, "\(refused.mapValues(\.count))")
            if variant == .bulkWritesOnly { #expect(!refused.isEmpty) } else { #expect(refused.isEmpty) }
            let late = await h.fake.writes().filter { $0.fault == "appliedLate" && $0.applied }
            if !late.isEmpty {
                // Each late apply made a second record, found and deleted before the run ended.
                #expect(try #require(summary).lateDuplicatesDeleted == late.count)
                print("late applies: \(late.count) creates applied after their lookup; as many second copies deleted")
            }
            await h.fake.reconfigure { $0.faults = FaultPlan() }

            let acme = try #require(await h.fake.workspace("acme"))
            let globex = try #require(await h.fake.workspace("globex"))
            // What the importer left out as dangling must really dangle at the source.
            let dangling = try journal.entries(.dangling)
            #expect(!dangling.isEmpty)
            for entry in dangling {
                let object = try #require(acme.object(kind: entry.kind, id: entry.sourceID))
                let owner = object["entityId"]?.stringValue ?? object["formId"]?.stringValue ?? ""
                let isLive = Catalog.standard.kinds.contains { acme.object(kind: $0.name, id: owner) != nil }
                #expect(object["entityType"]?.stringValue == "blocks-group" || !isLive, "\(entry)")
            }
            let differences = CanonicalGraph.importDifferences(
                source: acme, target: globex, targetBefore: before, skipped: Set(dangling.map(\.sourceID)),
                config: await h.fake.config)
            #expect(differences.isEmpty, "\(variant): \(differences)")
        }
    }

    /// The variants, in two halves: this suite runs the first, `ImportGraphVariantTests` the
    /// second, so that two imports (not seventeen) run at a time.
    static let firstHalf = Array(Variant.allCases.prefix(7))
    static let secondHalf = Array(Variant.allCases.dropFirst(7))

    @Test(arguments: firstHalf)
    func theImportedGraphEqualsTheSource(variant: Variant) async throws {
        // 400 records hold every kind; the 20,000-record case below is the size test.
        try await Self.importAndCompare(records: 400, variant: variant)
    }

    /// The same at 20,000 records, under the default fake; a few minutes, so only when asked
    /// for: `PLUTIO_LARGE_TESTS=1 swift test --filter theImportedGraphEqualsTheSourceAt20000`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PLUTIO_LARGE_TESTS"] != nil), .timeLimit(.minutes(30)))
    func theImportedGraphEqualsTheSourceAt20000() async throws {
        try await Self.importAndCompare(records: 20000, variant: .strict)
    }

    /// Lost answers after applied writes, 500s and a token that expires every few seconds: the
    /// graph still ends equal, with no duplicate and nothing lost.
    @Test func theGraphSurvivesWriteFaultsAndShortTokens() async throws {
        try await Self.importAndCompare(records: 1000, variant: .strict) {
            $0.faults.seed = 11
            $0.faults.serverErrorAfterWriteRate = 0.05
            $0.faults.dropAfterWriteRate = 0.02
            $0.faults.serverErrorRate = 0.02
            $0.tokenLifetime = 2
        }
    }

    /// Creates whose answer is lost and that the server applies two seconds later, after the
    /// lookup that followed (so each is sent again), by a server whose clock is 15 minutes ahead
    /// of or behind ours and that stores writes normalised: one record per source record. Two
    /// creates are applied at once with their answers lost: the lookup finds them despite the skew.
    @Test(arguments: [15 * 60.0, -15 * 60.0])
    func lateAppliesLeaveNoSecondCopyUnderClockSkew(skew: TimeInterval) async throws {
        try await Self.importAndCompare(records: 600, variant: .strict, lateApplyWindow: 4) {
            $0.clockSkew = skew
            $0.normalisesWrites = true
            $0.faults.lateApplies = [
                LateApply(kind: "people", n: 4, delay: 2), LateApply(kind: "projects", n: 2, delay: 2),
                LateApply(kind: "tasks", n: 3, delay: 2), LateApply(kind: "comments", n: 2, delay: 2),
            ]
            // Applied at once, answers lost: found by the lookup under the skew (a miss would be
            // sent again and counted above as one more second copy).
            $0.faults.writeFaults = [
                WriteFault(kind: "tasks", n: 7, mode: .dropAfter),
                WriteFault(kind: "people", n: 6, mode: .serverErrorAfter),
            ]
        }
    }

    /// The scripted fault: the seventh task create loses its answer after it was applied.
    @Test func theGraphSurvivesALostTaskCreate() async throws {
        try await Self.importAndCompare(records: 1000, variant: .strict) {
            $0.faults.writeFaults = [WriteFault(kind: "tasks", n: 7, mode: .dropAfter)]
        }
    }
}
