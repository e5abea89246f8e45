import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A request context that keeps the connection, so faults can drop it.
public struct FakeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Puts a `FakePlutio` behind HTTP.
struct FakeResponder: HTTPResponder {
    let fake: FakePlutio
    static let maxBody = 64 << 20

    func respond(to request: Request, context: FakeRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: Self.maxBody)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let fakeRequest = FakeRequest(
            method: request.method.rawValue, path: request.uri.path,
            query: FakeRequest.parseQuery(request.uri.query ?? ""), headers: headers, body: Array(buffer: body))
        let answer = await fake.handle(fakeRequest)
        if answer.delay > 0 { try await Task.sleep(for: .milliseconds(Int(answer.delay * 1000))) }
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
        }
        switch answer.transport {
        case .respond:
            return Response(
                status: .init(code: answer.status), headers: fields,
                body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        case .drop:
            try? await context.channel.close()
            throw FakeTransportError.dropped
        case .dropMidBody:
            let half = Array(answer.body.prefix(answer.body.count / 2))
            let channel = context.channel
            return Response(
                status: .init(code: answer.status), headers: fields,
                body: ResponseBody(contentLength: answer.body.count) { writer in
                    try await writer.write(ByteBuffer(bytes: half))
                    try? await channel.close()
                    throw FakeTransportError.dropped
                })
        }
    }
}

/// The error the transport raises to cut a connection on purpose.
enum FakeTransportError: Error { case dropped }

/// A running fake server on a local port.
public final class FakePlutioServer: Sendable {
    /// The fake behind the server.
    public let fake: FakePlutio
    /// The API base, e.g. `http://127.0.0.1:8080/v1.11`.
    public let baseURL: URL
    /// The bound port.
    public let port: Int
    private let task: Task<Void, any Error>

    private init(fake: FakePlutio, port: Int, task: Task<Void, any Error>) {
        self.fake = fake
        self.port = port
        self.baseURL = URL(string: "http://127.0.0.1:\(port)\(FakePlutio.apiPrefix)")!
        self.task = task
    }

    /// Starts serving `fake` on `host:port` (port 0 picks a free port) and waits until it listens.
    public static func start(
        _ fake: FakePlutio, host: String = "127.0.0.1", port: Int = 0, logger: Logger? = nil
    )
        async throws -> FakePlutioServer
    {
        var quiet = Logger(label: "plutio-fake")
        quiet.logLevel = .critical
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: FakeResponder(fake: fake),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger ?? quiet)
        let task = Task { try await app.run() }
        var bound = 0
        for await p in stream { bound = p }
        guard bound > 0 else {
            task.cancel()
            throw FakeServerError.couldNotBind(host: host, port: port)
        }
        await fake.setOrigin("http://\(host):\(bound)")
        return FakePlutioServer(fake: fake, port: bound, task: task)
    }

    /// Stops the server and waits for it to close.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Runs `body`, then stops the server and waits for it, whether `body` returned or threw.
    public func stopAfter<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}

/// The server could not start.
public enum FakeServerError: Error, LocalizedError {
    case couldNotBind(host: String, port: Int)

    public var errorDescription: String? {
        switch self {
        case .couldNotBind(let host, let port):
            "The fake server could not listen on \(host):\(port). Pick another port or use --port 0."
        }
    }
}
