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

            Then each blob store the archives name (and DIR/blobs) is swept: blobs that no \
            archive of DIR or of any other directory registered with the store (exports and prunes \
            register theirs) names are deleted, unless younger \
            than --grace-minutes. The sweep deletes nothing while an export is writing to the \
            store, when an archive cannot be read, or when a registered directory is gone; the \
            message says what to do. --dry-run also shows the blobs and bytes the sweep would free.
            """)

    @Argument(help: "The directory holding the archives.") var directory: String
    @Option(help: "Keep the N newest archives.") var keepLast = 0
    @Option(help: "Keep the newest archive of each of the last N hours that have one.") var keepHourly = 0
    @Option(help: "Keep the newest archive of each of the last N days that have one.") var keepDaily = 0
    @Option(help: "Keep the newest archive of each of the last N weeks that have one.") var keepWeekly = 0
    @Option(help: "Keep the newest archive of each of the last N months that have one.") var keepMonthly = 0
    @Option(help: "Keep the newest archive of each of the last N years that have one.") var keepYearly = 0
    @Flag(help: "Show what would be deleted; delete nothing.") var dryRun = false
    @Option(help: "Keep blobs no archive names for this long after they were written (an export's grace).")
    var graceMinutes = 60

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
        if graceMinutes < 0 { throw ValidationError("--grace-minutes cannot be negative") }
        if policy.isEmpty {
            throw ValidationError(
                "Give at least one --keep-* rule, e.g. --keep-daily 7 --keep-weekly 4; nothing was deleted.")
        }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: self.directory)
        let pruner = Pruner(directory: directory, policy: policy)
        // The stores are read from the manifests before any archive goes.
        let stores = BlobSweep.stores(namedIn: directory)
        let decisions = dryRun ? try pruner.plan() : try pruner.prune()
        for d in decisions {
            let what = d.keep ? "keep   (\(d.reasons.joined(separator: ", ")))" : (dryRun ? "would delete" : "deleted")
            print("\(d.url.lastPathComponent)  \(Timestamp.string(d.time))  \(what)")
        }
        let gone = decisions.filter { !$0.keep }
        print(
            "\(decisions.count - gone.count) kept, \(gone.count) \(dryRun ? "would be deleted (dry run)" : "deleted")"
                + (decisions.isEmpty ? "; no archives named <business>-<UTC time>.tar.zst in \(self.directory)" : ""))
        var refused = false
        for store in stores {
            // Registered, later sweeps (backup's, another directory's prune) read this directory too.
            if !dryRun { try store.register(archiveDirectory: directory) }
            let sweep = BlobSweep(store: store, grace: TimeInterval(graceMinutes * 60))
            do {
                let o = try sweep.run(
                    dryRun: dryRun, also: [directory],
                    excluding: dryRun ? Set(gone.map { $0.url.standardizedFileURL.path }) : [])
                print(
                    "blob store \(o.store): \(o.freedBlobs) blobs (\(byteText(o.freedBytes))) "
                        + (dryRun ? "would be freed (dry run)" : "freed")
                        + ", \(o.keptBlobs) kept (\(byteText(o.keptBytes)))"
                        + (o.young > 0 ? ", \(o.young) unnamed kept for the grace period" : ""))
            } catch let refusal as BlobSweep.Refusal {
                FileHandle.standardError.write(Data("warning: \(refusal.localizedDescription)\n".utf8))
                if case .busy = refusal { continue }
                refused = true
            }
        }
        if refused { throw Outcome(status: .failure) }
    }
}
