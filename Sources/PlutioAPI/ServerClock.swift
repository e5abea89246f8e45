import Foundation
import Synchronization

/// The server's clock as this process has measured it: what "created since" means to the
/// records the server stamps (contract §4.8: a lost create is looked for among the records made
/// since its intent, whatever the local clock says).
///
/// Measures, best first: a token's issue time (`accessTokenExpiresAt` less `expires_in`, known
/// from the first call), a record the server has just stamped (a create's `createdAt`), a
/// `Date` header (to the second). Until one of the first two is seen, the clock is not measured.
public final class ServerClock: Sendable {
    private let offset = Mutex<(seconds: TimeInterval, measured: Bool)?>(nil)

    public init() {}

    /// The server's time now: ours plus the offset last measured (ours until one is).
    public func now() -> Date { Date().addingTimeInterval(offset.withLock { $0?.seconds ?? 0 }) }

    /// Whether a server stamp (not only a `Date` header) set the offset.
    public var isMeasured: Bool { offset.withLock { $0?.measured ?? false } }

    /// Notes a time the server stamped (`stamp`) that we saw at `local`.
    public func note(stamp: Date, at local: Date) {
        offset.withLock { $0 = (stamp.timeIntervalSince(local), true) }
    }

    /// Notes a `Date` header's time, unless a stamp measured the clock already.
    public func note(header: Date, at local: Date) {
        offset.withLock { current in
            if current?.measured != true { current = (header.timeIntervalSince(local), false) }
        }
    }

    /// An HTTP date (`Wed, 02 Dec 2026 12:31:53 GMT`, RFC 9110's IMF-fixdate); nil for others.
    public static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
            let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        var time = tm()
        time.tm_year = Int32(year - 1900)
        time.tm_mon = Int32(month)
        time.tm_mday = Int32(day)
        time.tm_hour = Int32(clock[0])
        time.tm_min = Int32(clock[1])
        time.tm_sec = Int32(clock[2])
        return Date(timeIntervalSince1970: TimeInterval(timegm(&time)))
    }
}
