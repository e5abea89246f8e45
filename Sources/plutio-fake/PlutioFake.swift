// plutio-fake: runs FakePlutio on a local port with seeded workspaces.
import ArgumentParser
import Basics
import Catalog
import FakePlutio
import Foundation

@main
struct PlutioFake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plutio-fake",
        abstract: "A strict local fake of the Plutio REST API (v1.11), with seeded workspaces.",
        discussion: """
            Prints `listening on http://127.0.0.1:PORT/v1.11` as its first line, then the accounts \
            and record counts. Admin routes outside the API: GET /_fake/log, GET /_fake/writes (every \
            write: method, path, status, kind, body, id, applied, invited), GET /_fake/invitations (people \
            created without invite:false who have an email), GET /_fake/calls, GET /_fake/stats, \
            POST /_fake/revoke?client=ID. File binaries: GET /cdn/<handle>. A business given as \
            SUBDOMAIN:CLIENT_ID:SECRET:empty holds only a fresh account's baseline (a migration target).
            """)

    @Option(help: "Port to listen on; 0 picks a free one.") var port = 0
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Seed of the generated workspaces.") var seed: UInt64 = 1
    @Option(help: "About how many records to seed per business.") var records = 5000
    @Option(
        name: .customLong("business"),
        help:
            "An account as SUBDOMAIN:CLIENT_ID:SECRET, or SUBDOMAIN:CLIENT_ID:SECRET:empty for a fresh account; repeat it. Accounts sharing a client id share one rate limit."
    )
    var businesses: [String] = ["acme:acme-client:acme-secret", "globex:globex-client:globex-secret:empty"]

    @Option(help: "Silent cap on `limit`, or `none`.") var limitCap = "1000"
    @Option(help: "Page size when `limit` is omitted, or `none` for everything.") var defaultLimit = "20"
    @Option(help: "Rate limit per API client as N/DURATION, e.g. 1000/1h or 60/6s.") var rate = "1000/1h"
    @Flag(help: "Use a fixed rate window instead of a sliding one.") var fixedWindow = false
    @Flag(help: "Send no Retry-After on 429.") var noRetryAfter = false
    @Flag(help: "Count calls answered 429 against the limit.") var countRejected = false
    @Flag(help: "Send X-RateLimit-* headers.") var rateHeaders = false
    @Option(help: "Access-token lifetime, e.g. 72h or 30s.") var tokenTtl = "72h"
    @Flag(help: "Honour `sort=field` and `sort=-field`.") var honourSort = false
    @Flag(help: "Never hide archived records from lists.") var neverHideArchived = false
    @Flag(help: "Never hide template records from lists.") var neverHideTemplates = false
    @Flag(help: "Refuse batched `entityId: {$in: [...]}` scopes on /comments.") var rejectBatchedComments = false
    @Option(help: "Status for unknown routes and path-id forms: 403, 404 or 405.") var unsupportedStatus = 403
    @Flag(help: "Do not append created blocks to their owner's blocks[].") var noBlockAppend = false
    @Flag(help: "Mirror person <-> company links on write.") var mirrorLinks = false
    @Flag(help: "Copy the template body's fields when a create sends templateId.") var templateCopiesContent = false
    @Flag(help: "Ignore status writes on proposals and contracts too.") var ignoreProposalStatus = false
    @Flag(help: "Allow update and delete on custom-fields and dashboard-pages.") var allowRestrictedWrites = false
    @Option(help: "Trash retention, e.g. 30d or 10s.") var trashRetention = "30d"
    @Flag(help: "Store references on create and PUT unchecked (default: 400 `<field> is invalid`).")
    var noReferenceChecks = false
    @Flag(help: "Drop isTemplate:true on create (template bodies cannot be made).") var dropTemplateFlag = false
    @Flag(help: "Keep client custom-field option ids on create (default: the server generates them).")
    var keepOptionIds = false
    @Flag(help: "Apply destination fields sent by PUT (default: dropped; parents change through /move).")
    var parentsByPut = false
    @Flag(help: "Keep a client taskId / invoiceId on create (default: the server assigns the next number).")
    var keepNumbers = false
    @Flag(help: "Give every new project a default board \"Tasks\" with a default group.") var defaultProjectBoard =
        false
    @Flag(help: "Refuse every type:file|document create (400 Handle is required).") var refuseAllFileCreates = false
    @Flag(
        help:
            "Serve records as non-canonical JSON (spacing, 1.50, 1e3, \\u00e9 escapes, key order), the same bytes on every read."
    )
    var nonCanonicalBytes = false
    @Option(help: "Refuse to list this kind (403), e.g. roles; repeat it.") var unlistable: [String] = []
    @Option(
        help: ArgumentHelp(
            "Server clock ahead of the wall clock, e.g. 15m; behind with a leading minus: --clock-skew=-15m.",
            valueName: "duration"))
    var clockSkew = "0s"
    @Flag(help: "Refuse single-record PUT and DELETE (403); take /bulk update and delete on every kind with U or D.")
    var bulkWritesOnly = false
    @Flag(help: "Take /bulk update and delete on every kind with U or D, beside the single forms.")
    var bulkEverywhere = false
    @Option(
        help: "Answer GET /<res>/<id> for these kinds, comma-separated (e.g. people,companies,projects,invoices,tasks)."
    )
    var pathGet: String?
    @Flag(help: "Refuse any sort parameter (400).") var refuseSort = false
    @Flag(help: "Store writes normalised: strings trimmed, whitespace runs made one space, keys sorted.")
    var normaliseWrites = false
    @Option(
        help: "Lose the Nth create of a kind and apply it SECONDS later, as KIND:N:SECONDS (e.g. tasks:3:2); repeat it."
    )
    var applyLate: [String] = []

    @Option(help: "Seed of injected faults and mutations.") var faultSeed: UInt64 = 1
    @Option(help: "Probability of a 500 per call.") var failRate = 0.0
    @Flag(help: "Send 500s as HTML pages.") var htmlErrors = false
    @Option(help: "Probability of dropping a connection before handling.") var dropRate = 0.0
    @Option(help: "Probability of dropping a connection after a write was applied.") var dropAfterWriteRate = 0.0
    @Option(help: "Probability of cutting a response body halfway.") var dropMidBodyRate = 0.0
    @Option(help: "Probability that a write is applied and then answered 500.") var failAfterWriteRate = 0.0
    @Option(
        help:
            "Fault the Nth create of a kind as KIND:N:drop-after|500-after|drop-before (e.g. tasks:3:drop-after); repeat it."
    )
    var faultOnWrite: [String] = []
    @Option(help: "Probability that a file download from /cdn fails (a 500, or a body cut halfway).")
    var cdnFailRate = 0.0
    @Option(
        help: ArgumentHelp(
            "Sizes of file binaries, drawn log-uniformly from MIN..MAX (e.g. 20KB..20MB; KB, MB, GB, KiB, MiB, "
                + "GiB); by default 64 to 4096 bytes.", valueName: "min..max"))
    var fileBytes: String?
    @Option(help: "Probability per call that a storm of 429s starts.") var stormRate = 0.0
    @Option(help: "429s per storm.") var stormLength = 5
    @Option(help: "Probability that a response is delayed.") var slowRate = 0.0
    @Option(help: "Delay of a slow response, e.g. 2s or 500ms.") var slow = "1s"
    @Option(help: "Mutate the workspace after every N-th call (create, update, archive, unarchive, trash).")
    var mutateEvery: Int?

    func validate() throws {
        for b in businesses where AccountSpec(parsing: b) == nil {
            throw ValidationError(
                "--business \(b) is not SUBDOMAIN:CLIENT_ID:SECRET or SUBDOMAIN:CLIENT_ID:SECRET:empty")
        }
        if let fileBytes, FakeConfig.byteRange(fileBytes) == nil {
            throw ValidationError("--file-bytes \(fileBytes) is not MIN..MAX, e.g. 20KB..20MB")
        }
        guard RateLimit(parsing: rate) != nil else {
            throw ValidationError("--rate \(rate) is not N/DURATION, e.g. 1000/1h")
        }
        for (name, text) in [("--limit-cap", limitCap), ("--default-limit", defaultLimit)] where text != "none" {
            guard let n = Int(text), n > 0 else { throw ValidationError("\(name) takes a positive number or none") }
        }
        for (name, text) in [("--token-ttl", tokenTtl), ("--trash-retention", trashRetention), ("--slow", slow)] {
            guard parseDuration(text) != nil else {
                throw ValidationError("\(name) \(text) is not a duration such as 30s, 5m, 72h")
            }
        }
        guard [403, 404, 405].contains(unsupportedStatus) else {
            throw ValidationError("--unsupported-status takes 403, 404 or 405")
        }
        for (name, p) in [
            ("--fail-rate", failRate), ("--drop-rate", dropRate), ("--drop-after-write-rate", dropAfterWriteRate),
            ("--drop-mid-body-rate", dropMidBodyRate), ("--storm-rate", stormRate), ("--slow-rate", slowRate),
            ("--cdn-fail-rate", cdnFailRate), ("--fail-after-write-rate", failAfterWriteRate),
        ]
        where !(0...1).contains(p) {
            throw ValidationError("\(name) takes a probability between 0 and 1")
        }
        if let n = mutateEvery, n < 1 { throw ValidationError("--mutate-every takes a positive number") }
        for kind in (pathGet ?? "").split(separator: ",").map(String.init)
        where Catalog.standard.kind(named: kind) == nil {
            throw ValidationError("--path-get \(kind): unknown kind; kinds are named as in the API, e.g. tasks")
        }
        for kind in unlistable where Catalog.standard.kind(named: kind) == nil {
            throw ValidationError("--unlistable \(kind): unknown kind; kinds are named as in the API, e.g. roles")
        }
        guard Self.signedDuration(clockSkew) != nil else {
            throw ValidationError("--clock-skew \(clockSkew) is not a duration such as 15m or -15m")
        }
        for text in applyLate {
            guard let late = LateApply(parsing: text) else {
                throw ValidationError("--apply-late \(text) is not KIND:N:SECONDS with N >= 1, e.g. tasks:3:2")
            }
            guard let kind = Catalog.standard.kind(named: late.kind), kind.supports(.create) else {
                throw ValidationError("--apply-late: \(late.kind) is not a kind that can be created")
            }
        }
        for text in faultOnWrite {
            guard let fault = WriteFault(parsing: text) else {
                throw ValidationError(
                    "--fault-on-write \(text) is not KIND:N:MODE with N >= 1 and MODE drop-after, 500-after or drop-before"
                )
            }
            guard let kind = Catalog.standard.kind(named: fault.kind), kind.supports(.create) else {
                throw ValidationError("--fault-on-write: \(fault.kind) is not a kind that can be created")
            }
        }
    }

    func makeConfig() -> FakeConfig {
        var c = FakeConfig()
        c.limitCap = limitCap == "none" ? nil : Int(limitCap)
        c.defaultLimit = defaultLimit == "none" ? nil : Int(defaultLimit)
        c.rate = RateLimit(parsing: rate)!
        c.fileBytes = fileBytes.flatMap(FakeConfig.byteRange)
        c.rate.kind = fixedWindow ? .fixed : .sliding
        c.rate.sendsRetryAfter = !noRetryAfter
        c.rate.countsRejectedCalls = countRejected
        c.sendsRateLimitHeaders = rateHeaders
        c.tokenLifetime = parseDuration(tokenTtl)!
        c.honoursSort = honourSort
        c.hidesArchived = !neverHideArchived
        c.hidesTemplates = !neverHideTemplates
        c.acceptsBatchedCommentScopes = !rejectBatchedComments
        c.unsupportedRouteStatus = unsupportedStatus
        c.blockCreateAppendsToOwner = !noBlockAppend
        c.mirrorsPersonCompanyLinks = mirrorLinks
        c.templateIdCopiesContent = templateCopiesContent
        c.ignoresProposalContractStatus = ignoreProposalStatus
        c.allowsRestrictedWrites = allowRestrictedWrites
        c.trashRetention = parseDuration(trashRetention)!
        c.checksReferences = !noReferenceChecks
        c.keepsTemplateFlag = !dropTemplateFlag
        c.generatesOptionIDs = !keepOptionIds
        c.parentsByPut = parentsByPut
        c.assignsNumbers = !keepNumbers
        c.defaultProjectBoard = defaultProjectBoard
        c.refusesAllFileCreates = refuseAllFileCreates
        c.nonCanonicalBytes = nonCanonicalBytes
        c.unlistableKinds = Set(unlistable)
        c.clockSkew = Self.signedDuration(clockSkew) ?? 0
        c.normalisesWrites = normaliseWrites
        c.bulkWritesOnly = bulkWritesOnly
        c.bulkEverywhere = bulkEverywhere
        c.pathGetKinds = Set((pathGet ?? "").split(separator: ",").map(String.init))
        c.refusesSort = refuseSort
        c.faults.lateApplies = applyLate.compactMap(LateApply.init(parsing:))
        c.faults.serverErrorAfterWriteRate = failAfterWriteRate
        c.faults.writeFaults = faultOnWrite.compactMap(WriteFault.init(parsing:))
        c.faults.seed = faultSeed
        c.faults.serverErrorRate = failRate
        c.faults.htmlServerErrors = htmlErrors
        c.faults.dropBeforeRate = dropRate
        c.faults.dropAfterWriteRate = dropAfterWriteRate
        c.faults.dropMidBodyRate = dropMidBodyRate
        c.faults.cdnFailureRate = cdnFailRate
        c.faults.stormRate = stormRate
        c.faults.stormLength = stormLength
        c.faults.slowRate = slowRate
        c.faults.slowDelay = parseDuration(slow)!
        c.mutations = MutationPlan(every: mutateEvery, seed: faultSeed &+ 1)
        return c
    }

    /// A duration with an optional leading minus sign.
    static func signedDuration(_ text: String) -> TimeInterval? {
        let magnitude = text.hasPrefix("-") ? String(text.dropFirst()) : text
        // No skew: `0`, `0s`, `0m`, ...
        if let digits = Int(magnitude.prefix { $0.isNumber }), digits == 0,
            magnitude.drop(while: { $0.isNumber }).count <= 1
        {
            return 0
        }
        guard let seconds = parseDuration(magnitude) else { return nil }
        return text.hasPrefix("-") ? -seconds : seconds
    }

    /// Writes a line to stdout at once, even when stdout is a pipe.
    func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    func run() async throws {
        let accounts = businesses.compactMap(AccountSpec.init(parsing:))
        let fake = FakePlutio(accounts: accounts, config: makeConfig())
        let started = ContinuousClock.now
        await fake.seed(records: records, seed: seed)
        let seeding = ContinuousClock.now - started
        let server = try await FakePlutioServer.start(fake, host: host, port: port)
        say("listening on \(server.baseURL.absoluteString)")
        let seconds = Double(seeding.components.seconds) + Double(seeding.components.attoseconds) / 1e18
        say("seeded in \(String(format: "%.2f", seconds)) s")
        for client in await fake.allClients() {
            say("client \(client.clientID): businesses \(client.businesses.joined(separator: ", "))")
        }
        for business in await fake.allBusinesses() {
            guard let ws = await fake.workspace(business.subdomain) else { continue }
            let counts = ws.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            say(
                "business \(business.subdomain) (\(business.id)): \(ws.recordCount) records, \(ws.trashRowCount) trash rows"
            )
            say("  \(counts)")
        }
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
    }
}
