import Foundation

/// How far an import is: records of a kind settled in a phase.
public struct ImportProgress: Sendable, Equatable {
    public enum Phase: String, Sendable {
        /// Creating, or matching onto the target.
        case create
        /// Setting second-pass references by PUT.
        case link
        /// A delta's updates, moves and deletes of records carried over.
        case change
    }
    public var phase: Phase
    public var kind: String
    public var done: Int
}

/// What `import` asks for.
public struct ImportOptions: Sendable {
    public var archive: URL
    /// Opt-in kinds to import (`--include automations`).
    public var include: Set<String>
    /// Let Plutio invite the people created (`--invite`); by default none is emailed.
    public var invite = false
    /// Import beside records the target already holds (`--merge`); by default an import into a
    /// target holding records of the kinds it creates stops before its first write.
    public var merge = false
    /// Import an archive whose export was partial (`--allow-partial`).
    public var allowPartial = false
    /// What a newer archive of a source already imported into the target does (a delta):
    /// `--keep-deleted`, `--prefer source`.
    public var delta = DeltaOptions()

    public init(archive: URL, include: Set<String> = [], invite: Bool = false, merge: Bool = false) {
        self.archive = archive
        self.include = include
        self.invite = invite
        self.merge = merge
    }
}

/// What an import run ended with.
public struct ImportResult: Sendable {
    /// Per kind, in import order.
    public var kinds: [ImportKindSummary]
    /// `report.ndjson`: one line per source record.
    public var report: URL
    /// The run had finished before: nothing was sent.
    public var alreadyFinished: Bool
    /// Lost create answers found applied on resume.
    public var reconciled: Int
    /// Second records that lost creates made later than their lookup, found and deleted.
    public var lateDuplicatesDeleted = 0
    /// The run applied a newer archive onto an earlier import (a delta).
    public var isDelta = false

    /// Records failed, skipped although the import should have carried them, or left in
    /// conflict by a delta (exit 3).
    public var needsAttention: Int {
        kinds.reduce(0) { $0 + $1.failed + ($1.skipExpected ? 0 : $1.skipped) + $1.conflicts }
    }
}

/// One kind's line of the import summary.
public struct ImportKindSummary: Sendable, Codable, Equatable {
    public var kind: String
    public var records = 0
    public var created = 0
    public var matched = 0
    public var skipped = 0
    public var failed = 0
    /// Why records were skipped (the plan's reason), when some were.
    public var skipReason: String?
    /// Skipped by design (login accounts, derived and metadata kinds, opt-in kinds not chosen).
    public var skipExpected = true
    /// References dropped because they resolved neither in the archive nor in the target.
    public var droppedReferences = 0
    /// A delta's: records updated, moved, deleted (gone from the source), left in conflict, and
    /// unchanged since the run it builds on.
    public var updated = 0
    public var moved = 0
    public var deleted = 0
    public var conflicts = 0
    public var unchanged = 0

    public init(kind: String) { self.kind = kind }

    enum CodingKeys: String, CodingKey {
        case kind, records, created, matched, skipped, failed, skipReason, skipExpected, droppedReferences
        case updated, moved, deleted, conflicts, unchanged
    }

    /// Reads summaries of every version (those written before deltas lack their counts).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind)
        func count(_ key: CodingKeys) throws -> Int { try c.decodeIfPresent(Int.self, forKey: key) ?? 0 }
        records = try count(.records)
        created = try count(.created)
        matched = try count(.matched)
        skipped = try count(.skipped)
        failed = try count(.failed)
        skipReason = try c.decodeIfPresent(String.self, forKey: .skipReason)
        skipExpected = try c.decodeIfPresent(Bool.self, forKey: .skipExpected) ?? true
        droppedReferences = try count(.droppedReferences)
        updated = try count(.updated)
        moved = try count(.moved)
        deleted = try count(.deleted)
        conflicts = try count(.conflicts)
        unchanged = try count(.unchanged)
    }
}
