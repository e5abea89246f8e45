import Basics
import Foundation

/// The name an export gives its archive, `<business>-<UTC time>.tar.zst`
/// (`acme-20261129T030000Z.tar.zst`): what retention, status and `restore --trash` read back.
package enum ArchiveName {
    /// The archive name of an export of `business` started at `date`.
    package static func make(business: String, startedAt date: Date) -> String {
        "\(business)-\(Timestamp.compact(date)).tar.zst"
    }

    /// `acme-20261129T030000Z.tar.zst` -> ("acme", 2026-11-29 03:00:00 UTC); nil for anything else
    /// (a `.partial` among them).
    package static func parse(_ name: String) -> (business: String, time: Date)? {
        guard name.hasSuffix(".tar.zst") else { return nil }
        let stem = name.dropLast(".tar.zst".count)
        guard let dash = stem.lastIndex(of: "-") else { return nil }
        let business = String(stem[..<dash])
        guard !business.isEmpty, let date = Timestamp.date(compact: String(stem[stem.index(after: dash)...])) else {
            return nil
        }
        return (business, date)
    }
}
