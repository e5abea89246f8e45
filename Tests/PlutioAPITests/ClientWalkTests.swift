import Catalog
import FakePlutio
import Foundation
import JSONCore
import Testing

@testable import PlutioAPI

/// Complete, duplicate-free walks of every kind against the fake, under its variants.
@Suite(.timeLimit(.minutes(3))) struct ClientWalkTests {
    static let variants: [(cap: Int?, defaultLimit: Int?)] = [
        (7, 20), (50, 20), (1000, 20), (nil, 20), (7, nil), (50, nil), (1000, nil), (nil, nil),
    ]

    @Test(arguments: variants)
    func walksEveryKindCompletelyAndExactly(cap: Int?, defaultLimit: Int?) async throws {
        let h = try await ClientHarness.start(records: 700) {
            $0.limitCap = cap
            $0.defaultLimit = defaultLimit
        }
        defer { Task { await h.stop() } }
        let client = try h.client()
        let walked = try await ClientHarness.walkAll(client)
        let expected = await h.serverRecords()
        for (kind, records) in expected {
            let got = (walked[kind] ?? []).map(\.bytes)
            #expect(got.count == Set(got).count, "\(kind): duplicates")
            #expect(Set(got) == Set(records), "\(kind): \(got.count) walked, \(records.count) on the server")
        }
        #expect(walked.values.reduce(0) { $0 + $1.count } > 700)
    }

    @Test(arguments: [false, true])
    func readsCommentsInBatchesOrOneParentPerCall(batchesRefused: Bool) async throws {
        let h = try await ClientHarness.start(records: 900) { $0.acceptsBatchedCommentScopes = !batchesRefused }
        defer { Task { await h.stop() } }
        let client = try h.client()
        let tasks = try await collect(client.records(of: "tasks")).map(\.id)
        var iterator = client.scopedRecords(of: "comments", parentSlug: "task", parentIDs: tasks, batchSize: 50)
            .makeAsyncIterator()
        var comments: [String] = []
        while let r = try await iterator.next() { comments.append(r.id) }
        let ws = try #require(await h.fake.workspace("acme"))
        let expected = Set(
            ws.objects(kind: "comments").filter { $0["entityType"] == "task" }.compactMap { $0["_id"]?.stringValue })
        #expect(Set(comments) == expected)
        #expect(comments.count == expected.count)
        #expect(iterator.fellBackToSingleParents == batchesRefused)
        let batches = (tasks.count + 49) / 50
        // One call per batch (or per parent), plus a confirming call when a page is as long as the
        // longest this kind has returned, which cannot tell the end from a cap.
        let perQuery = batchesRefused ? tasks.count : batches
        #expect(iterator.calls <= perQuery + perQuery / 8 + 3, "\(iterator.calls) calls for \(perQuery) queries")
    }

    @Test(arguments: [(Optional(50), 3), (7, 2), (nil, 4)])
    func missesNoSurvivorUnderMutationFaultsAndShortTokens(cap: Int?, mutateEvery: Int) async throws {
        let h = try await ClientHarness.start(records: 1500) {
            $0.limitCap = cap
            $0.mutations = MutationPlan(every: mutateEvery, seed: 11)
            $0.faults.seed = 5
            $0.faults.serverErrorRate = 0.05
            $0.faults.dropBeforeRate = 0.02
            $0.faults.dropMidBodyRate = 0.02
            $0.tokenLifetime = 0.4
        }
        defer { Task { await h.stop() } }
        let before = await h.serverIDs()
        let client = try h.client()
        let walked = try await ClientHarness.walkAll(client)
        let after = await h.serverIDs()
        let log = await h.fake.requestLog()
        #expect(log.contains { $0.fault == "500" })
        #expect(log.filter { $0.path.hasSuffix("/oauth/token") }.count > 1, "the token should have been renewed")
        for (kind, ids) in before where kind != "trash-bin" {
            let got = (walked[kind] ?? []).map(\.id)
            let survivors = ids.intersection(after[kind] ?? [])
            let missed = survivors.subtracting(got)
            #expect(got.count == Set(got).count, "\(kind): duplicates")
            #expect(missed.isEmpty, "\(kind): missed \(missed.count) of \(survivors.count)")
        }
    }

    @Test func surfacesClearErrorsForBadCredentialsAndBusiness() async throws {
        let h = try await ClientHarness.start(records: 50)
        defer { Task { await h.stop() } }
        let wrong = try h.client(AccountSpec(subdomain: "acme", clientID: "acme-client", secret: "nope"))
        await #expect(throws: APIError.badCredentials(clientID: "acme-client")) {
            _ = try await collect(wrong.records(of: "tasks"))
        }
        let business = try h.client(AccountSpec(subdomain: "globex", clientID: "acme-client", secret: "acme-secret"))
        do {
            _ = try await collect(business.records(of: "tasks"))
            Issue.record("expected an error")
        } catch let error as APIError {
            #expect(error == .businessNotEnabled(business: "globex", enabled: ["acme"]))
            #expect(!(error.errorDescription ?? "").contains("acme-secret"))
        }
    }

    @Test func givesUpOnAServerThatKeepsFailing() async throws {
        let h = try await ClientHarness.start(records: 50) { $0.faults.serverErrorRate = 1 }
        defer { Task { await h.stop() } }
        let client = try h.client(
            retry: RetryPolicy(
                maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2), maxTotalWait: .seconds(1)))
        do {
            _ = try await collect(client.records(of: "tasks"))
            Issue.record("expected an error")
        } catch let error as APIError {
            guard case .gaveUp(_, let attempts, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(attempts == 3)
            #expect(error.errorDescription?.contains("Retry later") == true)
        }
    }
}

func collect(_ sequence: RecordSequence) async throws -> [RawRecord] {
    var out: [RawRecord] = []
    for try await r in sequence { out.append(r) }
    return out
}
