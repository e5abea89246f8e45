import Basics
import Catalog
// FakePlutio: a strict local fake of the Plutio REST API (v1.11).
//
// It serves the contract in ../shared/plutio-api.md for every kind in the resource catalogue,
// from an actor holding raw JSON records. Every behaviour the contract leaves open is a field of
// `FakeConfig`, and faults are seeded so a failing run can be replayed. The fake never imports
// the client's models: it speaks JSON in the documented shapes only.
import Foundation

/// Every configurable behaviour of the fake (contract §10).
public struct FakeConfig: Sendable {
    /// Page size when a list omits `limit` (or sends 0); nil returns everything.
    public var defaultLimit: Int? = 20
    /// Silent cap on `limit`; nil means no cap.
    public var limitCap: Int? = 1000
    /// Whether `sort=<field>` / `sort=-<field>` is honoured.
    public var honoursSort = false
    /// Whether `isArchived:true` records are hidden unless the query constrains `isArchived`.
    public var hidesArchived = true
    /// Whether `isTemplate:true` records are hidden unless the query constrains `isTemplate`.
    public var hidesTemplates = true
    /// Whether `/comments` accepts `entityId: {$in: [...]}` batches.
    public var acceptsBatchedCommentScopes = true
    /// The rate limit.
    public var rate = RateLimit()
    /// Whether `X-RateLimit-*` headers are sent.
    public var sendsRateLimitHeaders = false
    /// Access-token lifetime.
    public var tokenLifetime: TimeInterval = 72 * 3600
    /// Status for unknown routes, unsupported verbs and path-id forms (403, 404 or 405).
    public var unsupportedRouteStatus = 403
    /// Whether creating a block appends its id to the owner's `blocks[]` (and deleting removes it).
    public var blockCreateAppendsToOwner = true
    /// Whether writing `people.companies[]` or `companies.people[]` mirrors the link on the other side.
    public var mirrorsPersonCompanyLinks = false
    /// Whether `templateId` on create copies the template body's fields.
    public var templateIdCopiesContent = false
    /// Whether proposal and contract `status` writes are ignored too (invoices always ignore them).
    public var ignoresProposalContractStatus = false
    /// Whether U/D on custom-fields and dashboard-pages are allowed instead of 403.
    public var allowsRestrictedWrites = false
    /// Whether creates and PUTs must name live records of the declared target kinds (contract §4.8);
    /// false stores references unchecked.
    public var checksReferences = true
    /// Whether `isTemplate:true` is kept on create (false: dropped, template bodies cannot be made).
    public var keepsTemplateFlag = true
    /// Whether the server generates custom-field option `_id`s on create (false: client ids kept).
    public var generatesOptionIDs = true
    /// Whether PUT applies destination fields (§4.4) instead of dropping them.
    public var parentsByPut = false
    /// Whether `tasks.taskId` and `invoices.invoiceId` are assigned on create (false: a client value is kept).
    public var assignsNumbers = true
    /// Whether a new project gets a default board "Tasks" with a default group.
    public var defaultProjectBoard = false
    /// Whether every `type:file|document` create is refused.
    public var refusesAllFileCreates = false
    /// Whether records are served as non-canonical JSON (spacing, `1.50`, `1e3`, `\u00e9`, key
    /// order), the same bytes on every read.
    public var nonCanonicalBytes = false
    /// Sizes of the binaries of seeded and churned files, drawn log-uniformly from this range
    /// (`--file-bytes 20KB..20MB`); nil: 64 to 4096 bytes, as seeded workspaces always had.
    public var fileBytes: ClosedRange<Int>?
    /// Kinds whose lists (and reads by `_id`) are refused with 403, as roles may be (§11.17).
    public var unlistableKinds: Set<String> = []
    /// How far the server's clock is ahead of the wall clock (negative: behind), in seconds: its
    /// timestamps, token expiry and trash retention follow it.
    public var clockSkew: TimeInterval = 0
    /// Whether single-record `PUT /<res>` and `DELETE /<res>` (with `_id` in the body) are refused
    /// with 403, and `/bulk` update and delete are taken on every kind with U or D (the live-tested
    /// client's finding, §4.1).
    public var bulkWritesOnly = false
    /// Whether `/bulk` update and delete are taken on every kind with U or D, beside the single forms.
    public var bulkEverywhere = false
    /// Kinds whose records `GET /<res>/<id>` answers (403 for the rest, and by default for all).
    public var pathGetKinds: Set<String> = []
    /// Whether any `sort` parameter is refused with 400.
    public var refusesSort = false
    /// Whether writes are stored normalised: every string trimmed, runs of whitespace made one
    /// space, object keys sorted (a server that normalises what it is sent).
    public var normalisesWrites = false
    /// How long trash rows live before they are purged.
    public var trashRetention: TimeInterval = 30 * 24 * 3600
    /// Seeded faults.
    public var faults = FaultPlan()
    /// Seeded mutations between calls.
    public var mutations = MutationPlan()

    public init() {}
}

/// The rate limit of one API client.
public struct RateLimit: Sendable, Equatable {
    /// How the window moves.
    public enum Window: String, Sendable { case sliding, fixed }
    /// Calls admitted per window.
    public var limit = 1000
    /// Window length in seconds.
    public var window: TimeInterval = 3600
    public var kind: Window = .sliding
    /// Whether a 429 carries `Retry-After`.
    public var sendsRetryAfter = true
    /// Whether calls answered 429 count against the window.
    public var countsRejectedCalls = false

    public init(limit: Int = 1000, window: TimeInterval = 3600, kind: Window = .sliding) {
        self.limit = limit
        self.window = window
        self.kind = kind
    }

    /// Parses `N/DURATION` such as `1000/1h`, `60/6s`, `100/90s`, `5/2m`.
    public init?(parsing text: String) {
        guard let (limit, window) = parseRate(text) else { return nil }
        self.init(limit: limit, window: window)
    }
}

/// Seeded, reproducible faults (contract §10). Call numbers count API calls from 1.
public struct FaultPlan: Sendable {
    /// Seed of the fault generator.
    public var seed: UInt64 = 1
    /// Probability of a 500 per call.
    public var serverErrorRate = 0.0
    /// Calls answered 500 regardless of the rate.
    public var serverErrorCalls: Set<Int> = []
    /// Whether 500 bodies are an HTML page instead of JSON.
    public var htmlServerErrors = false
    /// Probability of closing the connection before the request is handled.
    public var dropBeforeRate = 0.0
    /// Probability of closing the connection after a write was applied, before the answer.
    public var dropAfterWriteRate = 0.0
    /// Probability of closing the connection halfway through a response body.
    public var dropMidBodyRate = 0.0
    /// Probability that a `/cdn` download fails: half of them answer 500, half cut the body
    /// halfway (outside the API: no call number, its own seeded draws).
    public var cdnFailureRate = 0.0
    /// Seconds each `/cdn` download waits before its answer (a slow CDN: kill tests).
    public var cdnDelay: TimeInterval = 0
    /// Probability that a write is applied and then answered 500 (token calls are not writes).
    public var serverErrorAfterWriteRate = 0.0
    /// Faults aimed at the Nth create of a kind.
    public var writeFaults: [WriteFault] = []
    /// Creates whose answer is lost and that are applied some seconds later (`--apply-late`).
    public var lateApplies: [LateApply] = []
    /// Scripted drops by call number.
    public var drops: [Int: DropPoint] = [:]
    /// Kinds whose every call is refused with 403 (a server that will not serve a kind).
    public var refusedKinds: Set<String> = []
    /// Calls at which a storm of consecutive 429s starts, regardless of budget.
    public var stormStarts: Set<Int> = []
    /// Probability per call that a storm starts.
    public var stormRate = 0.0
    /// 429s per storm.
    public var stormLength = 5
    /// Whether storm 429s carry `Retry-After` (1 second).
    public var stormSendsRetryAfter = true
    /// Probability that a response is delayed.
    public var slowRate = 0.0
    /// Delay of a slow response: fixed when `slowMaximum` is nil, else uniform up to it.
    public var slowDelay: TimeInterval = 0
    public var slowMaximum: TimeInterval?

    public init() {}

    /// Where a dropped connection is cut.
    public enum DropPoint: String, Sendable { case beforeHandling, afterWrite, midBody }

    /// Whether any fault is configured.
    public var isActive: Bool {
        serverErrorRate > 0 || !serverErrorCalls.isEmpty || dropBeforeRate > 0 || dropAfterWriteRate > 0
            || dropMidBodyRate > 0 || !drops.isEmpty || !stormStarts.isEmpty || stormRate > 0 || slowRate > 0
            || serverErrorAfterWriteRate > 0 || !writeFaults.isEmpty
    }
}

/// A fault aimed at one write: the `n`th create (from 1) of `kind`, counted over the whole server.
public struct WriteFault: Sendable, Hashable {
    public enum Mode: String, Sendable, CaseIterable {
        /// The create is applied, then the connection is dropped before the answer.
        case dropAfter = "drop-after"
        /// The create is applied, then answered 500.
        case serverErrorAfter = "500-after"
        /// The connection is dropped before the create is handled: nothing is applied.
        case dropBefore = "drop-before"
    }

    public var kind: String
    public var n: Int
    public var mode: Mode

    public init(kind: String, n: Int, mode: Mode) {
        self.kind = kind
        self.n = n
        self.mode = mode
    }

    /// Parses `KIND:N:drop-after|500-after|drop-before`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count == 3, !parts[0].isEmpty, let n = Int(parts[1]), n > 0, let mode = Mode(rawValue: parts[2])
        else { return nil }
        self.init(kind: parts[0], n: n, mode: mode)
    }
}

/// The `n`th create (from 1) of `kind`: its connection is dropped before any answer, and the
/// write is applied `delay` seconds later (by the server's clock, on the first call after that).
public struct LateApply: Sendable, Hashable {
    public var kind: String
    public var n: Int
    public var delay: TimeInterval

    public init(kind: String, n: Int, delay: TimeInterval) {
        self.kind = kind
        self.n = n
        self.delay = delay
    }

    /// Parses `KIND:N:SECONDS`, e.g. `tasks:3:2`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count == 3, !parts[0].isEmpty, let n = Int(parts[1]), n > 0, let delay = Double(parts[2]),
            delay >= 0, delay.isFinite
        else { return nil }
        self.init(kind: parts[0], n: n, delay: delay)
    }
}

/// Seeded mutations of the workspace between API calls (contract §3.8).
public struct MutationPlan: Sendable {
    /// Mutate after every N-th API call; nil disables.
    public var every: Int?
    /// Seed of the mutation generator.
    public var seed: UInt64 = 7
    /// Mutations to apply before given call numbers.
    public var scripted: [Int: [Mutation]] = [:]

    public init(every: Int? = nil, seed: UInt64 = 7) {
        self.every = every
        self.seed = seed
    }
}

/// A change made to a workspace between calls.
public enum Mutation: Sendable, Equatable {
    /// Appends a new record of the kind.
    case create(kind: String)
    /// Touches a record (nil id: a random one).
    case update(kind: String, id: String?)
    /// Archives a record.
    case archive(kind: String, id: String?)
    /// Unarchives a record.
    case unarchive(kind: String, id: String?)
    /// Moves a record (and its cascade) to the trash.
    case trash(kind: String, id: String?)
}

extension FakeConfig {
    /// A byte range such as `20KB..20MB` (units B, KB, MB, GB by powers of 1000; KiB, MiB, GiB by
    /// powers of 1024; none: bytes), or nil when the text is not one or the bounds are reversed.
    public static func byteRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, let low = bytes(parts[0]), let high = bytes(parts[1]), 0 < low, low <= high else {
            return nil
        }
        return low...high
    }

    /// `20KB` as 20000, `1MiB` as 1048576.
    static func bytes(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        let units: [String: Double] = [
            "": 1, "B": 1, "K": 1e3, "KB": 1e3, "M": 1e6, "MB": 1e6, "G": 1e9, "GB": 1e9,
            "KIB": 1024, "MIB": 1_048_576, "GIB": 1_073_741_824,
        ]
        guard let value = Double(digits), let unit = units[trimmed.dropFirst(digits.count).uppercased()] else {
            return nil
        }
        return Int((value * unit).rounded())
    }
}
