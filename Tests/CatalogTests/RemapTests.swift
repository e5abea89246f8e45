import Foundation
import JSONCore
import Testing

@testable import Catalog

/// Remapping a record's references for an import: every reference form, lossless elsewhere.
@Suite struct RemapTests {
    let catalog = Catalog.standard

    /// Source ids map to `T-<id>`; ids starting with `GONE` resolve nowhere.
    func remap(_ kind: String, _ text: String) throws -> (String, [ReferenceValue], [ReferenceValue]) {
        guard case .object(var record) = try JSONValue.parse(Array(text.utf8)) else { throw CancellationError() }
        var seen: [ReferenceValue] = []
        let dropped = catalog.remapReferences(in: &record, of: catalog.kind(named: kind)!) { ref in
            seen.append(ref)
            if ref.value.hasPrefix("GONE") { return nil }
            if ref.naming == .slug { return ref.value }
            // Option values of text fields are data: keep them.
            if ref.optionOfField == "TEXTFIELD" { return ref.value }
            return "T-" + ref.value
        }
        return (String(decoding: JSONValue.object(record).bytes, as: UTF8.self), dropped, seen)
    }

    @Test func remapsEveryFormAndKeepsEverythingElseByteForByte() throws {
        let source = #"""
            {"_id":"S1","title":"Caf\u00e9 \/ plan","amount":1.50,"big":1e3,"projectId":"P1","assignedTo":["A1","GONE1","A2"],"taskGroupId":null,"customFields":[{"_id":"F1","value":"O1"},{"_id":"F2","value":["O2","GONE2"]},{"_id":"TEXTFIELD","value":"r\u00e9sum\u00e9"},{"_id":"GONE3","value":"x"}],"z":-0}
            """#
        let (out, dropped, _) = try remap("tasks", source)
        #expect(
            out
                == #"{"_id":"S1","title":"Caf\u00e9 \/ plan","amount":1.50,"big":1e3,"projectId":"T-P1","assignedTo":["T-A1","T-A2"],"taskGroupId":null,"customFields":[{"_id":"T-F1","value":"T-O1"},{"_id":"T-F2","value":["T-O2"]},{"_id":"T-TEXTFIELD","value":"r\u00e9sum\u00e9"}],"z":-0}"#
        )
        #expect(Set(dropped.map(\.value)) == ["GONE1", "GONE2", "GONE3"])
    }

    @Test func typedNestedAndSlugReferences() throws {
        let (invoice, _, seen) = try remap(
            "invoices", #"{"client":{"_id":"C1","entityType":"company"},"projectId":"P1"}"#)
        #expect(invoice == #"{"client":{"_id":"T-C1","entityType":"company"},"projectId":"T-P1"}"#)
        #expect(seen.first { $0.path == "client._id" }?.targetKinds == ["companies"])
        // A nested object whose id resolves nowhere goes whole; a list entry likewise.
        let (lost, dropped, _) = try remap("invoices", #"{"client":{"_id":"GONE","entityType":"person"},"name":"I"}"#)
        #expect(lost == #"{"name":"I"}"#)
        #expect(dropped.map(\.path) == ["client._id"])
        let (person, _, _) = try remap(
            "people", #"{"role":"lead","companies":[{"_id":"K1","isManager":true},{"_id":"GONE"}]}"#)
        #expect(person == #"{"role":"lead","companies":[{"_id":"T-K1","isManager":true}]}"#)
        let (wiki, _, slugs) = try remap("wiki", #"{"privateShareSettings":{"type":"roles","roles":["team","GONE"]}}"#)
        #expect(wiki == #"{"privateShareSettings":{"type":"roles","roles":["team"]}}"#)
        #expect(slugs.allSatisfy { $0.naming == .slug })
        // blocks[] keeps its order and says each position.
        let (proposal, _, blocks) = try remap("proposals", #"{"blocks":["B2","B1"]}"#)
        #expect(proposal == #"{"blocks":["T-B2","T-B1"]}"#)
        #expect(blocks.filter { $0.path == "blocks[]" }.map(\.position) == [0, 1])
    }

    /// A reference path holding another shape than declared is dropped, not sent as it is.
    @Test func valuesOfAnotherShapeAreDropped() throws {
        let (person, dropped, _) = try remap(
            "people", #"{"role":"team","companies":["K1",{"_id":"K2"}],"name":{"first":"A"}}"#)
        #expect(person == #"{"role":"team","companies":[{"_id":"T-K2"}],"name":{"first":"A"}}"#)
        #expect(dropped.map(\.path) == ["companies[]._id"])
        let (invoice, lost, _) = try remap("invoices", #"{"client":"C1","projectId":["P1"],"name":"I","x":null}"#)
        #expect(invoice == #"{"name":"I","x":null}"#)
        #expect(Set(lost.map(\.path)) == ["client._id", "projectId"])
        // null stays null.
        let (kept, none, _) = try remap("invoices", #"{"client":null,"projectId":null}"#)
        #expect(kept == #"{"client":null,"projectId":null}"#)
        #expect(none.isEmpty)
    }
}
