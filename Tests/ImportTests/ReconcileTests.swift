import JSONCore
import Testing

@testable import Import

/// What a lookup after a lost create accepts as the record it sent: the same fields as a
/// normalising server may store them.
struct ReconcileTests {
    static func value(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test(arguments: [
        (#""Draft  the copy ""#, #""Draft the copy""#, true),
        (#""Draft\tthe copy""#, #""Draft the copy""#, true),
        (#""Draft the copy""#, #""Draft a copy""#, false),
        (#"1.50"#, #"1.5"#, true),
        (#"1e3"#, #"1000"#, true),
        (#"1"#, #"2"#, false),
        (#"{"a":1,"b":" x"}"#, #"{"b":"x","a":1}"#, true),
        (#"{"a":1,"b":null}"#, #"{"a":1}"#, true),
        (#"{"a":1}"#, #"{"a":1,"c":2}"#, false),
        (#"["a ","b"]"#, #"["a","b"]"#, true),
        (#"["a","b"]"#, #"["b","a"]"#, false),
    ])
    func equivalenceToleratesNormalisingOnly(sent: String, stored: String, same: Bool) throws {
        #expect(Importer.equivalent(try Self.value(sent), try Self.value(stored)) == same)
    }

    @Test func aSentFieldTheServerDroppedOrRewritesDoesNotCount() throws {
        guard case .object(let body) = try Self.value(#"{"title":"T","invite":false,"status":"sent"}"#),
            case .object(let stored) = try Self.value(#"{"_id":"x","title":" T ","status":"draft"}"#)
        else { throw Failure() }
        #expect(Importer.holdsSent(body, stored, but: ["status"]))
        #expect(!Importer.holdsSent(body, stored, but: []))
    }

    struct Failure: Error {}
}
