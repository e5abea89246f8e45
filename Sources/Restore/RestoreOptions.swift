import Foundation
import Import

/// A restore stopped before it learned whether a create was applied; another restore of the
/// same records must not guess.
public struct InterruptedRestore: Error, LocalizedError {
    public let kind: String
    public let id: String

    public var errorDescription: String? {
        "An earlier restore of this business was interrupted while creating \(kind) \(id) and not run again: "
            + "run that restore again with the same arguments first (it finds out whether the record was made), "
            + "then this one. Nothing was created."
    }
}

/// What every restore may be asked to allow: each switch makes possible on purpose what is
/// refused by default.
public struct RestoreOptions: Sendable {
    /// Let Plutio invite the people restored (`--invite`).
    public var invite = false
    /// Use partial archives (`--allow-partial`).
    public var allowPartial = false
    /// Kinds whose records count as gone where the workspace will not list them (`--assume-gone`).
    public var assumeGone: Set<String> = []

    public init(invite: Bool = false, allowPartial: Bool = false, assumeGone: Set<String> = []) {
        self.invite = invite
        self.allowPartial = allowPartial
        self.assumeGone = assumeGone
    }
}

/// What `restore --trash` asks for.
public struct TrashRestoreOptions: Sendable {
    /// The directory holding the business's archives.
    public var archives: URL
    public var rows: Set<String>?
    public var since: Date?
    public var purge = false
    public var restore = RestoreOptions()

    public init(
        archives: URL, rows: Set<String>? = nil, since: Date? = nil, purge: Bool = false,
        restore: RestoreOptions = .init()
    ) {
        self.archives = archives
        self.rows = rows
        self.since = since
        self.purge = purge
        self.restore = restore
    }
}

/// What a trash restore did.
public struct TrashRestoreResult: Sendable {
    public var outcome: RestoreOutcome
    /// Per kind, for the restored records.
    public var kinds: [ImportKindSummary]
    public var report: URL
    /// Rows in no archive, children not restored, records not restored, live records not
    /// re-pointed (exit 3).
    public var needsAttention: Int {
        outcome.missing.count + outcome.repointFailures.count + kinds.reduce(0) { $0 + $1.failed + $1.skipped }
            + outcome.rows.reduce(0) { $0 + $1.unknownChildren.count }
    }
}

/// An archive of the `--archives` directory cannot be read.
public struct UnusableArchive: Error, LocalizedError, Sendable {
    public let path: String
    public let reason: String

    public var errorDescription: String? {
        "\(reason) It is in the --archives directory: move it out (or replace it) and run again. Nothing was restored."
    }
}
