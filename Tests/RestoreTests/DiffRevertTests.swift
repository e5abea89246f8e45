import ArchiveChecks
import Catalog
import Export
import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import PlutioAPI
import StateStore
import Testing

@testable import Import
@testable import Restore

/// `diff` finds an invoice changed after a backup, `restore --revert` puts it back, and `diff`
/// then shows no change for it (issue 10).
@Suite(.timeLimit(.minutes(10))) final class DiffRevertTests {
    let scratch: URL
    init() throws { scratch = try FakeHarness.temporaryDirectory() }
    deinit { try? FileManager.default.removeItem(at: scratch) }

    func export(_ h: FakeHarness, _ name: String) async throws -> URL {
        var options = ExportOptions(output: scratch.appendingPathComponent(name), toolVersion: "test")
        options.downloadFiles = false
        let database = try StateDatabase(url: scratch.appendingPathComponent("\(name)-state/state.sqlite"))
        return try await Exporter(
            client: try h.client(), catalog: .standard, state: database, downloads: AsyncHTTPTransport(),
            retry: FakeHarness.fastRetry
        ).run(options).archive
    }

    func changes(_ old: URL, _ new: URL, kind: String? = nil) throws -> [ArchiveDiff.Change] {
        var diff = ArchiveDiff(scratch: scratch.appendingPathComponent("diff-\(UUID().uuidString)"))
        diff.kind = kind
        diff.bucketSize = 7  // many buckets, as a large archive would have
        var out: [ArchiveDiff.Change] = []
        _ = try diff.run(old: old, new: new) { out.append($0) }
        return out
    }

    /// Also under a server that takes only `/bulk` writes.
    @Test(arguments: [false, true])
    func diffFindsAChangedInvoiceAndRevertPutsItBack(bulkOnly: Bool) async throws {
        let h = try await FakeHarness.start(records: 600) { $0.bulkWritesOnly = bulkOnly }
        try await h.stopAfter {
            let first = try await export(h, "first")
            #expect(try changes(first, first).isEmpty)
            let client = try h.client()
            let ws = try #require(await h.fake.workspace("acme"))
            let invoice = try #require(ws.objects(kind: "invoices").first { $0["isTemplate"] != .bool(true) })
            let id = try #require(invoice["_id"]?.stringValue)
            var change = JSONObject()
            change["_id"] = .string(id)
            change["name"] = "Changed after the backup"
            change["discount"] = 99
            _ = try await client.update("invoices", body: JSONValue.object(change).bytes)
            // A new task too: an added record.
            let task = try await client.create("tasks", body: Array(#"{"title":"Added after the backup"}"#.utf8))

            let second = try await export(h, "second")
            let found = try changes(first, second)
            #expect(found.filter { $0.change == .changed }.map(\.id) == [id])
            #expect(found.first { $0.id == id }?.fields?.map(\.field) == ["discount", "name"])
            #expect(found.contains { $0.change == .added && $0.id == task.id && $0.kind == "tasks" })
            #expect(found.filter { $0.change == .removed }.isEmpty)

            let undoDirectory = scratch.appendingPathComponent("undo")
            // The plan shows each field's live and archived value, and writes nothing.
            let writes = await h.fake.writes().count
            let planned = try await Reverter(client: client).revert(
                archive: first, kind: "invoices", ids: [id], fields: nil, dryRun: true, undoDirectory: undoDirectory)
            #expect(await h.fake.writes().count == writes)
            #expect(planned.undoArchive == nil)
            let name = try #require(planned.results.first?.changes.first { $0.field == "name" })
            #expect(name.old == #""Changed after the backup""#)
            #expect(name.new == invoice["name"]?.text)

            let outcome = try await Reverter(client: client).revert(
                archive: first, kind: "invoices", ids: [id], fields: nil, undoDirectory: undoDirectory)
            #expect(outcome.results.first?.reverted == ["discount", "name"])
            #expect(outcome.results.first?.missing == nil)
            let third = try await export(h, "third")
            #expect(try changes(first, third, kind: "invoices").isEmpty)
            let live = try #require(await h.fake.workspace("acme")?.object(kind: "invoices", id: id))
            #expect(live["name"] == invoice["name"])

            // The values it replaced are in an undo archive, which verifies and puts them back.
            let undo = try #require(outcome.undoArchive)
            #expect(undo.deletingLastPathComponent().path == undoDirectory.path)
            try ArchiveGate.check(undo, allowPartial: false)
            let back = try await Reverter(client: client).revert(
                archive: undo, kind: "invoices", ids: [id], fields: nil, undoDirectory: undoDirectory)
            #expect(back.results.first?.reverted == ["discount", "name"])
            let fourth = try await export(h, "fourth")
            #expect(try changes(second, fourth, kind: "invoices").isEmpty)
            #expect(try changes(first, fourth, kind: "invoices").map(\.id) == [id])
        }
    }

    /// A kind one export could not read is not compared, rather than listed as removed.
    @Test func aKindIncompleteInEitherArchiveIsNotCompared() async throws {
        let h = try await FakeHarness.start(records: 300)
        try await h.stopAfter {
            let whole = try await export(h, "whole")
            await h.fake.reconfigure { $0.faults.refusedKinds = ["events"] }
            let partial = try await export(h, "partial")
            var diff = ArchiveDiff(scratch: scratch.appendingPathComponent("diff-partial"))
            var changes: [ArchiveDiff.Change] = []
            let counts = try diff.run(old: whole, new: partial) { changes.append($0) }
            let events = try #require(counts.first { $0.kind == "events" })
            #expect(events.notCompared?.contains("incomplete in the newer archive") == true)
            #expect(events.removed == 0)
            #expect(!changes.contains { $0.kind == "events" })
            diff.kind = "events"
            #expect(try diff.run(old: partial, new: whole) { _ in }.first?.notCompared?.contains("older") == true)
        }
    }

    /// A field the revert sets that the live record lacks is kept as null in the undo archive, so
    /// that reverting from it takes the field away again.
    @Test func undoValuesNullTheFieldsARevertAdds() throws {
        let bytes = Array(#"{"_id":"a","name":"Now","n":1.50}"#.utf8)
        guard case .object(let now) = try JSONValue.parse(bytes) else { throw CocoaError(.coderInvalidValue) }
        #expect(Reverter.undoValues(now, bytes, setting: ["_id", "name"]) == bytes)
        let undo = Reverter.undoValues(now, bytes, setting: ["_id", "name", "discount"])
        #expect(String(decoding: undo, as: UTF8.self) == #"{"_id":"a","name":"Now","n":1.50,"discount":null}"#)
    }
}
