import Foundation
import JSONCore
import Testing

@testable import PlutioAPI

@Suite struct RawRecordTests {
    /// A pretty-printed answer: each record stays one NDJSON line, its value and length unchanged,
    /// and a line break escaped inside a string stays as sent.
    @Test func recordsOfAPrettyPrintedAnswerAreOneLineEach() throws {
        let body =
            "[\n  {\n    \"_id\" : \"A\",\r\n    \"note\" : \"two\\nlines\",\n    \"n\" : 1.50\n  },\n  {\"_id\":\"B\"}\n]"
        let records = try RawJSON.records(in: Array(body.utf8))
        #expect(records.map(\.id) == ["A", "B"])
        let first = records[0].bytes
        #expect(!first.contains(0x0A) && !first.contains(0x0D))
        #expect(
            String(decoding: first, as: UTF8.self)
                == #"{     "_id" : "A",      "note" : "two\nlines",     "n" : 1.50   }"#)
        #expect(
            try records[0].parsed()
                == JSONValue.parse(Array("{\"_id\":\"A\",\"note\":\"two\\nlines\",\"n\":1.50}".utf8)))
        #expect(records[1].bytes == Array(#"{"_id":"B"}"#.utf8))
    }
}
