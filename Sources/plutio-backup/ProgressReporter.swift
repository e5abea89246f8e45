import Export
import Foundation
import PlutioAPI
import Synchronization

/// Shows export events. On a terminal: a status line redrawn in place (kind, records, calls,
/// budget left in the window, ETA) and a line per finished kind. Otherwise: a plain line per
/// kind on stderr. With `--json`: every event as a JSON line on stdout.
final class ProgressReporter: Sendable {
    let json: Bool
    let budget: RateBudget
    /// Calls the ledger holds inside the budget's window (all processes of this API client).
    let callsInWindow: @Sendable () -> Int?
    let isTerminal = isatty(STDERR_FILENO) == 1
    private let state = Mutex(State())

    struct State {
        var start = ContinuousClock.now
        var kinds: [String] = []
        var expected: [String: KindCost] = [:]
        var calls: [String: Int] = [:]
        var finished: Set<String> = []
        var lastDraw: ContinuousClock.Instant?
    }

    init(json: Bool, budget: RateBudget, callsInWindow: @escaping @Sendable () -> Int?) {
        self.json = json
        self.budget = budget
        self.callsInWindow = callsInWindow
    }

    func report(_ event: ExportEvent, calls: Int) {
        switch event {
        case .started(let resumed, let staging, let kinds, let expected):
            state.withLock {
                $0.kinds = kinds
                $0.expected = expected
            }
            emit(
                ExportJSON.Started(
                    resumed: resumed, staging: staging.path, kinds: kinds.count, history: !expected.isEmpty),
                "\(resumed ? "resuming" : "starting") export of \(kinds.count) kinds (staging \(staging.lastPathComponent))"
                    + (expected.isEmpty ? "" : "; ETA from the last export"))
        case .progress(let s):
            let line = state.withLock { st -> String? in
                st.calls[s.kind] = s.calls
                let now = ContinuousClock.now
                guard isTerminal, !json, st.lastDraw.map({ now - $0 > .milliseconds(250) }) ?? true else { return nil }
                st.lastDraw = now
                return status(s, st, runCalls: calls, now: now)
            }
            if json {
                emit(ExportJSON.Progress(kind: s.kind, records: s.records, calls: s.calls), "")
            } else if let line {
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            }
        case .kindFinished(let s):
            state.withLock {
                $0.calls[s.kind] = s.calls
                $0.finished.insert(s.kind)
            }
            var line = "\(s.kind): \(s.records) records, \(s.calls) calls (\(calls) calls in all, budget \(budget))"
            if let error = s.error { line += " REFUSED: \(error)" }
            emit(
                ExportJSON.Kind(kind: s.kind, records: s.records, calls: s.calls, totalCalls: calls, error: s.error),
                line)
        case .filesDownloaded(let count, let missing):
            var line = "files: \(count) binaries downloaded"
            if !missing.isEmpty {
                line += ", \(missing.count) MISSING after retries (the archive will be partial, exit 3):"
                for m in missing.prefix(20) { line += "\n  file \(m.fileID): \(m.reason)" }
                if missing.count > 20 { line += "\n  … and \(missing.count - 20) more, listed in the manifest" }
            }
            emit(
                ExportJSON.Files(
                    downloaded: count, failed: missing.map { .init(fileId: $0.fileID, reason: $0.reason) }), line)
        case .archiveWritten(let url):
            emit(ExportJSON.Archive(path: url.path), "archive written: \(url.lastPathComponent)")
        }
    }

    /// The status line: kind, records, calls, budget left in the window, ETA.
    /// `runCalls`: HTTP calls this process has made, for its pace.
    private func status(_ s: KindSummary, _ st: State, runCalls: Int, now: ContinuousClock.Instant) -> String {
        let used = callsInWindow()
        var line = "\(s.kind): \(s.records) records, \(s.calls) calls · budget \(budget)"
        if let used { line += ", \(max(0, budget.limit - used)) left" }
        let elapsed = (now - st.start).seconds
        if let remaining = ExportETA.remainingCalls(
            kinds: st.kinds, expected: st.expected, callsSoFar: st.calls, finished: st.finished),
            let seconds = ExportETA.seconds(
                remaining: remaining, pace: elapsed > 0 ? Double(runCalls) / elapsed : 0,
                available: budget.limit - (used ?? 0), budget: budget)
        {
            line += " · ETA \(ExportETA.text(seconds))"
        } else {
            line += st.expected.isEmpty ? " · ETA after the first export" : " · ETA estimating"
        }
        return line
    }

    func summary(_ result: ExportResult) {
        let records = result.manifest.kinds.values.reduce(0) { $0 + $1.records }
        let refused = result.incomplete.keys.sorted()
        let missing = result.missingBinaries.map(\.fileID)
        var line = "done: \(records) records in \(result.manifest.kinds.count) kinds, \(result.calls) list calls"
        if !refused.isEmpty { line += "; PARTIAL: refused by Plutio: \(refused.joined(separator: ", "))" }
        if !missing.isEmpty {
            line +=
                "; PARTIAL: \(missing.count) file binaries missing: \(missing.prefix(10).joined(separator: ", "))"
                + (missing.count > 10 ? ", …" : "")
        }
        if result.isPartial { line += " (exit 3; run the export again later to try again)" }
        emit(
            ExportJSON.Summary(
                archive: result.archive.path, records: records, calls: result.calls, refused: refused,
                missingBinaries: missing, partial: result.isPartial), line)
    }

    private func emit(_ event: some Encodable, _ line: String) {
        if json {
            FileHandle.standardOutput.write(ExportJSON.line(event))
        } else {
            FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + line + "\n").utf8))
        }
    }
}
