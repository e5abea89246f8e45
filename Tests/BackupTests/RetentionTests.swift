import Foundation
import Testing

@testable import Backup

/// Retention with restic's `forget` semantics, checked against its documented examples and, over
/// 400 simulated days, against a second formulation of the rules (group by period, take each
/// period's newest, keep the newest n periods).
@Suite final class RetentionTests {
    static var utc: Calendar {
        var c = Calendar(identifier: .iso8601)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }

    static func date(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 3) -> Date {
        utc.date(from: DateComponents(year: y, month: m, day: d, hour: h))!
    }

    /// restic's example: one backup every Sunday for 12 weeks; `--keep-daily 4` keeps the last four.
    @Test func keepsTheLastFourSundaysForFourDailies() {
        let sundays = (0..<12).map { Self.date(2019, 9, 1).addingTimeInterval(Double($0) * 7 * 86400) }
        let reasons = RetentionPolicy(daily: 4).apply(to: sundays)
        #expect(reasons.indices.filter { !reasons[$0].isEmpty } == [8, 9, 10, 11])
    }

    /// restic's example: daily backups, `--keep-daily 7 --keep-weekly 5 --keep-monthly 12
    /// --keep-yearly 75`: 7 dailies, 4 more weeklies (the dailies hold one), and monthlies and
    /// yearlies besides; with fewer years than 75 the oldest archive is kept too.
    @Test func dailyBackupsUnderTheDocumentedMixedPolicy() {
        let days = (0..<400).map { Self.date(2025, 6, 1).addingTimeInterval(Double($0) * 86400) }
        let policy = RetentionPolicy(daily: 7, weekly: 5, monthly: 12, yearly: 75)
        let reasons = policy.apply(to: days)
        let daily = reasons.filter { $0.contains(.daily) }
        let weeklyOnly = reasons.filter { $0.contains(.weekly) && !$0.contains(.daily) }
        #expect(daily.count == 7)
        #expect(weeklyOnly.count == 4)
        #expect(reasons.filter { $0.contains(.monthly) }.count == 12)
        #expect(reasons.filter { $0.contains(.yearly) }.count == 2)
        #expect(reasons.first?.contains(.oldest) == true)
    }

    /// 400 nights with gaps and second runs, under several rule sets: the kept set equals what the
    /// rules say taken one by one.
    @Test(arguments: [
        RetentionPolicy(last: 3), RetentionPolicy(daily: 7), RetentionPolicy(weekly: 5),
        RetentionPolicy(daily: 7, weekly: 4, monthly: 12), RetentionPolicy(monthly: 6, yearly: 2),
        RetentionPolicy(last: 2, daily: 30, weekly: 8, monthly: 12, yearly: 3), RetentionPolicy(hourly: 5),
        RetentionPolicy(yearly: 5),
    ])
    func fourHundredNightsKeepExactlyWhatTheRulesSay(policy: RetentionPolicy) {
        var times: [Date] = []
        for day in 0..<400 where day % 9 != 4 {  // some nights have no archive
            let night = Self.date(2025, 10, 27).addingTimeInterval(Double(day) * 86400)
            times.append(night)
            if day % 10 == 3 { times.append(night.addingTimeInterval(12 * 3600)) }  // a second run that day
        }
        // In no particular order: evens, then odds.
        times =
            times.indices.filter { $0 % 2 == 0 }.map { times[$0] }
            + times.indices.filter { $0 % 2 == 1 }.map { times[$0] }
        let reasons = policy.apply(to: times)
        let kept = Set(times.indices.filter { !reasons[$0].isEmpty }.map { times[$0] })
        #expect(kept == Self.expected(policy, times))
    }

    /// The rules one by one: each period's newest archive, for the newest n periods; the n newest
    /// for `last`; the oldest too when a calendar rule has fewer periods than n.
    static func expected(_ policy: RetentionPolicy, _ times: [Date]) -> Set<Date> {
        var out = Set(times.sorted(by: >).prefix(policy.last))
        let c = utc
        let periods: [(Int, (Date) -> String)] = [
            (policy.hourly, { "\(c.component(.year, from: $0))-\(c.ordinality(of: .hour, in: .year, for: $0)!)" }),
            (policy.daily, { "\(c.component(.year, from: $0))-\(c.ordinality(of: .day, in: .year, for: $0)!)" }),
            (policy.weekly, { "\(c.component(.yearForWeekOfYear, from: $0))w\(c.component(.weekOfYear, from: $0))" }),
            (policy.monthly, { "\(c.component(.year, from: $0))-\(c.component(.month, from: $0))" }),
            (policy.yearly, { "\(c.component(.year, from: $0))" }),
        ]
        for (n, period) in periods where n > 0 {
            let newestPerPeriod = Dictionary(grouping: times, by: period).values.map { $0.max()! }.sorted(by: >)
            out.formUnion(newestPerPeriod.prefix(n))
            if newestPerPeriod.count < n { out.insert(times.min()!) }
        }
        return out
    }

    @Test func archivesFromTheFutureAreKeptAndCountForNoRule() {
        let now = Self.date(2026, 1, 10)
        let times = [Self.date(2026, 1, 12), Self.date(2026, 1, 9), Self.date(2026, 1, 8)]
        let reasons = RetentionPolicy(last: 1).apply(to: times, now: now)
        #expect(reasons.map(\.isEmpty) == [false, false, true])
        #expect(reasons[1] == [.last])
    }

    @Test func thePrunerKeepsTheNewestVerifiedArchiveAndTouchesNothingElse() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prune-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let names = [
            "acme-20261101T030000Z.tar.zst", "acme-20261102T030000Z.tar.zst", "acme-20261103T030000Z.tar.zst",
            "acme-20261104T030000Z.tar.zst.partial", "my-shop-20261101T030000Z.tar.zst",
            "my-shop-20261102T030000Z.tar.zst", "notes.txt", "acme-latest.tar.zst",
        ]
        for name in names { try Data("x".utf8).write(to: dir.appendingPathComponent(name)) }
        // The newest acme archive does not verify: the one before it stays as the newest verified.
        let pruner = Pruner(directory: dir, policy: RetentionPolicy(last: 1))
        let broken = "acme-20261103T030000Z.tar.zst"
        let decisions = try pruner.prune(now: Self.date(2026, 12, 1)) { $0.lastPathComponent != broken }
        #expect(decisions.map(\.business) == ["acme", "acme", "acme", "my-shop", "my-shop"])
        #expect(
            decisions.filter(\.keep).map(\.url.lastPathComponent).sorted() == [
                "acme-20261102T030000Z.tar.zst", broken, "my-shop-20261102T030000Z.tar.zst",
            ])
        #expect(
            decisions.first { $0.url.lastPathComponent == "acme-20261102T030000Z.tar.zst" }?.reasons == [
                "newest verified"
            ])
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(
            left == [
                "acme-20261102T030000Z.tar.zst", broken, "acme-20261104T030000Z.tar.zst.partial", "acme-latest.tar.zst",
                "my-shop-20261102T030000Z.tar.zst", "notes.txt",
            ])
    }
}
