import Archive
import Foundation
import Session

/// Applies a `RetentionPolicy` to the archives in a directory, per business: archives are
/// `<business>-<YYYYMMDDTHHMMSSZ>.tar.zst`, timed by their name. Whatever the policy says, the
/// newest archive of each business that verifies (checksums, counts, every line) is kept, and
/// nothing else in the directory is touched (`.partial` files, staging, other files).
public struct Pruner: Sendable {
    public let directory: URL
    public let policy: RetentionPolicy

    public init(directory: URL, policy: RetentionPolicy) {
        self.directory = directory
        self.policy = policy
    }

    /// One archive and the decision about it.
    public struct Decision: Sendable, Equatable {
        public var url: URL
        public var business: String
        public var time: Date
        /// Empty: the archive goes.
        public var reasons: [String]
        public var keep: Bool { !reasons.isEmpty }
    }

    /// The decisions, newest first per business, businesses sorted; deletes nothing.
    public func plan(now: Date = Date(), verify: (URL) -> Bool = Pruner.verifies) throws -> [Decision] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        var byBusiness: [String: [(URL, Date)]] = [:]
        for name in names {
            guard let (business, time) = ArchiveName.parse(name) else { continue }
            byBusiness[business, default: []].append((directory.appendingPathComponent(name), time))
        }
        var out: [Decision] = []
        for business in byBusiness.keys.sorted() {
            let archives = byBusiness[business]!.sorted { $0.1 > $1.1 }
            let reasons = policy.apply(to: archives.map(\.1), now: now)
            var decisions = zip(archives, reasons).map { archive, reasons in
                Decision(url: archive.0, business: business, time: archive.1, reasons: reasons.map(\.rawValue))
            }
            // The newest archive that verifies stays, whatever the rules say.
            if let newest = decisions.indices.first(where: { verify(decisions[$0].url) }),
                !decisions[newest].keep
            {
                decisions[newest].reasons.append("newest verified")
            }
            out += decisions
        }
        return out
    }

    /// Deletes the archives the plan lets go; answers the plan.
    public func prune(now: Date = Date(), verify: (URL) -> Bool = Pruner.verifies) throws -> [Decision] {
        let decisions = try plan(now: now, verify: verify)
        for decision in decisions where !decision.keep { try FileManager.default.removeItem(at: decision.url) }
        return decisions
    }

    /// Whether an archive passes the format check (manifest, checksums, counts, every line).
    public static func verifies(_ url: URL) -> Bool {
        (try? ArchiveVerifier().verify(url))?.isIntact ?? false
    }

}
