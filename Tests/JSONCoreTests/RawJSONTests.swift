import Testing

@testable import JSONCore

/// The in-place validator must accept exactly what the tree parser accepts, and the in-place
/// views must read the same members, elements and strings as the tree.
@Suite struct RawJSONTests {
    static let valid = [
        #"{}"#, #"[]"#, #""""#, "0", "-0", "1.5e+10", "-12.25E-3", "true", "false", "null", " { \"a\" : 1 } ",
        #"{"_id":"A1","n":[1,2,{"x":null}],"s":"caf\u00e9 \n \"q\" \/","t":true}"#,
        #"{"emoji":"\ud83d\ude00","raw":"zürich ✓"}"#, #"[[[[[]]]]]"#, #"{"a\"b":1}"#,
        #"{"n":1.50,"e":-0,"big":9007199254740993,"x":1E+3}"#, #""\ud800 lone surrogate""#, "1e400",
    ]

    static let invalid = [
        "", "{", "}", #"{"a":}"#, #"{"a" 1}"#, #"{"a":1,}"#, "[1,]", "[1 2]", "01", "-", "1.", ".5", "1e", "+1",
        "tru", "nul", #""abc"#, "\"a\u{01}b\"", #""\x""#, #""\u12G4""#, #"{"a":1}x"#, "[1]]", "{a:1}", "'a'",
        #"{"a":1 "b":2}"#,
    ]

    @Test(arguments: valid)
    func acceptsWhatTheParserAccepts(text: String) throws {
        #expect((try? JSONValue.parse(text)) != nil, "the tree parser should accept \(text)")
        try Array(text.utf8).withUnsafeBytes { _ = try JSONValidator.validate($0) }
    }

    @Test(arguments: invalid)
    func refusesWhatTheParserRefuses(text: String) {
        #expect((try? JSONValue.parse(text)) == nil, "the tree parser should refuse \(text)")
        #expect(throws: JSONParseError.self) { try Array(text.utf8).withUnsafeBytes { try JSONValidator.validate($0) } }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        let badUTF8: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError.self) { try badUTF8.withUnsafeBytes { try JSONValidator.validate($0) } }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(badUTF8) }
        let deep = Array((String(repeating: "[", count: 600) + String(repeating: "]", count: 600)).utf8)
        #expect(throws: JSONParseError.self) { try deep.withUnsafeBytes { try JSONValidator.validate($0) } }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }

    @Test(arguments: invalid)
    func bothStopAtTheSameByte(text: String) {
        var parserOffset: Int?
        var validatorOffset: Int?
        do { _ = try JSONValue.parse(text) } catch { parserOffset = error.offset }
        do { try Array(text.utf8).withUnsafeBytes { _ = try JSONValidator.validate($0) } } catch {
            validatorOffset = (error as? JSONParseError)?.offset
        }
        #expect(parserOffset != nil && parserOffset == validatorOffset)
    }

    @Test func theValidatorAnswersTheRootMembers() throws {
        let text = Array(#"{"_id":"A1","list":[1,"two"],"nested":{"k":"v"},"esc\"aped":"x\ty"}"#.utf8)
        try text.withUnsafeBytes { bytes in
            let root = try #require(try JSONValidator.validate(bytes))
            #expect(root["_id"]?.stringValue == "A1")
            #expect(root["esc\"aped"]?.stringValue == "x\ty")
            #expect(root["list"]?.arrayValue?.map { try? $0.parsed() } == [1, "two"])
            #expect(root["nested"]?.objectValue?["k"]?.stringValue == "v")
            #expect(root["missing"] == nil)
        }
    }

    @Test(arguments: valid)
    func inPlaceViewsReadWhatTheTreeHolds(text: String) throws {
        let tree = try JSONValue.parse(text)
        try Array(text.utf8).withUnsafeBytes { bytes in
            let raw = try #require(RawJSONValue(bytes))
            Self.expectSame(raw, tree)
        }
    }

    static func expectSame(_ raw: RawJSONValue, _ tree: JSONValue) {
        #expect((try? raw.parsed()) == tree)
        #expect(raw.stringValue == tree.stringValue)
        if let object = tree.objectValue {
            let members = raw.objectValue
            #expect(members != nil)
            for member in object {
                guard let value = members?[member.key] else {
                    Issue.record("no member \(member.key)")
                    continue
                }
                expectSame(value, member.value)
            }
        } else {
            #expect(raw.objectValue == nil)
        }
        if let elements = tree.arrayValue {
            let rawElements = raw.arrayValue ?? []
            #expect(rawElements.count == elements.count)
            for (r, t) in zip(rawElements, elements) { expectSame(r, t) }
        } else {
            #expect(raw.arrayValue == nil)
        }
    }
}
