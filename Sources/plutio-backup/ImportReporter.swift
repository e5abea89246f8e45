import Export
import Foundation
import Import
import PlutioAPI
import Synchronization

/// Shows an import: on a terminal a status line redrawn in place (kind, records, calls, budget
/// left in the window, ETA); with `--json` progress events and the summary as JSON lines on
/// stdout; otherwise a line per kind on stderr. The summary table goes to stdout.
final class ImportReporter: Sendable {
    let json: Bool
    let budget: RateBudget
    /// Records per kind the run settles, in import order: the ETA counts them down.
    let expected: [(kind: String, records: Int)]
    let callsMade: @Sendable () -> Int
    let callsInWindow: @Sendable () -> Int?
    let isTerminal = isatty(STDERR_FILENO) == 1
    private let state = Mutex(State())

    struct State {
        var start = ContinuousClock.now
        var kind: String?
        var phase: ImportProgress.Phase = .create
        var lastDraw: ContinuousClock.Instant?
    }

    init(
        json: Bool, budget: RateBudget, expected: [(kind: String, records: Int)],
        callsMade: @escaping @Sendable () -> Int,
        callsInWindow: @escaping @Sendable () -> Int?
    ) {
        self.json = json
        self.budget = budget
        self.expected = expected
        self.callsMade = callsMade
        self.callsInWindow = callsInWindow
    }

    struct ProgressEvent: Encodable {
        let event = "progress"
        var phase: String
        var kind: String
        var records: Int
        var calls: Int
    }

    func report(_ p: ImportProgress) {
        let now = ContinuousClock.now
        let (changed, draw, start) = state.withLock { st -> (Bool, Bool, ContinuousClock.Instant) in
            let changed = st.kind != p.kind || st.phase != p.phase
            st.kind = p.kind
            st.phase = p.phase
            let draw = changed || st.lastDraw.map { now - $0 > .milliseconds(250) } ?? true
            if draw { st.lastDraw = now }
            return (changed, draw, st.start)
        }
        guard draw else { return }
        let calls = callsMade()
        if json {
            FileHandle.standardOutput.write(
                ExportJSON.line(ProgressEvent(phase: p.phase.rawValue, kind: p.kind, records: p.done, calls: calls)))
        } else if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + status(p, calls: calls, since: start)).utf8))
        } else if changed {
            FileHandle.standardError.write(Data("\(Self.verb(p.phase)) \(p.kind)\n".utf8))
        }
    }

    /// What a phase does, for a line of progress.
    static func verb(_ phase: ImportProgress.Phase) -> String {
        switch phase {
        case .create: "importing"
        case .link: "linking"
        case .change: "changing"
        }
    }

    /// `tasks: 340/1200 records · 512 calls · budget 1000/1h, 488 left · ETA 1h 02m`
    func status(_ p: ImportProgress, calls: Int, since start: ContinuousClock.Instant) -> String {
        let total = expected.first { $0.kind == p.kind }?.records
        var line = "\(p.phase == .create ? "" : Self.verb(p.phase) + " ")\(p.kind): \(p.done)"
        line += "\(p.phase != .change ? total.map { "/\($0)" } ?? "" : "") records"
        line += " · \(calls) calls · budget \(budget)"
        let used = callsInWindow()
        if let used { line += ", \(max(0, budget.limit - used)) left" }
        if p.phase == .create, let index = expected.firstIndex(where: { $0.kind == p.kind }) {
            let remaining =
                max(0, expected[index].records - p.done) + expected[(index + 1)...].reduce(0) { $0 + $1.records }
            let elapsed = (ContinuousClock.now - start).seconds
            if let seconds = ExportETA.seconds(
                remaining: remaining, pace: elapsed > 0 ? Double(calls) / elapsed : 0,
                available: budget.limit - (used ?? 0), budget: budget)
            {
                line += " · ETA ~\(ExportETA.text(seconds))"
            }
        }
        return line
    }

    struct SummaryEvent: Encodable {
        let event = "summary"
        var alreadyFinished: Bool
        var report: String
        var reconciled: Int
        /// Second records that lost creates made later than their lookup, deleted.
        var lateDuplicatesDeleted: Int
        var needsAttention: Int
        /// HTTP calls this process made (token calls and retries included).
        var calls: Int
        var kinds: [ImportKindSummary]
        /// What no import can carry.
        var notCarried = ImportPlanner.notCarried
    }

    /// The table per kind on stdout, then the totals and the report's path.
    func summary(_ result: ImportResult) {
        if isTerminal, !json { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if json {
            FileHandle.standardOutput.write(
                ExportJSON.line(
                    SummaryEvent(
                        alreadyFinished: result.alreadyFinished, report: result.report.path,
                        reconciled: result.reconciled, lateDuplicatesDeleted: result.lateDuplicatesDeleted,
                        needsAttention: result.needsAttention, calls: callsMade(),
                        kinds: result.kinds)))
            return
        }
        if result.alreadyFinished {
            print("This import had already finished with this state directory; nothing was sent. Its summary:")
        }
        if result.isDelta { return deltaSummary(result) }
        print(Self.table(result.kinds))
        let total = { (f: (ImportKindSummary) -> Int) in result.kinds.reduce(0) { $0 + f($1) } }
        var line = "import: \(total(\.created)) created, \(total(\.matched)) matched, \(total(\.skipped)) skipped, "
        line += "\(total(\.failed)) failed"
        if result.reconciled > 0 { line += "; \(result.reconciled) lost create answers found applied" }
        if result.lateDuplicatesDeleted > 0 {
            line += "; \(result.lateDuplicatesDeleted) second copies made by late-applied creates deleted"
        }
        if !result.alreadyFinished { line += "; \(callsMade()) calls" }
        print(line)
        print(
            "not carried by any import: "
                + ImportPlanner.notCarried.map { $0.prefix { $0 != ":" } }.joined(separator: ", "))
        if result.needsAttention > 0 {
            print(
                "ATTENTION (exit 3): \(result.needsAttention) records failed or could not be carried; see the report.")
        }
        print("report: \(result.report.path)")
    }

    /// A delta's table and totals: per kind what it created, updated, moved, deleted and left
    /// in conflict.
    func deltaSummary(_ result: ImportResult) {
        var table = Self.pad("kind", 22) + " records created updated   moved deleted conflicts failed"
        for k in result.kinds where k.created + k.updated + k.moved + k.deleted + k.conflicts + k.failed > 0 {
            table += "\n" + Self.pad(k.kind, 22) + Self.num(k.records, 8) + Self.num(k.created, 8)
            table += Self.num(k.updated, 8) + Self.num(k.moved, 8) + Self.num(k.deleted, 8) + Self.num(k.conflicts, 10)
            table += Self.num(k.failed, 7)
        }
        print(table)
        let total = { (f: (ImportKindSummary) -> Int) in result.kinds.reduce(0) { $0 + f($1) } }
        var line = "delta: \(total(\.created)) created, \(total(\.updated)) updated, \(total(\.moved)) moved, "
        line += "\(total(\.deleted)) deleted, \(total(\.conflicts)) conflicts, \(total(\.failed)) failed, "
        line += "\(total(\.unchanged)) unchanged"
        if !result.alreadyFinished { line += "; \(callsMade()) calls" }
        print(line)
        if total(\.conflicts) > 0 {
            print(
                "CONFLICTS (exit 3): \(total(\.conflicts)) records were changed in the target since the import wrote "
                    + "them and keep the target's values; the report gives both sides. A newer archive with "
                    + "--prefer source takes the source's.")
        }
        if total(\.failed) > 0 { print("ATTENTION (exit 3): \(total(\.failed)) records failed; see the report.") }
        print("report: \(result.report.path)")
    }

    /// `s` padded with spaces to `n` columns.
    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }

    /// `v` right-aligned in `n` columns.
    static func num(_ v: Int, _ n: Int) -> String {
        let s = String(v)
        return String(repeating: " ", count: max(0, n - s.count)) + s
    }

    static func table(_ kinds: [ImportKindSummary]) -> String {
        var out = pad("kind", 22) + " records created matched skipped failed  note"
        for k in kinds {
            var note = k.skipped > 0 ? (k.skipReason ?? "") : ""
            if k.droppedReferences > 0 {
                note += (note.isEmpty ? "" : "; ") + "\(k.droppedReferences) references dropped"
            }
            out += "\n" + pad(k.kind, 22) + num(k.records, 8) + num(k.created, 8) + num(k.matched, 8)
            out += num(k.skipped, 8) + num(k.failed, 7) + "  " + note
        }
        return out
    }

    /// The plan: per kind what is created, matched and skipped, the calls, and the ETA.
    static func printPlan(_ plan: ImportPlan, budget: RateBudget, json: Bool) {
        let seconds = Double(max(0, plan.calls - budget.limit)) * budget.window.seconds / Double(budget.limit)
        if json {
            struct PlanEvent: Encodable {
                let event = "plan"
                var plan: ImportPlan
                var calls: Int
                var etaSeconds: Double
            }
            FileHandle.standardOutput.write(
                ExportJSON.line(PlanEvent(plan: plan, calls: plan.calls, etaSeconds: seconds)))
            return
        }
        if let delta = plan.delta { return printDelta(delta, seconds: seconds, budget: budget) }
        print(pad("kind", 22) + " records  create   match    skip  follow-ups  reason")
        for k in plan.kinds {
            print(
                pad(k.kind, 22) + num(k.records, 8) + num(k.create, 8) + num(k.match, 8) + num(k.skip, 8)
                    + num(k.followUps + k.archiveCalls, 12) + "  " + (k.skipReason ?? ""))
        }
        if !plan.targetHad.isEmpty {
            let had = plan.targetHad.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            print("the target already holds: " + had.joined(separator: ", "))
        }
        if !plan.unlistable.isEmpty {
            print("the target will not list: \(plan.unlistable.joined(separator: ", ")) (not taken as empty)")
        }
        if let holdings = plan.holdings, !holdings.isEmpty {
            print(
                "STOP: the target already holds records of the kinds this import creates (\(holdings.summary)); "
                    + "the import would stop before its first write (exit 2). Add --merge to import beside them.")
        }
        print(
            "calls: \(plan.calls) (\(plan.targetReads) target reads, creates, follow-up PUTs, archive calls); "
                + "ETA about \(ExportETA.text(seconds)) at \(budget) (a window's worth of calls goes at the server's pace)"
        )
        print("what no import can carry:")
        for line in plan.notCarried { print("  - " + line) }
        print("nothing was written; run without --plan to import")
    }

    /// A delta's plan: per kind what changes, the calls, and the ETA.
    static func printDelta(_ plan: DeltaPlan, seconds: Double, budget: RateBudget) {
        print("a delta on top of the import of \(plan.base):")
        print(pad("kind", 22) + " records  create  update    move archive  delete conflicts   calls")
        for k in plan.kinds where k.create + k.update + k.move + k.archive + k.delete + k.conflicts + k.kept > 0 {
            var row = pad(k.kind, 22) + num(k.records, 8) + num(k.create, 8) + num(k.update, 8) + num(k.move, 8)
            row += num(k.archive, 8) + num(k.delete, 8) + num(k.conflicts, 10) + num(k.calls, 8)
            if k.kept > 0 { row += "  \(k.kept) gone from the source, kept (--keep-deleted)" }
            print(row)
        }
        let unchanged = plan.kinds.reduce(0) { $0 + $1.unchanged }
        print("unchanged: \(unchanged) records (no call)")
        let conflicts = plan.kinds.reduce(0) { $0 + $1.conflicts }
        if conflicts > 0 {
            print(
                "conflicts: \(conflicts) records were changed in the target since the import wrote them: they keep "
                    + "the target's values (exit 3) unless --prefer source")
        }
        print(
            "calls: \(plan.calls) (\(plan.targetReads) target reads, then the writes); ETA about "
                + "\(ExportETA.text(seconds)) at \(budget)")
    }
}
