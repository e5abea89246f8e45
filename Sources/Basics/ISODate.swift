import Foundation

/// Parses an ISO 8601 time as Plutio writes it (`2026-11-29T09:12:44.230Z`), with or without
/// fractions of a second; with `dateOnly`, a bare date (`2026-11-29`, midnight UTC) too.
public func parseISODate(_ text: String, dateOnly: Bool = false) -> Date? {
    let formatter = ISO8601DateFormatter()
    var forms: [ISO8601DateFormatter.Options] = [
        [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
    ]
    if dateOnly { forms.append([.withFullDate]) }
    for options in forms {
        formatter.formatOptions = options
        if let date = formatter.date(from: text) { return date }
    }
    return nil
}
