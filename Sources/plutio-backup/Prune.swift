import ArgumentParser
import Backup
import Basics
import Foundation

/// `plutio-backup prune`: deletes the archives a retention policy lets go.
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete the archives in DIR that no --keep-* rule keeps (restic's forget semantics), per business.",
        discussion: """
            Archives are DIR/<business>-<UTC time>.tar.zst. --keep-last N keeps the N newest; --keep-daily N \
            keeps the newest archive of each of the last N days that have one (likewise hourly, weekly \
            (Monday to Sunday), monthly, yearly; UTC). Rules add up. When a calendar rule finds fewer \
            periods than N, the oldest archive is kept too. The newest archive of each business that \
            verifies is always kept, and nothing but archives is touched (.partial files stay).
            """)

    @Argument(help: "The directory holding the archives.") var directory: String
    @Option(help: "Keep the N newest archives.") var keepLast = 0
    @Option(help: "Keep the newest archive of each of the last N hours that have one.") var keepHourly = 0
    @Option(help: "Keep the newest archive of each of the last N days that have one.") var keepDaily = 0
    @Option(help: "Keep the newest archive of each of the last N weeks that have one.") var keepWeekly = 0
    @Option(help: "Keep the newest archive of each of the last N months that have one.") var keepMonthly = 0
    @Option(help: "Keep the newest archive of each of the last N years that have one.") var keepYearly = 0
    @Flag(help: "Show what would be deleted; delete nothing.") var dryRun = false

    var policy: RetentionPolicy {
        RetentionPolicy(
            last: keepLast, hourly: keepHourly, daily: keepDaily, weekly: keepWeekly, monthly: keepMonthly,
            yearly: keepYearly)
    }

    func validate() throws {
        if policy.counts.contains(where: { $0 < 0 }) { throw ValidationError("--keep-* values cannot be negative") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(directory) is not a directory; give the directory export writes archives to.")
        }
        if policy.isEmpty {
            throw ValidationError(
                "Give at least one --keep-* rule, e.g. --keep-daily 7 --keep-weekly 4; nothing was deleted.")
        }
    }

    func run() throws {
        let pruner = Pruner(directory: URL(fileURLWithPath: directory), policy: policy)
        let decisions = dryRun ? try pruner.plan() : try pruner.prune()
        for d in decisions {
            let what = d.keep ? "keep   (\(d.reasons.joined(separator: ", ")))" : (dryRun ? "would delete" : "deleted")
            print("\(d.url.lastPathComponent)  \(Timestamp.string(d.time))  \(what)")
        }
        let gone = decisions.filter { !$0.keep }.count
        print(
            "\(decisions.count - gone) kept, \(gone) \(dryRun ? "would be deleted (dry run)" : "deleted")"
                + (decisions.isEmpty ? "; no archives named <business>-<UTC time>.tar.zst in \(directory)" : ""))
    }
}
