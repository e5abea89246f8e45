import Engine
import Foundation

/// Shows export events: a line per kind on stderr (rewritten in place on a terminal), or JSON
/// lines on stdout with `--json`.
struct ProgressReporter: Sendable {
    let json: Bool
    let budget: String
    let isTerminal = isatty(STDERR_FILENO) == 1

    func report(_ event: ExportEvent, calls: Int) {
        switch event {
        case .started(let resumed, let staging):
            emit(
                ["event": "started", "resumed": resumed, "staging": staging.path],
                "\(resumed ? "resuming" : "starting") export (staging \(staging.lastPathComponent))")
        case .kindFinished(let s):
            var line = "\(s.kind): \(s.records) records, \(s.calls) calls (\(calls) calls in all, budget \(budget))"
            if let error = s.error { line += " REFUSED: \(error)" }
            emit(
                [
                    "event": "kind", "kind": s.kind, "records": s.records, "calls": s.calls, "totalCalls": calls,
                    "error": s.error ?? NSNull(),
                ], line)
        case .filesDownloaded(let count, let failed):
            emit(
                ["event": "files", "downloaded": count, "failed": failed],
                "files: \(count) binaries downloaded, \(failed) failed")
        case .archiveWritten(let url):
            emit(["event": "archive", "path": url.path], "archive written: \(url.lastPathComponent)")
        }
    }

    func summary(_ result: ExportResult) {
        let records = result.manifest.kinds.values.reduce(0) { $0 + $1.records }
        let refused = result.incomplete.keys.sorted()
        emit(
            ["event": "summary", "records": records, "calls": result.calls, "refused": refused],
            "done: \(records) records in \(result.manifest.kinds.count) kinds, \(result.calls) list calls"
                + (refused.isEmpty ? "" : "; refused by Plutio: \(refused.joined(separator: ", ")) (exit 3)"))
    }

    private func emit(_ object: [String: Any], _ line: String) {
        if json {
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
        } else {
            FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + line + "\n").utf8))
        }
    }
}
