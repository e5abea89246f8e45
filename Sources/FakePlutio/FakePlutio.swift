import Catalog
import Foundation
import JSONCore

/// The fake Plutio service: accounts, workspaces, tokens, rate limits, faults and a request log.
///
/// `handle(_:)` answers one request; `FakePlutioServer` puts it behind HTTP. Tests may also call
/// it directly, read the log and call counts, and mutate workspaces between calls.
public actor FakePlutio {
    public nonisolated let catalog: Catalog
    public private(set) var config: FakeConfig
    let clock: any FakeClock
    public static let apiPrefix = "/v1.11"

    var businesses: [String: FakeBusiness] = [:]
    var clients: [String: FakeAPIClient] = [:]
    var workspaces: [String: Workspace] = [:]
    /// Businesses that hold only the fresh-account baseline and are never seeded.
    var emptyBusinesses: Set<String> = []
    var tokens: [String: IssuedToken] = [:]
    var ledgers: [String: RateLedger] = [:]
    var callCounts: [String: Int] = [:]
    var log: [RequestLogEntry] = []
    var writeLog: [WriteLogEntry] = []
    /// Invitations sent to people created without `invite:false` (§4.8), in order.
    var invitationLog: [Invitation] = []
    /// Creates whose answer was lost on purpose, applied when their time comes (`LateApply`).
    var lateWrites: [LateWrite] = []

    struct LateWrite {
        var call: Int
        var path: String
        var kind: ResourceKind
        var business: String
        var user: String
        var body: JSONObject
        var bytes: [UInt8]
        var due: Date
    }
    /// Creates per kind that reached the handler, for faults aimed at the Nth one.
    var createCounts: [String: Int] = [:]
    var callNumber = 0
    var faultRandom: SeededRandom
    /// Draws for CDN faults, apart from the API's so they do not shift its fault sequence.
    var cdnRandom: SeededRandom
    /// CDN downloads failed on purpose so far.
    public internal(set) var cdnFaultCount = 0
    var mutationRandom: SeededRandom
    var tokenRandom: SeededRandom
    var stormRemaining = 0
    /// Scheme, host and port that file URLs point at.
    var origin = "http://127.0.0.1"

    struct IssuedToken {
        var clientID: String
        var expiresAt: Date
        var revoked = false
    }

    /// Creates a fake with the given accounts and empty workspaces.
    ///
    /// Accounts that share a client id become one API client enabled for several businesses.
    public init(
        accounts: [AccountSpec], config: FakeConfig = FakeConfig(), catalog: Catalog = .standard,
        clock: any FakeClock = SystemFakeClock()
    ) {
        self.catalog = catalog
        self.config = config
        self.clock = clock
        self.faultRandom = SeededRandom(seed: config.faults.seed)
        self.cdnRandom = SeededRandom(seed: config.faults.seed &+ 0xCD)
        self.mutationRandom = SeededRandom(seed: config.mutations.seed)
        self.tokenRandom = SeededRandom(seed: config.faults.seed &+ 0x5EED)
        for spec in accounts {
            if businesses[spec.subdomain] == nil {
                var r = SeededRandom(seed: stableHash(spec.subdomain))
                let business = FakeBusiness(subdomain: spec.subdomain, id: MeteorID.make(&r))
                businesses[spec.subdomain] = business
                workspaces[spec.subdomain] = Workspace(catalog: catalog, business: business, seed: r.next())
            }
            if spec.empty { emptyBusinesses.insert(spec.subdomain) }
            if var client = clients[spec.clientID] {
                if !client.businesses.contains(spec.subdomain) { client.businesses.append(spec.subdomain) }
                clients[spec.clientID] = client
            } else {
                var r = SeededRandom(seed: stableHash("user:" + spec.clientID))
                clients[spec.clientID] = FakeAPIClient(
                    clientID: spec.clientID, secret: spec.secret, userID: MeteorID.make(&r),
                    businesses: [spec.subdomain])
            }
        }
        // Every account holds a fresh account's baseline; seeding adds a workspace to the others.
        for subdomain in businesses.keys.sorted() {
            var seeder = Seeder(
                workspace: workspaces[subdomain]!, seed: stableHash(subdomain), startDate: Seeder.startDate,
                user: clients.values.first { $0.businesses.contains(subdomain) }?.userID ?? Seeder.defaultUser)
            seeder.seedBaseline()
            workspaces[subdomain] = seeder.workspace
        }
    }

    // MARK: Inspection and control, for tests and the admin routes

    /// Every API call so far, in order.
    public func requestLog() -> [RequestLogEntry] { log }

    /// Forgets the request log (call counts and rate windows stay).
    public func clearRequestLog() { log.removeAll() }

    /// Every write to a resource so far, in order (token calls are not writes).
    public func writes() -> [WriteLogEntry] { writeLog }

    /// Every invitation sent so far, in order.
    public func invitations() -> [Invitation] { invitationLog }

    /// Calls counted against a client's rate limit so far.
    public func callCount(clientID: String) -> Int { callCounts[clientID, default: 0] }

    /// A copy of a business's workspace.
    public func workspace(_ subdomain: String) -> Workspace? { workspaces[subdomain] }

    /// The businesses on this server.
    public func allBusinesses() -> [FakeBusiness] { businesses.values.sorted { $0.subdomain < $1.subdomain } }

    /// The API clients on this server.
    public func allClients() -> [FakeAPIClient] { clients.values.sorted { $0.clientID < $1.clientID } }

    /// Changes the configuration from now on.
    public func reconfigure(_ change: @Sendable (inout FakeConfig) -> Void) { change(&config) }

    /// Revokes every token of a client before it expires (the next call gets 401).
    public func revokeTokens(clientID: String) {
        for (key, token) in tokens where token.clientID == clientID { tokens[key]?.revoked = true }
    }

    /// Sets the origin (scheme://host:port) that file URLs point at, rewriting seeded URLs.
    public func setOrigin(_ newOrigin: String) {
        let old = origin + "/cdn/"
        origin = newOrigin
        for (subdomain, var ws) in workspaces {
            for file in ws.table("files").inOrder {
                guard let url = file.object["url"]?.stringValue, url.hasPrefix(old) else { continue }
                var object = file.object
                object["url"] = .string(newOrigin + "/cdn/" + url.dropFirst(old.count))
                ws.tables["files"]?.replace(StoredRecord(object))
            }
            workspaces[subdomain] = ws
        }
    }

    /// Runs `body` on a business's workspace (scripted mutations in tests).
    public func withWorkspace<T: Sendable>(_ subdomain: String, _ body: (inout Workspace) throws -> T) rethrows -> T? {
        guard var ws = workspaces[subdomain] else { return nil }
        defer { workspaces[subdomain] = ws }
        return try body(&ws)
    }

    // MARK: Handling

    /// Answers one request.
    public func handle(_ request: FakeRequest) -> FakeResponse {
        if request.path.hasPrefix("/cdn/") { return serveBinary(request) }
        if request.path.hasPrefix("/_fake/") { return admin(request) }
        callNumber += 1
        let call = callNumber
        let now = clock.now().addingTimeInterval(config.clockSkew)
        applyLateWrites(call: call, now: now)
        if let scripted = config.mutations.scripted[call] {
            for m in scripted { applyMutation(m, business: nil) }
        }
        for key in workspaces.keys {
            workspaces[key]?.expireTrash(before: now.addingTimeInterval(-config.trashRetention))
        }

        var entry = RequestLogEntry(
            call: call, time: now, method: request.method, path: request.path,
            query: request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&"), clientID: nil,
            business: nil, status: 0, counted: false, fault: nil)
        var write: WriteOutcome?
        var response = process(request, call: call, now: now, entry: &entry, write: &write)
        entry.status = response.status
        if response.transport != .respond, entry.fault == nil {
            entry.fault = response.transport == .drop ? "drop" : "dropMidBody"
        }
        if faultDraws.slow {
            response.delay = config.faults.slowMaximum.map { faultRandom.unit() * $0 } ?? config.faults.slowDelay
            entry.fault = entry.fault ?? "slow"
        }
        log.append(entry)
        // Every write to a resource is logged, also one refused or faulted before it was handled.
        if request.method != "GET", request.path != Self.apiPrefix + "/oauth/token",
            let kind = write?.kind ?? kindName(of: request.path)
        {
            writeLog.append(
                WriteLogEntry(
                    call: call, method: request.method, path: request.path,
                    status: response.transport == .respond ? response.status : 0, kind: kind, body: request.body,
                    id: write?.id, applied: write?.applied == true, fault: entry.fault,
                    invited: write?.applied == true ? write?.invited : nil))
        }
        if write?.applied == true, let email = write?.invited, let business = entry.business, let id = write?.id {
            invitationLog.append(Invitation(call: call, business: business, personID: id, email: email))
        }
        if let every = config.mutations.every, every > 0, call % every == 0 {
            applyMutation(nil, business: entry.business, near: kindName(of: request.path))
        }
        return response
    }

    /// Applies the late creates whose time has come, as the server would have: validated,
    /// stored, logged as writes (and invitations) of this call.
    func applyLateWrites(call: Int, now: Date) {
        let due = lateWrites.filter { $0.due <= now }
        lateWrites.removeAll { $0.due <= now }
        for late in due {
            var context = WriteContext(kind: late.kind, business: late.business, user: late.user, now: now)
            let record = try? create(late.kind, body: late.body, context: context)
            if let record, late.kind.name == "people", late.body["invite"] != .bool(false) {
                context.invited = Self.invitationAddress(record.object, late.body)
            }
            writeLog.append(
                WriteLogEntry(
                    call: call, method: "POST", path: late.path, status: 0, kind: late.kind.name, body: late.bytes,
                    id: record?.id, applied: record != nil, fault: "appliedLate", invited: context.invited))
            if let email = context.invited, let id = record?.id {
                invitationLog.append(Invitation(call: call, business: late.business, personID: id, email: email))
            }
        }
    }

    /// Random draws for one call, made in a fixed order so a seed replays exactly.
    var faultDraws = FaultDraws()

    struct FaultDraws {
        var storm = false
        var dropBefore = false
        var serverError = false
        var dropAfterWrite = false
        var dropMidBody = false
        var slow = false
    }

    func drawFaults(call: Int) -> FaultDraws {
        let f = config.faults
        var d = FaultDraws()
        d.storm = faultRandom.chance(f.stormRate) || f.stormStarts.contains(call)
        d.dropBefore = faultRandom.chance(f.dropBeforeRate) || f.drops[call] == .beforeHandling
        d.serverError = faultRandom.chance(f.serverErrorRate) || f.serverErrorCalls.contains(call)
        d.dropAfterWrite = faultRandom.chance(f.dropAfterWriteRate) || f.drops[call] == .afterWrite
        d.dropMidBody = faultRandom.chance(f.dropMidBodyRate) || f.drops[call] == .midBody
        d.slow = faultRandom.chance(f.slowRate)
        return d
    }

    /// Answers a request; `write` tells what a write that reached its handler did.
    func process(
        _ request: FakeRequest, call: Int, now: Date, entry: inout RequestLogEntry, write: inout WriteOutcome?
    ) -> FakeResponse {
        faultDraws = drawFaults(call: call)
        let isTokenCall = request.path == Self.apiPrefix + "/oauth/token"
        let clientID =
            isTokenCall ? formFields(request)["client_id"] : bearerToken(request).flatMap { tokens[$0]?.clientID }
        let client = clientID.flatMap { clients[$0] }
        entry.clientID = client?.clientID

        // 429 storms ignore the budget.
        if faultDraws.storm { stormRemaining = max(stormRemaining, config.faults.stormLength) }
        if stormRemaining > 0 {
            stormRemaining -= 1
            entry.fault = "storm"
            if let client, config.rate.countsRejectedCalls { count(client, &entry) }
            var failure = APIFailure(status: 429, message: "Too many requests")
            if config.faults.stormSendsRetryAfter { failure.headers = [("Retry-After", "1")] }
            return failure.response
        }
        var rateHeaders: [(name: String, value: String)] = []
        if let client {
            let decision = ledgers[client.clientID, default: RateLedger()].admit(
                at: now, rate: config.rate, recordRefusal: config.rate.countsRejectedCalls)
            if config.sendsRateLimitHeaders {
                rateHeaders = [
                    ("X-RateLimit-Limit", String(config.rate.limit)),
                    ("X-RateLimit-Remaining", String(decision.remaining)),
                    ("X-RateLimit-Reset", String(decision.retryAfter)),
                ]
            }
            guard decision.admitted else {
                if config.rate.countsRejectedCalls { count(client, &entry) }
                var failure = APIFailure(status: 429, message: "Too many requests")
                if config.rate.sendsRetryAfter { failure.headers = [("Retry-After", String(decision.retryAfter))] }
                failure.headers += rateHeaders
                return failure.response
            }
            count(client, &entry)
        }
        if faultDraws.dropBefore {
            entry.fault = "drop"
            return .dropped
        }
        if faultDraws.serverError {
            entry.fault = "500"
            return serverError()
        }
        var response: FakeResponse
        do {
            response = try route(request, client: client, now: now, entry: &entry, write: &write)
        } catch {
            response = error.response
        }
        response.headers += rateHeaders
        let applied = write?.applied == true
        // Drawn only when configured, so the seeded sequences of the other faults stay as they were.
        let failAfter =
            applied && config.faults.serverErrorAfterWriteRate > 0
            && faultRandom.chance(config.faults.serverErrorAfterWriteRate)
        if write?.fault == .dropBefore {
            entry.fault = "dropBeforeWrite"
        } else if applied, faultDraws.dropAfterWrite || write?.fault == .dropAfter {
            entry.fault = "dropAfterWrite"
            response.transport = .drop
        } else if applied, failAfter || write?.fault == .serverErrorAfter {
            entry.fault = "500AfterWrite"
            response = serverError()
        } else if faultDraws.dropMidBody, response.body.count > 1 {
            entry.fault = "dropMidBody"
            response.transport = .dropMidBody
        }
        return response
    }

    /// An injected 500: JSON, or an HTML page when so configured.
    func serverError() -> FakeResponse {
        guard config.faults.htmlServerErrors else {
            return APIFailure(status: 500, message: "Internal server error").response
        }
        return FakeResponse(
            status: 500, headers: [("Content-Type", "text/html")],
            body: Array("<!DOCTYPE html><html><body><h1>Internal Server Error</h1></body></html>".utf8))
    }

    /// The fault aimed at this create of `kind`, counting creates that reached the handler.
    func nextCreateFault(_ kind: String) -> WriteFault.Mode? {
        createCounts[kind, default: 0] += 1
        let n = createCounts[kind]!
        return config.faults.writeFaults.first { $0.kind == kind && $0.n == n }?.mode
    }

    func count(_ client: FakeAPIClient, _ entry: inout RequestLogEntry) {
        callCounts[client.clientID, default: 0] += 1
        entry.counted = true
    }

    func kindName(of path: String) -> String? {
        guard path.hasPrefix(Self.apiPrefix + "/") else { return nil }
        return path.dropFirst(Self.apiPrefix.count + 1).split(separator: "/").first.map(String.init)
    }
}

/// FNV-1a: a hash that is stable across runs (Swift's Hasher is seeded per process).
func stableHash(_ text: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in text.utf8 {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    return h
}
