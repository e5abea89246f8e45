import Testing

@testable import JSONCore

@Suite struct JSONValueTests {
    @Test(arguments: [
        #"{"b":1,"a":[true,false,null],"c":{"d":"x"}}"#,
        #"[]"#, #"{}"#, #""é\u00e9\n""#, #"-12.5"#, #"1e3"#, #"[1,2.25,-3]"#,
    ])
    func roundTripsThroughParseAndWrite(text: String) throws {
        let value = try JSONValue.parse(text)
        let again = try JSONValue.parse(value.text)
        #expect(value == again)
    }

    @Test func keepsKeyOrder() throws {
        let value = try JSONValue.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value.text == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test func writesIntegersWithoutFraction() throws {
        #expect(JSONValue.number(1042).text == "1042")
        #expect(JSONValue.number(12.5).text == "12.5")
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONValue.parse(#""a\"b\\c\/d\ud83d\ude00""#)
        #expect(value.stringValue == "a\"b\\c/d😀")
        #expect(try JSONValue.parse(value.text) == value)
    }

    @Test(arguments: [
        "", "{", #"{"a"}"#, #"{"a":1,}"#, "[1,]", "01", "1.", "tru", #""\x""#, "[1] 2", #""\u12""#,
    ])
    func rejectsMalformedText(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func reportsTheOffsetOfTheProblem() {
        do {
            _ = try JSONValue.parse(#"{"a":1,"b":?}"#)
            Issue.record("expected a parse error")
        } catch {
            #expect(error.offset == 11)
        }
    }

    @Test func objectSubscriptSetsReplacesAndRemoves() {
        var object = JSONObject()
        object["a"] = 1
        object["b"] = 2
        object["a"] = 3
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
        object["a"] = nil
        #expect(object.keys == ["b"])
    }

    @Test func comparesObjectsRegardlessOfOrder() throws {
        #expect(try JSONValue.parse(#"{"a":1,"b":2}"#) == JSONValue.parse(#"{"b":2,"a":1}"#))
        #expect(try JSONValue.parse(#"{"a":1}"#) != JSONValue.parse(#"{"a":2}"#))
    }

    @Test func rejectsExcessiveNesting() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }
}
