import Foundation
import Testing

@testable import JSONCore

/// `JSONValue` through `Codable`: members are encoded in order, decoding is deterministic, and
/// numbers go through `Int64` or `Decimal` rather than `Double` where they can.
@Suite struct JSONCodableTests {
    @Test func encodesMembersInTheirOrder() throws {
        let value = try JSONValue.parse(#"{"z":1.50,"a":{"y":1,"b":"\u00e9"},"m":[{"q":1e3,"c":-0},2],"b":null}"#)
        #expect(try KeyOrderEncoder.keys(of: value) == [["z", "a", "m", "b"], ["y", "b"], ["q", "c"]])
    }

    @Test func decodesKeysInTheSameOrderEveryTime() throws {
        // Foundation's JSONDecoder lists keys in hash order, which changes from run to run;
        // decoding sorts them.
        let data = Data(#"{"z":1,"a":2,"m":{"y":3,"b":4},"q":5,"c":6}"#.utf8)
        let value = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(value.objectValue?.keys == ["a", "c", "m", "q", "z"])
        #expect(value["m"]?.objectValue?.keys == ["b", "y"])
    }

    @Test(arguments: [
        #"{"z":1.50,"a":"\u00e9","m":[1e3,-0,9007199254740993]}"#, #"[true,false,null,"",0.1,-12.5]"#,
        #"{"big":123456789012345678901234567890,"tiny":1e-200,"neg":-9223372036854775808}"#,
    ])
    func keepsValuesThroughFoundation(text: String) throws {
        let value = try JSONValue.parse(text)
        let data = try JSONEncoder().encode(value)
        let again = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(again == value)
        #expect(try JSONValue.parse(data) == value)
    }

    @Test func keepsIntegersPastTwoToThe53Exactly() throws {
        let value = try JSONValue.parse("[9007199254740993]")
        let data = try JSONEncoder().encode(value)
        #expect(String(decoding: data, as: UTF8.self) == "[9007199254740993]")
        let again = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(again.text == "[9007199254740993]")
    }

    @Test(arguments: [("1.50", "1.5"), ("1e3", "1000"), ("-0", "-0"), ("0.1", "0.1"), ("1E+3", "1000")])
    func writesFoundationsTextForNumbers(text: String, encoded: String) throws {
        // What Codable cannot keep: Foundation's encoder writes numbers its own way.
        let data = try JSONEncoder().encode(JSONValue.parse("[\(text)]"))
        #expect(String(decoding: data, as: UTF8.self) == "[\(encoded)]")
    }
}
