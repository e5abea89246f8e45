import Foundation

/// The one way the project writes and reads a time: ISO 8601 in UTC, as the contract writes it
/// (§2.7, `2026-11-29T08:40:02.007Z`), and its compact form in archive names
/// (`20261129T084002Z`). Logs, journals, manifests, reports and the fake all use it.
public enum Timestamp {
    private static let full = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let compactStyle = Date.ISO8601FormatStyle(
        dateSeparator: .omitted, dateTimeSeparator: .standard, timeSeparator: .omitted)
    private static let dateOnly = Date.ISO8601FormatStyle().year().month().day()

    /// `2026-11-29T08:40:02.007Z`: milliseconds, truncated.
    public static func string(_ date: Date) -> String { date.formatted(full) }

    /// `20261129T084002Z`: whole seconds, as in `<business>-<time>.tar.zst`.
    public static func compact(_ date: Date) -> String { date.formatted(compactStyle) }

    /// Parses an ISO 8601 time with or without fractions of a second; with `dateOnly`, a bare
    /// date (`2026-11-29`, midnight UTC) too.
    public static func date(_ text: String, dateOnly allowDate: Bool = false) -> Date? {
        if let date = try? full.parse(text) { return date }
        return allowDate ? try? dateOnly.parse(text) : nil
    }

    /// Parses the compact form (exactly `yyyyMMddTHHmmssZ`).
    public static func date(compact text: String) -> Date? {
        guard text.count == 16 else { return nil }
        return try? compactStyle.parse(text)
    }
}
