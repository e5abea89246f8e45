import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs the built `plutio-fake` binary and checks what it prints and serves.
@Suite(.timeLimit(.minutes(10))) struct PlutioFakeBinaryTests {
    static func launch(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        try launchProduct("plutio-fake", arguments)
    }

    /// Reads one line from a pipe (blocking).
    static func readLine(_ pipe: Pipe) -> String {
        var bytes: [UInt8] = []
        while true {
            let chunk = pipe.fileHandleForReading.readData(ofLength: 1)
            guard let b = chunk.first, b != 0x0A else { break }
            bytes.append(b)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func printsItsAddressFirstAndServesTheConfiguredFake() async throws {
        let (process, out, _) = try Self.launch([
            "--port", "0", "--seed", "1", "--records", "400", "--business", "acme:CID:SECRET",
            "--business", "globex:CID:SECRET", "--limit-cap", "7", "--rate", "60/6s",
        ])
        defer { process.terminate() }
        let first = try await offThePool { Self.readLine(out) }
        let match = try #require(first.wholeMatch(of: /listening on (http:\/\/127\.0\.0\.1:\d+\/v1\.11)/))
        let base = String(match.1)
        let summary = try await offThePool { (0..<4).map { _ in Self.readLine(out) } }
        #expect(summary.contains { $0.hasPrefix("client CID: businesses acme, globex") })
        #expect(summary.contains { $0.hasPrefix("business acme") && $0.contains("records") })

        var tokenRequest = URLRequest(url: URL(string: base + "/oauth/token")!)
        tokenRequest.httpMethod = "POST"
        tokenRequest.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        tokenRequest.httpBody = Data("client_id=CID&client_secret=SECRET&grant_type=client_credentials".utf8)
        let (tokenData, _) = try await URLSession.shared.data(for: tokenRequest)
        let token = try #require(
            (try JSONSerialization.jsonObject(with: tokenData) as? [String: Any])?["accessToken"] as? String)
        var list = URLRequest(url: URL(string: base + "/tasks?limit=100")!)
        list.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        list.setValue("globex", forHTTPHeaderField: "Business")
        let (listData, response) = try await URLSession.shared.data(for: list)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect((try JSONSerialization.jsonObject(with: listData) as? [Any])?.count == 7)
    }

    /// `:empty` starts a business with only a fresh account's baseline (contract §4.8).
    @Test func anEmptyBusinessHoldsOnlyTheBaseline() async throws {
        let (process, out, _) = try Self.launch([
            "--port", "0", "--records", "400", "--business", "acme:acme-client:acme-secret",
            "--business", "globex:globex-client:globex-secret:empty",
        ])
        defer { process.terminate() }
        let lines = try await offThePool { (0..<8).map { _ in Self.readLine(out) } }
        let globex = try #require(lines.firstIndex { $0.hasPrefix("business globex") })
        #expect(lines[globex].hasSuffix(": 13 records, 0 trash rows"), "\(lines[globex])")
        #expect(lines[globex + 1] == "  businesses=1 dashboards=5 people=1 profiles=1 roles=5")
    }

    /// `--file-bytes` sizes the binaries; `POST /_fake/churn-files` changes a share of them.
    @Test func sizesBinariesAndChurnsThem() async throws {
        let (process, out, _) = try Self.launch([
            "--port", "0", "--records", "2000", "--business", "acme:CID:SECRET", "--file-bytes", "20KB..200KB",
        ])
        defer { process.terminate() }
        let first = try await offThePool { Self.readLine(out) }
        let match = try #require(first.wholeMatch(of: /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1\.11/))
        var churn = URLRequest(
            url: URL(string: String(match.1) + "/_fake/churn-files?business=acme&fraction=0.2&seed=3")!)
        churn.httpMethod = "POST"
        let (data, response) = try await URLSession.shared.data(for: churn)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let counts = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Int])
        #expect((counts["replaced"] ?? 0) > 0 && (counts["deleted"] ?? 0) > 0 && (counts["uploaded"] ?? 0) > 0)
        #expect((counts["bytesAdded"] ?? 0) >= 20_000 * ((counts["replaced"] ?? 0) + (counts["uploaded"] ?? 0)))
    }

    @Test(arguments: [
        ["--rate", "fast"], ["--business", "acme"], ["--limit-cap", "-3"], ["--unsupported-status", "500"],
        ["--fault-on-write", "tasks:0:drop-after"], ["--fault-on-write", "profiles:1:drop-after"],
        ["--fail-after-write-rate", "2"], ["--file-bytes", "20MB..20KB"],
    ])
    func refusesBadFlagsWithAUsageError(arguments: [String]) async throws {
        let (process, _, err) = try Self.launch(arguments)
        let message = try await offThePool {
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text
        }
        #expect(process.terminationStatus == 64)
        #expect(message.contains(arguments[0]))
    }
}
