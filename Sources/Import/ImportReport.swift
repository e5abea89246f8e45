import Archive
import Catalog
import Foundation
import JSONCore
import Session
import StateStore

/// One line of `report.ndjson`: what became of one source record.
public struct ImportReportLine: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case created, matched, skipped, failed
        /// A delta's: the record's target changed (fields updated, parent moved), was deleted
        /// (gone from the source), or was left as the target had it (a conflict).
        case updated, moved, deleted, conflict
    }
    public var kind: String
    public var sourceId: String
    public var targetId: String?
    public var outcome: Outcome
    public var reason: String?
    /// Reference paths dropped because they resolved neither in the archive nor in the target.
    public var dropped: [String]?
    /// A delta's: the fields it sent (updated, moved), or left as the target has them
    /// (conflict, each with both sides).
    public var fields: [String]?
    public var conflicts: [ConflictField]?

    /// A field in conflict: the target's value and the source's (remapped to target ids).
    public struct ConflictField: Sendable, Codable, Equatable {
        public var field: String
        public var target: JSONValue?
        public var source: JSONValue?
    }
}

extension Importer {
    /// Writes `report.ndjson`, one line per source record in import order, from the extracted
    /// archive and the journal, and answers the summary per kind. A record the journal does not
    /// name gets the plan's reason (a kind skipped by design or not imported by this version).
    package func writeReport(to url: URL) throws -> [ImportKindSummary] {
        let temporary = url.appendingPathExtension("tmp")
        _ = FileManager.default.createFile(
            atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let handle = try FileHandle(forWritingTo: temporary)
        defer { try? handle.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var summaries: [ImportKindSummary] = []
        var buffer = Data()
        let changes = Dictionary(grouping: try journal.changes(), by: { $0.kind + "/" + $0.sourceID })
        for kind in try importOrder() {
            var summary = ImportKindSummary(kind: kind.name)
            let decided: (reason: String, expected: Bool)? =
                switch planner.decision(kind) {
                case .skip(let reason, let expected): (reason, expected)
                case .mapOnly(let reason): (reason, true)
                case .matchOrCreate: nil
                }
            let excluded = kinds(excluding: kind.name)
            var inArchive = Set<String>()
            func write(_ line: ImportReportLine) throws {
                buffer.append(try encoder.encode(line))
                buffer.append(0x0A)
                if buffer.count > 1 << 16 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try forEachSourceID(kind.name) { sourceID in
                summary.records += 1
                inArchive.insert(sourceID)
                var line = ImportReportLine(
                    kind: kind.name, sourceId: sourceID, targetId: nil, outcome: .skipped, reason: nil, dropped: nil)
                // Whether a skip is by design (or mirrors the source), not data left behind.
                var expected = true
                let entry = try journal.entry(kind.name, sourceID)
                // A delta reports what it did: records it carried over untouched get no line.
                if let entry, entry.notes.contains(.carried) {
                    let lines = deltaLines(kind.name, sourceID, entry, changes[kind.name + "/" + sourceID] ?? [])
                    if lines.isEmpty { summary.unchanged += 1 }
                    for line in lines {
                        summary.add(line.outcome)
                        try write(line)
                    }
                    return
                }
                if let entry {
                    line.targetId = entry.targetID
                    line.reason = entry.reason
                    line.dropped = entry.dropped.isEmpty ? nil : entry.dropped
                    summary.droppedReferences += entry.dropped.count
                    switch entry.status {
                    case .created: line.outcome = .created
                    case .matched: line.outcome = .matched
                    case .skipped:
                        line.outcome = .skipped
                        expected = decided?.expected ?? false
                    case .dangling: line.outcome = .skipped
                    case .failed, .intent: line.outcome = .failed
                    case .deleted: line.outcome = .deleted
                    }
                } else if delta != nil, excluded != nil || decided != nil {
                    // A delta reports what it touched: a kind left out stays left out.
                    summary.unchanged += 1
                    return
                } else {
                    line.reason = excluded ?? decided?.reason ?? "not reached"
                    if excluded == nil, decided == nil { line.outcome = .failed }
                    expected = excluded != nil || decided?.expected == true
                }
                summary.add(line.outcome)
                if line.outcome == .skipped {
                    summary.skipReason = summary.skipReason ?? line.reason
                    if !expected { summary.skipExpected = false }
                }
                try write(line)
            }
            // What a delta did with records gone from the source.
            for (key, list) in changes.sorted(by: { $0.key < $1.key }) where key.hasPrefix(kind.name + "/") {
                let sourceID = String(key.dropFirst(kind.name.count + 1))
                guard !inArchive.contains(sourceID), let entry = try journal.entry(kind.name, sourceID) else {
                    continue
                }
                for line in deltaLines(kind.name, sourceID, entry, list) {
                    summary.add(line.outcome)
                    try write(line)
                }
            }
            if summary.records > 0 || summary.deleted > 0 || summary.conflicts > 0 { summaries.append(summary) }
        }
        try handle.write(contentsOf: buffer)
        try handle.synchronize()
        try renameDurably(temporary, to: url)
        return summaries
    }

    /// A delta's lines for a record carried over from the run it builds on: one per change it
    /// made or found (a conflict), none when the record did not change.
    func deltaLines(
        _ kind: String, _ sourceID: String, _ entry: ImportJournal.Entry, _ changes: [ImportJournal.Change]
    ) -> [ImportReportLine] {
        changes.compactMap { change in
            var line = ImportReportLine(
                kind: kind, sourceId: sourceID, targetId: entry.targetID, outcome: .failed, reason: nil, dropped: nil)
            let detail = change.fields.flatMap { try? JSONValue.parse(Array($0.utf8)) }
            switch change.action {
            case "updated", "moved", "archived", "unarchived":
                line.outcome = change.action == "moved" ? .moved : .updated
                line.fields =
                    detail?.arrayValue?.compactMap(\.stringValue) ?? (change.action == "updated" ? nil : ["isArchived"])
                // Sent, its answer not seen: the run did not get that far.
                if !change.done {
                    line.outcome = .failed
                    line.reason = "not finished: rerun the import"
                }
            case "deleted":
                line.outcome = change.done ? .deleted : .failed
                line.reason = change.done ? entry.reason : "not finished: rerun the import"
            case "conflict":
                line.outcome = .conflict
                line.reason = detail?["reason"]?.stringValue
                line.conflicts = detail?["fields"]?.arrayValue?.compactMap { item in
                    item["field"]?.stringValue.map {
                        ImportReportLine.ConflictField(field: $0, target: item["target"], source: item["source"])
                    }
                }
            case "recreated":
                line.outcome = .created
                line.reason = "deleted in the target since the import wrote it; created again (--prefer source)"
            case "failed":
                line.reason = detail?["reason"]?.stringValue
                line.fields = detail?["fields"]?.arrayValue?.compactMap(\.stringValue)
            default:
                return nil
            }
            return line
        }
    }

    /// The reason a kind left out by `kinds` (a narrowed run) is skipped, or nil.
    func kinds(excluding name: String) -> String? {
        guard let kinds, !kinds.contains(name) else { return nil }
        return "not among the kinds chosen for this run"
    }

    /// Calls `body` with the source id of each extracted record of a kind.
    func forEachSourceID(_ kind: String, _ body: (String) throws -> Void) throws {
        try NDJSONFile.forEachLine(scratch.appendingPathComponent("\(kind).ndjson")) { line in
            if let id = NDJSONFile.id(of: line) { try body(id) }
        }
    }
}

extension ImportKindSummary {
    /// Counts one report line under its outcome.
    mutating func add(_ outcome: ImportReportLine.Outcome) {
        switch outcome {
        case .created: created += 1
        case .matched: matched += 1
        case .failed: failed += 1
        case .skipped: skipped += 1
        case .updated: updated += 1
        case .moved: moved += 1
        case .deleted: deleted += 1
        case .conflict: conflicts += 1
        }
    }
}
