import Basics
import Foundation
import Testing

@testable import PlutioAPI

/// How long a token is kept, on a virtual clock: `expires_in` counted on our clock when it says
/// something, the stamped expiry when it reads 0 (whole seconds of a shorter lifetime).
@Suite struct TokenProviderTests {
    let settings = ConnectionSettings(
        apiURL: URL(string: "http://127.0.0.1/v1.11")!, business: "acme", clientID: "id", clientSecret: "secret")

    /// A token answer issued at `now` by the server's clock, living `lifetime` seconds.
    static func answer(now: Date, lifetime: TimeInterval) -> APIResponse {
        let body = """
            {"accessToken":"t","accessTokenExpiresAt":"\(Timestamp.string(now.addingTimeInterval(lifetime)))",\
            "access_token":"t","token_type":"Bearer","expires_in":\(Int(lifetime.rounded(.down)))}
            """
        return APIResponse(status: 200, body: Array(body.utf8))
    }

    @Test(arguments: [(0.8, 0.5), (5.5, 4.0), (3600, 3000)])
    func aTokenIsKeptUntilShortlyBeforeItExpires(lifetime: TimeInterval, later: TimeInterval) async throws {
        let clock = VirtualClock()
        let answers = (0..<3).map { _ in Self.answer(now: clock.now(), lifetime: lifetime) }
        let transport = ScriptedTransport(clock: clock, answers: answers)
        let tokens = TokenProvider(settings: settings, transport: transport, clock: clock)
        _ = try await tokens.currentToken()
        try await clock.sleep(for: .seconds(later))
        _ = try await tokens.currentToken()
        #expect(await tokens.tokenRequests == 1)
        // Past its expiry, a new one is asked for.
        try await clock.sleep(for: .seconds(lifetime))
        _ = try await tokens.currentToken()
        #expect(await tokens.tokenRequests == 2)
    }
}
