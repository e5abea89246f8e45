import Foundation
import Testing

@testable import ArchiveChecks

/// The names `extract` gives binaries: safe, never hidden, unique without case.
@Suite struct ExtractNamingTests {
    @Test(arguments: [
        ("contract.pdf", "contract.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a\\b\u{0}c\nd.txt", "a_b_c_d.txt"),
        (".hidden", "hidden"),
        ("   ", "ID1"),
        ("", "ID1"),
    ])
    func aTitleBecomesASafeName(title: String, expected: String) {
        #expect(ArchiveExtractor.fileName(title: title, id: "ID1", taken: []) == expected)
    }

    @Test func aTakenNameGetsTheRecordID() {
        #expect(
            ArchiveExtractor.fileName(title: "Contract.pdf", id: "X9", taken: ["contract.pdf"]) == "Contract (X9).pdf")
        #expect(ArchiveExtractor.fileName(title: "notes", id: "X9", taken: ["notes"]) == "notes (X9)")
        #expect(
            ArchiveExtractor.fileName(title: "a.pdf", id: "X9", taken: ["a.pdf", "a (x9).pdf"]) == "a (X9 2).pdf")
        #expect(ArchiveExtractor.fileName(title: nil, id: "X9", taken: []) == "X9")
        // An id from a crafted archive never leaves the directory either.
        #expect(ArchiveExtractor.fileName(title: nil, id: "../../x", taken: []) == "_.._x")
        #expect(ArchiveExtractor.fileName(title: "a", id: "../b", taken: ["a"]) == "a (_b)")
        #expect(
            ArchiveExtractor.fileName(title: "records.json", id: "R1", taken: ["records.json"]) == "records (R1).json")
        let long = String(repeating: "é", count: 300)
        #expect(ArchiveExtractor.fileName(title: long, id: "X9", taken: []).utf8.count <= 200)
    }
}
