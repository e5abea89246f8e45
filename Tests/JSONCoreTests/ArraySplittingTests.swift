import Testing

@testable import JSONCore

/// Splitting a list answer into the exact bytes of its elements, checking each, and reading a
/// top-level string member in place.
@Suite struct ArraySplittingTests {
    /// The elements' texts and their `_id` members.
    static func split(_ text: String) throws(JSONParseError) -> [(text: String, id: String?)] {
        let bytes = Array(text.utf8)
        var out: [(text: String, id: String?)] = []
        try JSONValidator.forEachElement(ofArray: bytes) { range, members in
            out.append((String(decoding: bytes[range], as: UTF8.self), members?["_id"]?.stringValue))
        }
        return out
    }

    @Test func splitsAnArrayIntoTheExactBytesOfEachElement() throws {
        let body = #" [ {"_id":"A","x":[1,{"y":"]"}],"s":"a\"b"} ,{"n":1.50,"_id":"B"},"s",1e3,[{"_id":"C"}]] "#
        let elements = try Self.split(body)
        #expect(
            elements.map(\.text) == [
                #"{"_id":"A","x":[1,{"y":"]"}],"s":"a\"b"}"#, #"{"n":1.50,"_id":"B"}"#, #""s""#, "1e3",
                #"[{"_id":"C"}]"#,
            ])
        #expect(elements.map(\.id) == ["A", "B", nil, nil, nil])
        #expect(try Self.split("[]").isEmpty)
        #expect(try Self.split(" [ ] ").isEmpty)
    }

    @Test func readsEscapedKeysAndValues() throws {
        let elements = try Self.split(#"[{"\u005fid":"caf\u00e9"},{"_id":"\ud83d\ude00"}]"#)
        #expect(elements.map(\.id) == ["café", "😀"])
    }

    @Test(arguments: [
        (#"{"a":1}"#, 0), ("", 0), (#"[{"a":1}"#, 8), (#"[{"a":1}] x"#, 10), (#"[{"a":1},]"#, 9),
        (#"[{"a":01}]"#, 8), (#"[{"_id":"A"},{"_id":"B","n":1.}]"#, 30), ("[{\"a\":\"\u{1}\"}]", 7),
        (#"[{"a":1} {"b":2}]"#, 9), (#"[{"a":"\x"}]"#, 8),
    ])
    func refusesAMalformedListAtTheByteOfTheProblem(body: String, offset: Int) {
        do {
            _ = try Self.split(body)
            Issue.record("expected an error for \(body)")
        } catch {
            #expect(error.offset == offset, "\(body): \(error.reason)")
        }
    }

    @Test func stopsWhenTheCallerThrows() {
        var seen = 0
        #expect(throws: JSONParseError(offset: 10, reason: "no")) {
            try JSONValidator.forEachElement(ofArray: Array(#"[{"a":1}, {"b":2}, {"c":3}]"#.utf8)) {
                range, _ throws(JSONParseError) in
                seen += 1
                if seen == 2 { throw JSONParseError(offset: range.lowerBound, reason: "no") }
            }
        }
        #expect(seen == 2)
    }

    @Test func readsOnlyTopLevelMembers() throws {
        let object = Array(#" {"nested":{"_id":"inner"},"_id":"outer","n":5,"e":"\u00e9"} "#.utf8)
        #expect(try JSONValidator.stringMember("_id", ofObject: object) == "outer")
        #expect(try JSONValidator.stringMember("e", ofObject: object) == "é")
        #expect(try JSONValidator.stringMember("n", ofObject: object) == nil)
        #expect(try JSONValidator.stringMember("missing", ofObject: object) == nil)
    }

    @Test(arguments: [#"["_id"]"#, #""_id""#, #"{"_id":"A""#, #"{"_id":"A"} {}"#, "", #"{"_id":"A","n":01}"#])
    func refusesWhatIsNotOneValidObject(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValidator.stringMember("_id", ofObject: Array(text.utf8)) }
    }
}
