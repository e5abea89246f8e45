import Testing

/// The second half of `ImportGraphTests`' write variants, in a suite of its own: serialized like
/// that one, and beside it.
@Suite(.serialized, .timeLimit(.minutes(10))) struct ImportGraphVariantTests {
    @Test(arguments: ImportGraphTests.secondHalf)
    func theImportedGraphEqualsTheSource(variant: ImportGraphTests.Variant) async throws {
        try await ImportGraphTests.importAndCompare(records: 400, variant: variant)
    }
}
