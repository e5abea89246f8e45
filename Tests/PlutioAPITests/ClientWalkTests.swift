import Catalog
import FakeHarness
import FakePlutio
import Foundation
import JSONCore
import Testing

@testable import PlutioAPI

/// The client against the fake: scoped reads, errors and giving up.
@Suite(.timeLimit(.minutes(10))) struct ClientWalkTests {
    @Test(arguments: [false, true])
    func readsCommentsInBatchesOrOneParentPerCall(batchesRefused: Bool) async throws {
        let h = try await FakeHarness.start(records: 900) { $0.acceptsBatchedCommentScopes = !batchesRefused }
        try await h.stopAfter {
            let client = try h.client()
            let tasks = try await collect(client.records(of: "tasks")).map(\.id)
            var iterator = client.scopedRecords(of: "comments", parentSlug: "task", parentIDs: tasks, batchSize: 50)
                .makeAsyncIterator()
            var comments: [String] = []
            while let r = try await iterator.next() { comments.append(r.id) }
            let ws = try #require(await h.fake.workspace("acme"))
            let expected = Set(
                ws.objects(kind: "comments").filter { $0["entityType"] == "task" }.compactMap { $0["_id"]?.stringValue }
            )
            #expect(Set(comments) == expected)
            #expect(comments.count == expected.count)
            #expect(iterator.fellBackToSingleParents == batchesRefused)
            let batches = (tasks.count + 49) / 50
            // One call per batch (or per parent), plus a confirming call when a page is as long as the
            // longest this kind has returned, which cannot tell the end from a cap.
            let perQuery = batchesRefused ? tasks.count : batches
            #expect(iterator.calls <= perQuery + perQuery / 8 + 3, "\(iterator.calls) calls for \(perQuery) queries")
        }
    }

    @Test func surfacesClearErrorsForBadCredentialsAndBusiness() async throws {
        let h = try await FakeHarness.start(records: 50)
        try await h.stopAfter {
            let wrong = try h.client(AccountSpec(subdomain: "acme", clientID: "acme-client", secret: "nope"))
            await #expect(throws: APIError.badCredentials(clientID: "acme-client")) {
                _ = try await collect(wrong.records(of: "tasks"))
            }
            let business = try h.client(
                AccountSpec(subdomain: "globex", clientID: "acme-client", secret: "acme-secret"))
            do {
                _ = try await collect(business.records(of: "tasks"))
                Issue.record("expected an error")
            } catch let error as APIError {
                #expect(error == .businessNotEnabled(business: "globex", enabled: ["acme"]))
                #expect(!(error.errorDescription ?? "").contains("acme-secret"))
            }
        }
    }

    @Test func givesUpOnAServerThatKeepsFailing() async throws {
        let h = try await FakeHarness.start(records: 50) { $0.faults.serverErrorRate = 1 }
        try await h.stopAfter {
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
}

func collect(_ sequence: RecordSequence) async throws -> [RawRecord] {
    var out: [RawRecord] = []
    for try await r in sequence { out.append(r) }
    return out
}
