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
    }
    public var kind: String
    public var sourceId: String
    public var targetId: String?
    public var outcome: Outcome
    public var reason: String?
    /// Reference paths dropped because they resolved neither in the archive nor in the target.
    public var dropped: [String]?
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
        for kind in try importOrder() {
            var summary = ImportKindSummary(kind: kind.name)
            let decided: (reason: String, expected: Bool)? =
                switch planner.decision(kind) {
                case .skip(let reason, let expected): (reason, expected)
                case .mapOnly(let reason): (reason, true)
                case .matchOrCreate: nil
                }
            let excluded = kinds(excluding: kind.name)
            try forEachSourceID(kind.name) { sourceID in
                summary.records += 1
                var line = ImportReportLine(
                    kind: kind.name, sourceId: sourceID, targetId: nil, outcome: .skipped, reason: nil, dropped: nil)
                // Whether a skip is by design (or mirrors the source), not data left behind.
                var expected = true
                if let entry = try journal.entry(kind.name, sourceID) {
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
                    }
                } else {
                    line.reason = excluded ?? decided?.reason ?? "not reached"
                    if excluded == nil, decided == nil { line.outcome = .failed }
                    expected = excluded != nil || decided?.expected == true
                }
                switch line.outcome {
                case .created: summary.created += 1
                case .matched: summary.matched += 1
                case .failed: summary.failed += 1
                case .skipped:
                    summary.skipped += 1
                    summary.skipReason = summary.skipReason ?? line.reason
                    if !expected { summary.skipExpected = false }
                }
                buffer.append(try encoder.encode(line))
                buffer.append(0x0A)
                if buffer.count > 1 << 16 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            if summary.records > 0 { summaries.append(summary) }
        }
        try handle.write(contentsOf: buffer)
        try handle.synchronize()
        try renameDurably(temporary, to: url)
        return summaries
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
