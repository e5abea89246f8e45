import Export
import PlutioAPI
import StateStore
import Testing

@Suite struct ExportETATests {
    let expected: [String: ExportHistory.Kind] = [
        "people": .init(records: 500, calls: 10), "tasks": .init(records: 4000, calls: 80),
        "comments": .init(records: 900, calls: 30),
    ]

    @Test func remainingCallsComeFromTheLastExport() {
        let kinds = ["people", "tasks", "comments", "wiki"]
        #expect(
            ExportETA.remainingCalls(kinds: kinds, expected: expected, callsSoFar: [:], finished: []) == 10 + 80 + 30
                + 1)
        #expect(
            ExportETA.remainingCalls(
                kinds: kinds, expected: expected, callsSoFar: ["people": 10, "tasks": 30], finished: ["people"])
                == 50 + 30 + 1)
        // A kind that grew past its old cost counts nothing more, not a negative amount.
        #expect(
            ExportETA.remainingCalls(kinds: kinds, expected: expected, callsSoFar: ["tasks": 95], finished: [])
                == 10 + 30 + 1)
        #expect(ExportETA.remainingCalls(kinds: kinds, expected: [:], callsSoFar: [:], finished: []) == nil)
    }

    @Test func theBudgetSlowsWhatDoesNotFitInTheWindow() throws {
        let budget = RateBudget(limit: 1000, window: .seconds(3600))
        // Everything fits in what the window has left: this run's pace.
        #expect(ExportETA.seconds(remaining: 100, pace: 10, available: 500, budget: budget) == 10)
        // 200 fit now at 10/s, 300 more at the budget's 1000/h (3.6 s each).
        let mixed = try #require(ExportETA.seconds(remaining: 500, pace: 10, available: 200, budget: budget))
        #expect(abs(mixed - (20 + 300 * 3.6)) < 1e-9)
        #expect(ExportETA.seconds(remaining: 5, pace: 0, available: 5, budget: budget) == nil)
    }

    @Test(arguments: [(12.0, "12s"), (250, "4m 10s"), (11100, "3h 05m"), (0.2, "1s")])
    func readsAsHoursMinutesSeconds(seconds: Double, text: String) {
        #expect(ExportETA.text(seconds) == text)
    }
}
