import Archive
import Basics
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import Session
import StateStore

extension Importer {
    /// What a delta will do and cost (see `DeltaPlan`), from the archive's records extracted to
    /// the scratch directory; reads the target (step 0 and the records the delta touches) and
    /// writes nothing.
    package func planDelta(archive: URL, base: String, ownRows: Bool) async throws -> DeltaPlan {
        try makePrivateDirectory(scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var importer = self
        let manifest = try ArchiveVerifier.manifest(of: archive)
        importer.archiveLacksRoles = manifest.kinds["roles"]?.complete == false
        importer.incompleteKinds = Set(manifest.kinds.filter { !$0.value.complete }.keys)
        importer.manifestKinds = Set(manifest.kinds.keys)
        return try await importer.planDelta(extracted: try importer.extract(archive), base: base, ownRows: ownRows)
    }

    func planDelta(extracted: Set<String>, base: String, ownRows: Bool) async throws -> DeltaPlan {
        let before = client.callsMade
        var target = try await readTarget()
        target.optionFields = try await optionFields()
        let found = try await findDelta(extracted: extracted, target: target, writes: false, ownRows: ownRows)
        var plan = DeltaPlan(base: base)
        plan.targetReads = client.callsMade - before
        var deleted: [String: Set<String>] = [:]
        for kind in try importOrder() where extracted.contains(kind.name) || found.gone[kind.name] != nil {
            var line = DeltaPlan.Kind(kind: kind.name, records: 0)
            let new = found.newIDs[kind.name] ?? []
            var followUps = 0
            let url = scratch.appendingPathComponent("\(kind.name).ndjson")
            if extracted.contains(kind.name) {
                try NDJSONFile.forEachLine(url) { bytes in
                    line.records += 1
                    guard let id = NDJSONFile.id(of: bytes), new.contains(id) else { return }
                    followUps += bytes.withUnsafeBytes { buffer in
                        (try? JSONValidator.validate(buffer)).map { planner.followUps(kind, $0) } ?? 0
                    }
                }
            }
            if case .matchOrCreate = planner.decision(kind) {} else { continue }
            line.create = found.new[kind.name] ?? 0
            line.conflicts = found.conflicted[kind.name] ?? 0
            line.kept = found.kept[kind.name] ?? 0
            line.unchanged = found.unchanged[kind.name] ?? 0
            var archives = 0
            for change in found.changed[kind.name] ?? [] {
                guard let current = found.targets[kind.name]?[change.targetID] else { continue }
                let decision = try decide(kind, change, current: current, target: target)
                if !decision.conflicts.isEmpty { line.conflicts += 1 }
                if decision.put.count > 0 || decision.blocks != nil { line.update += 1 }
                if decision.put.count > 0, decision.blocks != nil { line.calls += 1 }
                if decision.move.count > 0 { line.move += 1 }
                if decision.archived != nil { archives += 1 }
                if decision.isEmpty, decision.conflicts.isEmpty { line.unchanged += 1 }
            }
            line.archive = archives
            var deletes = 0
            for record in found.gone[kind.name] ?? [] {
                guard let current = found.targets[kind.name]?[record.targetID] else { continue }
                if delta?.preferSource != true,
                    let fields = try changedInTarget(kind, record, current: current, target: target), !fields.isEmpty
                {
                    line.conflicts += 1
                    continue
                }
                line.delete += 1
                deleted[kind.name, default: []].insert(record.targetID)
                if !inCascade(kind, current, of: deleted) { deletes += 1 }
            }
            let hundreds = kind.supports(.archive) || kind.supports(.bulkUpdate) || client.takesBulk(kind.name)
            line.calls += line.create + followUps + line.update + line.move
            line.calls += hundreds ? (archives + 99) / 100 : archives
            line.calls +=
                kind.supports(.bulkDelete) || client.takesBulk(kind.name, deletes: true)
                ? (deletes + 99) / 100 : deletes
            // Boards and groups a target makes with new projects, and companies' links, are read once.
            if line.create > 0, Self.madeWithParent[kind.name] != nil || kind.name == "companies" {
                plan.targetReads += 1
            }
            plan.kinds.append(line)
        }
        return plan
    }
}
