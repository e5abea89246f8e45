import AsyncHTTPClient
import FakePlutio
import Foundation
import JSONCore
import NIOCore
import NIOHTTP1

/// A fake started in-process on port 0, and a plain HTTP client to talk to it.
struct Harness {
    let server: FakePlutioServer
    var fake: FakePlutio { server.fake }
    var base: String { server.baseURL.absoluteString }
    var origin: String { "http://127.0.0.1:\(server.port)" }

    static let acme = AccountSpec(subdomain: "acme", clientID: "acme-client", secret: "acme-secret")
    static let globex = AccountSpec(subdomain: "globex", clientID: "globex-client", secret: "globex-secret")

    /// An answer: status, headers and the body as bytes and (when it parses) JSON.
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var bytes: [UInt8]
        var json: JSONValue? { try? JSONValue.parse(bytes) }
        var array: [JSONValue] { json?.arrayValue ?? [] }
        var message: String? { json?["message"]?.stringValue }
        var ids: [String] { array.compactMap { $0["_id"]?.stringValue } }
    }

    static func start(
        accounts: [AccountSpec] = [acme, globex], records: Int = 400, seed: UInt64 = 1,
        clock: any FakeClock = ManualFakeClock(), configure: (inout FakeConfig) -> Void = { _ in }
    ) async throws -> Harness {
        var config = FakeConfig()
        configure(&config)
        let fake = FakePlutio(accounts: accounts, config: config, clock: clock)
        if records > 0 { await fake.seed(records: records, seed: seed) }
        return Harness(server: try await FakePlutioServer.start(fake))
    }

    func stop() async { await server.stop() }

    /// Runs `body`, then stops the fake, whether `body` returned or threw.
    func stopAfter<T>(_ body: () async throws -> T) async throws -> T { try await server.stopAfter(body) }

    /// Percent-encodes a query value (everything but unreserved characters).
    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: String? = nil,
        token: String?, business: String? = "acme", contentType: String? = "application/json",
        headers extra: [(String, String)] = []
    ) async throws -> Answer {
        var url = path.hasPrefix("http") ? path : base + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let business { request.headers.add(name: "Business", value: business) }
        if let body {
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            request.body = .bytes(ByteBuffer(string: body))
        }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 256 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, bytes: Array(buffer: buffer))
    }

    func get(
        _ path: String, _ query: [(String, String)] = [], token: String?, business: String? = "acme"
    ) async throws -> Answer {
        try await send(.GET, path, query: query, token: token, business: business)
    }

    /// A token for a client, by the form-encoded token route.
    func token(_ account: AccountSpec = acme) async throws -> String {
        let answer = try await tokenAnswer(account.clientID, account.secret)
        guard let token = answer.json?["accessToken"]?.stringValue else {
            throw HarnessError.noToken(answer.status, String(decoding: answer.bytes, as: UTF8.self))
        }
        return token
    }

    func tokenAnswer(_ id: String, _ secret: String, grant: String = "client_credentials") async throws -> Answer {
        try await send(
            .POST, "/oauth/token", body: "client_id=\(id)&client_secret=\(secret)&grant_type=\(grant)", token: nil,
            business: nil,
            contentType: "application/x-www-form-urlencoded")
    }

    /// Every record of a kind, paged with the given limit, hidden records included.
    func all(
        _ kind: String, token: String, business: String = "acme", limit: Int = 1000, extra: [(String, String)] = []
    ) async throws
        -> [JSONValue]
    {
        var out: [JSONValue] = []
        var skip = 0
        let everything = #"{"isArchived":{"$in":[true,false,null]},"isTemplate":{"$in":[true,false,null]}}"#
        while true {
            let page = try await get(
                "/\(kind)", [("q", everything), ("skip", String(skip)), ("limit", String(limit))] + extra, token: token,
                business: business)
            guard page.status == 200 else { throw HarnessError.status(page.status, kind) }
            if page.array.isEmpty { return out }
            out += page.array
            skip += page.array.count
        }
    }
}

enum HarnessError: Error {
    case noToken(Int, String)
    case status(Int, String)
}
