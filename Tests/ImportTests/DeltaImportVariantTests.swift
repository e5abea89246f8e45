import Testing

/// The second half of `DeltaImportTests`' write variants, in a suite of its own: serialized like
/// that one, and beside it.
@Suite(.serialized, .timeLimit(.minutes(10))) struct DeltaImportVariantTests {
    @Test(arguments: ImportGraphTests.secondHalf)
    func aDeltaBringsTheTargetInStepWithTheSource(variant: ImportGraphTests.Variant) async throws {
        try await DeltaImportTests.deltaAndCompare(variant: variant)
    }
}
