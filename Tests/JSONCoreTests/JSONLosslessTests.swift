import Testing

@testable import JSONCore

/// Parsing compact JSON and writing it again gives the same bytes; values keep answering their
/// decoded strings and numbers, and compare by value.
@Suite struct JSONLosslessTests {
    static let compactTexts = [
        // Numbers keep their text.
        "1.50", "1e3", "1E+3", "-0", "9007199254740993", "0.1", "-12.5", "1.5e-7", "-0.0", "100E-2",
        "123456789012345678901234567890", "1e400", "0", "42", "-7",
        // Strings keep their escapes.
        #""\u00e9""#, #""caf\u00e9""#, #""\/""#, #""\ud83d\ude00""#, #""\u00E9""#, #""\b\f""#, #""\u001F""#,
        #""\u001f""#, #""a\"b\\c\nd\re\tf""#, #""\ud800""#, #""é✓""#, #""""#,
        // Inside objects (keys unsorted, keys with escapes) and arrays.
        #"{"z":1.50,"a":"\u00e9","m":[1e3,-0,9007199254740993]}"#,
        #"{"caf\u00e9":{"\/":[0.10,"\ud83d\ude00",{"n":-0.0}]},"b":true,"a":null}"#,
        #"[[],{},"",[1E+3,{"k":"\u0041"}]]"#,
    ]

    @Test(arguments: compactTexts)
    func writesTheBytesItRead(text: String) throws {
        let value = try JSONValue.parse(text)
        #expect(value.bytes == Array(text.utf8))
        #expect(value.text == text)
    }

    @Test(arguments: 0..<4)
    func writesTheBytesOfGeneratedTexts(seed: Int) throws {
        var generator = JSONTextGenerator(seed: UInt64(seed))
        for _ in 0..<250 {
            let text = generator.value()
            #expect(try JSONValue.parse(text).text == text)
            try Array(text.utf8).withUnsafeBytes { _ = try JSONValidator.validate($0) }
        }
    }

    @Test func dropsOnlyTheSpacesBetweenTokens() throws {
        let value = try JSONValue.parse(" {\n \"z\" : 1.50 ,\t\"a\" : [ 1e3 , \"\\u00e9\" ] } ")
        #expect(value.text == #"{"z":1.50,"a":[1e3,"\u00e9"]}"#)
    }

    @Test(arguments: [
        (#""\u00e9""#, "é"), (#""caf\u00e9""#, "café"), (#""\/""#, "/"), (#""\ud83d\ude00""#, "😀"),
        (#""\b\f\u001F""#, "\u{8}\u{C}\u{1F}"), (#""\ud800x""#, "\u{FFFD}x"), (#""plain""#, "plain"),
    ])
    func answersTheDecodedString(text: String, decoded: String) throws {
        let value = try JSONValue.parse(text)
        #expect(value.stringValue == decoded)
        #expect(value == .string(decoded))
    }

    @Test(arguments: [
        ("1.50", 1.5), ("1e3", 1000), ("1E+3", 1000), ("-12.5", -12.5), ("0.1", 0.1),
        ("9007199254740993", 9_007_199_254_740_992),
    ])
    func answersTheNumberAsADouble(text: String, number: Double) throws {
        #expect(try JSONValue.parse(text).numberValue == number)
    }

    @Test func keepsTheSignOfMinusZero() throws {
        let value = try #require(try JSONValue.parse("-0").numberValue)
        #expect(value == 0 && value.sign == .minus)
    }

    @Test(arguments: [("1.50", "1.5"), ("1e3", "1000"), ("1E+3", "1e3"), ("-0", "0"), ("0.10", "1e-1")])
    func comparesNumbersByValue(a: String, b: String) throws {
        let x = try JSONValue.parse(a)
        let y = try JSONValue.parse(b)
        #expect(x == y)
        #expect(Set([x, y]).count == 1)
        #expect(x.text != y.text)
    }

    @Test func comparesIntegersPastTwoToThe53ByTheirDigits() throws {
        // Both round to one Double; they are different numbers, and each keeps its digits.
        let odd = try JSONValue.parse("9007199254740993")
        let even = try JSONValue.parse("9007199254740992")
        #expect(odd != even)
        #expect(odd.text == "9007199254740993" && even.text == "9007199254740992")
        #expect(try odd == JSONValue.parse("9.007199254740993e15"))
        #expect(odd == .number(JSONNumber(9_007_199_254_740_993)))
        #expect(even == .number(JSONNumber(9_007_199_254_740_992)))
        #expect(try JSONValue.parse("1.5") != JSONValue.parse("1.25"))
        // Exact decimals past a Double's precision, too.
        #expect(try JSONValue.parse("0.10000000000000000001") != JSONValue.parse("0.1"))
        #expect(try JSONValue.parse("0.100000000000000000010") == JSONValue.parse("1.0000000000000000001e-1"))
        let texts = ["9007199254740993", "9007199254740992", "-9007199254740993", "-9007199254740992"]
        let numbers = try texts.map { text in try #require(JSONNumber(text: text)) }
        #expect(
            numbers.sorted().map(\.text) == [
                "-9007199254740993", "-9007199254740992", "9007199254740992", "9007199254740993",
            ])
    }

    @Test func ordersNumbersAndStringsByValue() throws {
        let numbers = try ["1e3", "2.50", "-0", "0.1"].map { try JSONValue.parse($0) }
        let sorted = numbers.compactMap { if case .number(let n) = $0 { n } else { nil } }.sorted()
        #expect(sorted.map(\.text) == ["-0", "0.1", "2.50", "1e3"])
        let strings = try [#""\u0062""#, #""a""#].map { try JSONValue.parse($0) }
        let ordered = strings.compactMap { if case .string(let s) = $0 { s } else { nil } }.sorted()
        #expect(ordered.map(\.string) == ["a", "b"])
    }

    @Test func comparesStringsByDecodedValue() throws {
        let escaped = try JSONValue.parse(#""caf\u00e9""#)
        #expect(escaped == "café")
        #expect(Set([escaped, "café"]).count == 1)
        #expect(try JSONValue.parse(#"{"caf\u00e9":1}"#)["café"] == 1)
    }

    @Test(arguments: [
        (JSONValue.number(1042), "1042"), (.number(12.5), "12.5"), (.number(-0.0), "0"), (.number(1e300), "1e+300"),
        (.number(9_007_199_254_740_993), "9007199254740993"), (.number(Double.nan), "null"), (1.50, "1.5"),
        (.string("é\u{1}\"\\\n\r\t/"), #""é\u0001\"\\\n\r\t/""#), ("café", #""café""#),
        (["z": 1, "a": [2.5, "x", nil, true]] as JSONValue, #"{"z":1,"a":[2.5,"x",null,true]}"#),
    ])
    func writesValuesMadeInCodeCanonically(value: JSONValue, text: String) {
        #expect(value.text == text)
    }

    @Test func keepsTheTextOfMembersAnEditLeavesAlone() throws {
        var object = try #require(try JSONValue.parse(#"{"caf\u00e9":1.50,"n":1e3,"s":"\/"}"#).objectValue)
        object["n"] = 7
        object["new"] = "\u{e9}"
        #expect(JSONValue.object(object).text == #"{"caf\u00e9":1.50,"n":7,"s":"\/","new":"é"}"#)
    }

    @Test(arguments: ["1.50", "-0", "1e3", "9007199254740993"])
    func readsANumberText(text: String) throws {
        let number = try #require(JSONNumber(text: text))
        #expect(number.text == text)
        #expect(number.keepsWrittenText)
    }

    @Test(arguments: ["", " 1", "1 ", "01", "1.", "+1", "0x10", "NaN", "1e", "--1", "\"1\""])
    func refusesWhatIsNotOneNumber(text: String) {
        #expect(JSONNumber(text: text) == nil)
    }

    @Test func keepsNoTextWhenTheWriterWouldWriteTheSame() throws {
        for text in ["0", "42", "-7", "123456789012345"] {
            guard case .number(let n) = try JSONValue.parse(text) else {
                Issue.record("\(text) is not a number")
                continue
            }
            #expect(!n.keepsWrittenText, "\(text)")
        }
        guard case .string(let s) = try JSONValue.parse(#""a\"b\n\u0001""#) else {
            Issue.record("not a string")
            return
        }
        #expect(s.writtenText == nil)
    }
}
