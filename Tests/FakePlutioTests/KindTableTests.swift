import JSONCore
import Testing

@testable import FakePlutio

/// The entityId index must name exactly the records a full scan would find, through appends,
/// replacements that move a record to another entity, and removals.
@Suite struct KindTableTests {
    @Test func theEntityIndexAgreesWithAFullScan() {
        var table = KindTable()
        var seed: UInt64 = 7
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        func record(_ id: Int) -> StoredRecord {
            var object: JSONObject = ["_id": .string("r\(id)")]
            switch next(6) {
            case 0: break  // no entityId
            case 1: object["entityId"] = .number(Double(next(3)))  // not a string
            default: object["entityId"] = .string("e\(next(8))")
            }
            return StoredRecord(object)
        }
        for _ in 0..<3000 {
            let id = next(200)
            switch next(4) {
            case 0, 1: table.append(record(id))
            case 2: table.replace(record(id))
            default: table.remove("r\(id)")
            }
            let wanted = (0..<next(3) + 1).map { _ in JSONValue.string("e\(next(8))") }
            let scan = Set(
                table.inOrder.filter { r in
                    guard let e = r.object["entityId"] else { return false }
                    return e.stringValue == nil || wanted.contains(e)
                }.map(\.id))
            #expect(table.ids(withEntityIn: wanted) == scan)
        }
        #expect(table.count > 50)
        #expect(table.ids(withEntityIn: [.null]) == nil, "a non-string pin falls back to a full scan")
    }
}
