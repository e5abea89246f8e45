import FakePlutio
import Foundation
import JSONCore
import Testing

/// Binaries of realistic sizes and a night's worth of file changes, for nightly-backup benchmarks
/// (issue 22: the seeded fake's 102 binaries of a few KB cannot show what a nightly costs).
@Suite(.timeLimit(.minutes(10))) struct FileChurnTests {
    static func seeded(records: Int, fileBytes: ClosedRange<Int>?, seed: UInt64 = 1) async -> FakePlutio {
        var config = FakeConfig()
        config.fileBytes = fileBytes
        let fake = FakePlutio(accounts: [Harness.acme], config: config, clock: ManualFakeClock())
        await fake.seed(records: records, seed: seed)
        return fake
    }

    /// Sizes by stored binary: what each file record says, and what the CDN has.
    static func sizes(_ fake: FakePlutio) async throws -> [(said: Int, stored: Int)] {
        let ws = try #require(await fake.workspace("acme"))
        return ws.objects(kind: "files").compactMap { file in
            guard let handle = file["handle"]?.stringValue, let size = file["size"]?.numberValue else { return nil }
            return (Int(size), ws.binaries[handle]?.count ?? -1)
        }
    }

    /// Sizes spread over the whole range (a log-uniform draw), each record's `size` equal to its
    /// binary's, and the same seed gives the same sizes.
    @Test func binariesTakeSizesFromTheRange() async throws {
        let range = 20_000...2_000_000
        let sizes = try await Self.sizes(await Self.seeded(records: 2000, fileBytes: range))
        #expect(sizes.count > 30)
        #expect(sizes.allSatisfy { $0.said == $0.stored && range.contains($0.stored) })
        let stored = sizes.map(\.stored).sorted()
        // Log-uniform: about a third below 10x the minimum, about a third above a tenth of the maximum.
        #expect(stored.first! < 200_000 && stored.last! > 200_000)
        #expect(stored.filter { $0 < 200_000 }.count > sizes.count / 5)
        #expect(stored.filter { $0 > 200_000 }.count > sizes.count / 5)
        let again = try await Self.sizes(await Self.seeded(records: 2000, fileBytes: range))
        #expect(again.map(\.stored) == sizes.map(\.stored))
    }

    /// Without a range, seeding is what it always was: 64 to 4096 bytes.
    @Test func withoutARangeBinariesStaySmall() async throws {
        let sizes = try await Self.sizes(await Self.seeded(records: 2000, fileBytes: nil))
        #expect(!sizes.isEmpty)
        #expect(sizes.allSatisfy { $0.said == $0.stored && (64...4096).contains($0.stored) })
    }

    /// A churn of 10%: a third of the chosen files get a new binary (new handle, the old one gone),
    /// a third go to the trash, and as many new files as the rest are uploaded, each with a binary.
    @Test func churnReplacesTrashesAndUploads() async throws {
        let fake = await Self.seeded(records: 3000, fileBytes: 10_000...100_000)
        let before = try #require(await fake.workspace("acme"))
        let stored = before.objects(kind: "files").filter { $0["handle"]?.stringValue != nil }
        let churn = await fake.churnFiles("acme", fraction: 0.1, seed: 5)
        let expected = Int((Double(stored.count) * 0.1).rounded())
        #expect(churn.replaced + churn.deleted + churn.uploaded == expected)
        #expect(churn.replaced >= 1 && churn.deleted >= 1 && churn.uploaded >= 1)
        let after = try #require(await fake.workspace("acme"))
        let handles = Dictionary(
            uniqueKeysWithValues: stored.compactMap { f in f["_id"]?.stringValue.map { ($0, f["handle"]?.stringValue) }
            })
        var replaced = 0
        var bytes = 0
        for file in after.objects(kind: "files") {
            guard let id = file["_id"]?.stringValue, let handle = file["handle"]?.stringValue else { continue }
            let size = Int(file["size"]?.numberValue ?? -1)
            #expect(after.binaries[handle]?.count == size)
            if let old = handles[id], old != handle {
                replaced += 1
                bytes += size
                #expect(after.binaries[old ?? ""] == nil, "the replaced binary is gone")
            } else if handles[id] == nil {
                bytes += size
            }
        }
        #expect(replaced == churn.replaced)
        #expect(
            after.objects(kind: "files").count == before.objects(kind: "files").count - churn.deleted + churn.uploaded)
        #expect(bytes == churn.bytesAdded)
        #expect(after.trashRowCount == before.trashRowCount + churn.deleted)
    }

    @Test func byteRangesParse() {
        #expect(FakeConfig.byteRange("20KB..20MB") == 20_000...20_000_000)
        #expect(FakeConfig.byteRange("512..1KiB") == 512...1024)
        #expect(FakeConfig.byteRange("1mb..1GB") == 1_000_000...1_000_000_000)
        #expect(FakeConfig.byteRange("20MB..20KB") == nil)
        #expect(FakeConfig.byteRange("20XB..1MB") == nil)
        #expect(FakeConfig.byteRange("20KB") == nil)
    }
}
