import Catalog
import Foundation
import PlutioAPI

/// Where reading one kind stands.
public struct KindPosition: Codable, Sendable, Equatable {
    /// Direct kinds: the walk's position.
    public var walk: PageWalker.Position?
    /// Scoped kinds: the parent kind being read (index into the kind's `parents`) and how many
    /// of its parent ids are done.
    public var parentIndex: Int
    public var parentsDone: Int

    public init(walk: PageWalker.Position? = nil, parentIndex: Int = 0, parentsDone: Int = 0) {
        self.walk = walk
        self.parentIndex = parentIndex
        self.parentsDone = parentsDone
    }
}

/// What a journal holds for one kind.
public struct KindJournalState: Sendable, Equatable {
    public var position: KindPosition?
    public var records: Int
    public var calls: Int
    public var done: Bool
    public var error: String?

    public init(
        position: KindPosition? = nil, records: Int = 0, calls: Int = 0, done: Bool = false, error: String? = nil
    ) {
        self.position = position
        self.records = records
        self.calls = calls
        self.done = done
        self.error = error
    }
}

/// Where a read keeps its records and its place, so it can resume after a kill.
///
/// Contract: `append` makes the records durable *before* it records `position`; after a crash,
/// `state` reports the last recorded position and `records` only what was recorded with it.
/// `stage` writes records ahead of the next `append`, which then counts them too; staged records
/// that no `append` followed (a crash, a refusal) are dropped, so a batch too large to hold in
/// memory still checkpoints as one. Calls for one kind happen in order from one task.
public protocol ReadJournal: Sendable {
    func state(of kind: String) async throws -> KindJournalState
    /// The records held for a kind, in the order they were appended, to be streamed.
    func records(of kind: String) async throws -> HeldRecords
    /// Writes records that belong to the next `append` (not yet checkpointed).
    func stage(_ records: [RawRecord], of kind: String) async throws
    func append(_ records: [RawRecord], of kind: String, position: KindPosition, calls: Int) async throws
    /// Marks a kind finished, or refused by the server (`error`), so a rerun skips it.
    func finish(_ kind: String, calls: Int, error: String?) async throws
}
