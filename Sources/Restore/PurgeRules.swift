import Foundation
import Import
import JSONCore
import StateStore

/// When a restored trash-bin row may be purged: only when nothing is lost with it. The trashed
/// originals are the only other copy, and Plutio purges the trash by itself after 30 days.
struct PurgeRules: Sendable {
    let journal: ImportJournal
    let set: RestoredSet
    let liveness: Liveness

    /// Why purging `row` could lose something, or nil when it is safe:
    /// - a record of the row was not created (failed, skipped, its create's outcome unknown);
    /// - a child of a type this build does not know was left out of the restore;
    /// - a restored file uses the trashed original's binary (its handle, or a link to its URL);
    /// - a copy an earlier restore made, which this row relies on, is gone or was refused since.
    ///
    /// `binaries`: the file records of the restored set that have a binary (not links).
    func blocker(_ row: RestoreRow, binaries: Set<String>) async throws -> String? {
        if let child = row.unknownChildren.first {
            return
                "its child \(child) is of a type this build does not know: it was not restored and is only in the trash"
        }
        var before: [String: Set<String>] = [:]
        for record in row.records {
            guard let entry = try journal.entry(record.kind, record.id), let target = entry.targetID else {
                return "\(record.kind) \(record.id) was not restored"
            }
            if record.kind == "files", binaries.contains(record.id) {
                let how = entry.notes.contains(.linkToSourceURL) ? "links to its URL" : "reuses its handle"
                return
                    "the restored file \(target) \(how): the binary belongs to the trashed original, and purging the "
                    + "row could delete it"
            }
            switch entry.status {
            case .created: continue
            // Brought back by an earlier restore (not asked to purge then): only while that copy
            // is still there.
            case .matched where entry.notes.contains(.restoredBefore):
                before[record.kind, default: []].insert(target)
            default:
                return "\(record.kind) \(record.id) was not restored cleanly (\(entry.status.rawValue))"
            }
        }
        for (kind, targets) in before.sorted(by: { $0.key < $1.key })
        where try await liveness.ids(kind, targets, ifRefused: .none) != targets {
            return "a copy an earlier restore made of one of its \(kind) is gone, or cannot be read"
        }
        return nil
    }

    /// The file records of the restored set whose archived `type` has a binary (file, document).
    func filesWithBinaries() throws -> Set<String> {
        var out = Set<String>()
        try set.forEachLine("files") { raw in
            guard let object = raw.objectValue, let id = object["_id"]?.stringValue else { return }
            if (object["type"]?.stringValue ?? "file") != "link" { out.insert(id) }
        }
        return out
    }
}

/// A restore needs to know which records of a kind are live, and the workspace will not list it.
public struct UnlistableKind: Error, LocalizedError, Sendable {
    public let kind: String
    public let reason: String

    public var errorDescription: String? {
        "The workspace will not list \(kind) (\(reason)), so this restore cannot tell which of its \(kind) are still "
            + "live, and it would recreate live ones. Nothing was written. If those \(kind) are gone, run again with "
            + "--assume-gone \(kind)."
    }
}
