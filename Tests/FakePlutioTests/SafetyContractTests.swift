import Basics
import FakePlutio
import Foundation
import JSONCore
import NIOHTTP1
import Testing

/// Contract §4.8 and §10: invitations, kinds the server will not list, late applies, a skewed
/// server clock and normalised writes.
@Suite(.timeLimit(.minutes(10))) struct SafetyContractTests {
    static let person =
        #"{"name":{"first":"Ada","last":"Lovelace"},"role":"client","contactEmails":[{"address":"ada@example.com","type":"work"}]}"#

    @Test func aPersonCreatedWithoutInviteFalseIsInvitedAndInviteIsNotStored() async throws {
        let h = try await Harness.start(records: 0)
        try await h.stopAfter {
            let token = try await h.token()
            let quiet = try await h.send(
                .POST, "/people", body: String(Self.person.dropLast()) + #","invite":false}"#, token: token)
            #expect(quiet.status == 200)
            #expect(quiet.json?["invite"] == nil)
            #expect(await h.fake.invitations().isEmpty)
            let invited = try await h.send(.POST, "/people", body: Self.person, token: token)
            let id = try #require(invited.json?["_id"]?.stringValue)
            #expect(await h.fake.invitations().map(\.personID) == [id])
            #expect(await h.fake.invitations().first?.email == "ada@example.com")
            #expect(await h.fake.writes().last?.invited == "ada@example.com")
            // The admin route, outside the API prefix.
            let root = h.base.replacingOccurrences(of: FakePlutio.apiPrefix, with: "")
            let admin = try await h.send(.GET, root + "/_fake/invitations", token: nil, business: nil)
            #expect(admin.array.compactMap { $0["personId"]?.stringValue } == [id])
            // Without an email there is nobody to invite.
            _ = try await h.send(.POST, "/people", body: #"{"name":{"first":"B"},"role":"team"}"#, token: token)
            #expect(await h.fake.invitations().count == 1)
        }
    }

    @Test func anUnlistableKindAnswers403ToListsAndReadsButTakesWrites() async throws {
        let h = try await Harness.start(records: 0) { $0.unlistableKinds = ["roles"] }
        try await h.stopAfter {
            let token = try await h.token()
            #expect(try await h.get("/roles", token: token).status == 403)
            #expect(try await h.get("/roles", [("_id", "NBTm56xe8Rh5cF47X")], token: token).status == 403)
            #expect(try await h.get("/people", token: token).status == 200)
            let made = try await h.send(.POST, "/roles", body: #"{"title":"Lead","slug":"lead"}"#, token: token)
            #expect(made.status == 200)
        }
    }

    @Test func aLateApplyLosesTheAnswerAndAppliesTheCreateLater() async throws {
        let clock = ManualFakeClock()
        let h = try await Harness.start(records: 0, clock: clock) {
            $0.faults.lateApplies = [LateApply(kind: "people", n: 2, delay: 5)]
        }
        try await h.stopAfter {
            let token = try await h.token()
            _ = try await h.send(.POST, "/people", body: #"{"name":{"first":"One"},"role":"team"}"#, token: token)
            await #expect(throws: (any Error).self) {
                _ = try await h.send(.POST, "/people", body: #"{"name":{"first":"Late"},"role":"team"}"#, token: token)
            }
            let named = { (name: String) in
                try await h.get("/people", [("name.first", name)], token: token).array.count
            }
            #expect(try await named("Late") == 0)
            clock.advance(by: 4)
            #expect(try await named("Late") == 0)
            clock.advance(by: 2)
            #expect(try await named("Late") == 1)
            #expect(await h.fake.writes().contains { $0.fault == "appliedLate" && $0.applied })
        }
    }

    @Test func aSkewedClockStampsRecordsAheadOfTheWallClock() async throws {
        let clock = ManualFakeClock()
        let h = try await Harness.start(records: 0, clock: clock) { $0.clockSkew = 900 }
        try await h.stopAfter {
            let token = try await h.token()
            let made = try await h.send(.POST, "/tasks", body: #"{"title":"Now"}"#, token: token)
            #expect(made.json?["createdAt"]?.stringValue == Timestamp.string(clock.now().addingTimeInterval(900)))
        }
    }

    @Test func aNormalisingServerTrimsStringsAndSortsKeys() async throws {
        let h = try await Harness.start(records: 0) { $0.normalisesWrites = true }
        try await h.stopAfter {
            let token = try await h.token()
            let made = try await h.send(
                .POST, "/tasks", body: #"{"title":"  Draft   the\tcopy ","zeta":1.50,"alpha":{"b":" x ","a":1}}"#,
                token: token)
            let task = try #require(made.json?.objectValue)
            #expect(task["title"] == "Draft the copy")
            #expect(task["alpha"]?.objectValue?.map(\.key) == ["a", "b"])
            #expect(task["alpha"]?["b"] == "x")
            #expect(!String(decoding: made.bytes, as: UTF8.self).contains("1.50"))
        }
    }
}
