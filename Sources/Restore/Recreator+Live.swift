import Catalog
import Foundation
import Import
import JSONCore
import StateStore

/// What the restored set keeps as it is: records the target still has, references to live
/// records, and copies earlier restores of the business made.
extension Recreator {
    /// Records of the set an earlier restore of this business brought back already are not
    /// brought back twice. A trash row is restored once (its copy, deleted since, is a row of its
    /// own); an archive restore asks whether that copy is still live: if so it is kept, if not
    /// the record is restored anew and what named the gone copy is pointed at the new one
    /// (answered: gone copy's id -> source id). A read the target refuses counts as live: no copy
    /// is ever made on a guess. A copy whose follow-up PUT was refused then stays failed (exit 3);
    /// a create another restore sent and never learned the outcome of stops this one.
    func matchEarlierRestores(
        _ members: [String: Set<String>], checkingLiveness: Bool
    ) async throws -> [String: String] {
        guard let earlierRuns else { return [:] }
        var replaced: [String: String] = [:]
        for (kind, ids) in members.sorted(by: { $0.key < $1.key }) {
            var earlier: [String: ImportJournal.Entry] = [:]
            for id in ids where try journal.entry(kind, id) == nil {
                guard let entry = try journal.earlier(kind, id, runsStartingWith: earlierRuns).first else { continue }
                if entry.status == .intent { throw InterruptedRestore(kind: kind, id: id) }
                earlier[id] = entry
            }
            guard !earlier.isEmpty else { continue }
            let targets = Set(earlier.values.compactMap(\.targetID))
            let live = checkingLiveness ? try await liveness.ids(kind, targets, ifRefused: .live) : targets
            for (id, entry) in earlier.sorted(by: { $0.key < $1.key }) {
                guard let target = entry.targetID else { continue }
                if !live.contains(target) {
                    replaced[target] = id
                } else if entry.status == .failed {
                    try journal.settle(
                        kind, id, status: .failed, targetID: target,
                        reason: "restored before as \(target), with this problem: " + (entry.reason ?? "refused"),
                        notes: .restoredBefore)
                } else {
                    let notes = entry.notes.intersection(.linkToSourceURL).union(.restoredBefore)
                    try journal.settle(
                        kind, id, status: .matched, targetID: target,
                        reason: (["restored before as \(target)"] + notes.text).joined(separator: "; "), notes: notes)
                }
            }
        }
        return replaced
    }

    /// Records of the restored set that the target still has keep their ids and their current
    /// values: they are mapped onto themselves and not created again.
    func mapLiveMembers(_ members: [String: Set<String>]) async throws {
        for (kind, ids) in members.sorted(by: { $0.key < $1.key }) {
            let unknown = try ids.filter { try journal.entry(kind, $0) == nil }
            for id in try await liveness.ids(kind, unknown, ifRefused: .stop) {
                try journal.settle(
                    kind, id, status: .matched, targetID: id,
                    reason: "live: kept as it is (restore --revert puts back its archived values)")
            }
        }
    }

    /// References from the restored set to records outside it keep their ids when those records
    /// are live: the journal maps them onto themselves, so the importer sends them unchanged.
    func mapLiveReferences(_ members: [String: Set<String>]) async throws {
        let inSet = Set(members.values.joined())
        var referenced: [String: Set<String>] = [:]
        for kind in catalog.kinds {
            try set.forEachLine(kind.name) { raw in
                for ref in catalog.referenceValues(in: raw, of: kind)
                where ref.naming == .id && ref.optionOfField == nil {
                    guard !inSet.contains(ref.value) else { continue }
                    for target in ref.targetKinds { referenced[target, default: []].insert(ref.value) }
                }
            }
        }
        for (kind, ids) in referenced.sorted(by: { $0.key < $1.key }) {
            let unknown = try ids.filter { try journal.entry(kind, $0) == nil }
            // A kind the workspace will not list is not taken as gone: its references are kept as
            // they are (the target checks them), unless the user says they are gone.
            for id in try await liveness.ids(kind, unknown, ifRefused: .live) {
                try journal.settle(kind, id, status: .matched, targetID: id, reason: "live: kept as it is")
            }
        }
    }
}
