import FakePlutio
import Foundation
import JSONCore
import NIOHTTP1
import Testing

/// Contract §2.1, §2.4, §3.7, §4.1, §4.6, §7: routes, verbs and path-id forms.
@Suite(.timeLimit(.minutes(10))) struct RoutingContractTests {
    static let unknownRoutes: [(HTTPMethod, String)] = [
        (.GET, "/wikis"), (.GET, "/wiki-pages"), (.GET, "/messengers"), (.GET, "/schedulers"), (.GET, "/subscriptions"),
        (.GET, "/snippets"), (.GET, "/folders"), (.GET, "/time-track"), (.GET, "/tasks/NBTm56xe8Rh5cF47X"),
        (.PUT, "/tasks/NBTm56xe8Rh5cF47X"), (.DELETE, "/tasks/NBTm56xe8Rh5cF47X"), (.GET, "/invoice-subscriptions/abc"),
        (.POST, "/trash-bin/restore"), (.POST, "/invoices/send"), (.POST, "/proposals/publish"),
        (.POST, "/tasks/archive"),
        (.POST, "/profiles"), (.DELETE, "/automations"), (.PUT, "/custom-fields"), (.DELETE, "/dashboard-pages"),
        (.POST, "/businesses"), (.POST, "/dashboards"), (.POST, "/schedules"), (.POST, "/people/bulk/archive/x"),
        (.POST, "/companies/bulk/archive"), (.POST, "/wiki-entities/copy"), (.GET, "/dashboard-data/x"),
    ]

    @Test(arguments: [403, 404, 405])
    func refusesUnknownRoutesVerbsAndPathIDForms(status: Int) async throws {
        let h = try await Harness.start(records: 60) { $0.unsupportedRouteStatus = status }
        try await h.stopAfter {
            let token = try await h.token()
            for (method, path) in Self.unknownRoutes {
                let answer = try await h.send(method, path, body: method == .GET ? nil : "{}", token: token)
                #expect(answer.status == status, "\(method) \(path)")
                #expect(answer.json?["code"] == .number(Double(status)))
            }
            let otherVersion = try await h.get(h.origin + "/v1.8/tasks", token: token)
            #expect(otherVersion.status == status)
        }
    }

    @Test func allowsRestrictedWritesWhenConfigured() async throws {
        let h = try await Harness.start(records: 60) { $0.allowsRestrictedWrites = true }
        try await h.stopAfter {
            let token = try await h.token()
            let field = try #require(try await h.get("/custom-fields", token: token).ids.first)
            let answer = try await h.send(
                .PUT, "/custom-fields", body: #"{"_id":"\#(field)","title":"Renamed"}"#, token: token)
            #expect(answer.status == 200)
            #expect(answer.json?["title"] == "Renamed")
        }
    }

    @Test(arguments: ["", "[]", "\"x\"", "not json"])
    func refusesWritesWithoutAnObjectBody(body: String) async throws {
        let h = try await Harness.start(records: 0)
        try await h.stopAfter {
            let token = try await h.token()
            let answer = try await h.send(.POST, "/tasks", body: body, token: token)
            #expect(answer.status == 400)
            #expect(answer.message == "Request body must be a JSON object")
        }
    }

    @Test func answersErrorsAsCodeAndMessage() async throws {
        let h = try await Harness.start(records: 0)
        try await h.stopAfter {
            let token = try await h.token()
            let answer = try await h.send(.PUT, "/tasks", body: #"{"_id":"NBTm56xe8Rh5cF47X"}"#, token: token)
            #expect(answer.status == 404)
            #expect(answer.json?["code"] == 404)
            #expect(answer.message == "Not found")
        }
    }

    @Test func everyCatalogueKindIsRoutable() async throws {
        let h = try await Harness.start(records: 300)
        try await h.stopAfter {
            let token = try await h.token()
            for kind in await h.fake.catalog.kinds where kind.supports(.list) && kind.scope == nil {
                let answer = try await h.get("/\(kind.name)", token: token)
                #expect(answer.status == 200, "\(kind.name)")
                #expect(answer.json?.arrayValue != nil, "\(kind.name)")
            }
        }
    }
}
