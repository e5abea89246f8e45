import ArchiveChecks
import Foundation
import Testing

/// `diff` compares values exactly: numbers by decimal value, so integers past 2^53 that round to
/// one `Double` still differ, and `1.50` against `1.5` does not.
extension ArchiveCheckerTests {
    @Test func diffFindsAChangeBetweenIntegersPastTwoToThe53() throws {
        let old = try archive([
            "invoices": [#"{"_id":"a","total":9007199254740993}"#, #"{"_id":"b","total":1.50}"#]
        ])
        let new = try archive([
            "invoices": [#"{"_id":"a","total":9007199254740992}"#, #"{"_id":"b","total":1.5}"#]
        ])
        var changes: [ArchiveDiff.Change] = []
        let counts = try ArchiveDiff(scratch: scratch.appendingPathComponent("diff")).run(old: old, new: new) {
            changes.append($0)
        }
        #expect(changes.map(\.id) == ["a"])
        #expect(changes.first?.fields?.map(\.field) == ["total"])
        #expect(changes.first?.fields?.first?.old == "9007199254740993")
        #expect(changes.first?.fields?.first?.new == "9007199254740992")
        let invoices = try #require(counts.first { $0.kind == "invoices" })
        #expect(invoices.changed == 1 && invoices.unchanged == 1)
    }
}
