import Basics
import Catalog
import Foundation
import JSONCore

/// Builds deterministic, realistic workspaces: every kind of the catalogue and every reference
/// form of the contract, sized by record count.
///
/// The same seed and size give byte-identical workspaces. Records are inserted in dependency
/// order with increasing `createdAt`, so natural order is creation order.
public struct Seeder {
    var workspace: Workspace
    var random: SeededRandom
    var clock: Date
    var ids: [String: [String]] = [:]
    var taskNumber = 1000
    var tasksOfGroup: [String: [String]] = [:]
    let user: String
    /// Binary sizes of new files (`FakeConfig.fileBytes`); nil: 64 to 4096 bytes.
    var fileBytes: ClosedRange<Int>?
    /// Where file URLs point (scheme://host:port); the server sets its own after seeding.
    var origin = "http://127.0.0.1"

    /// When seeded history starts: 2026-01-01T00:00:00Z.
    static let startDate = Date(timeIntervalSince1970: 1_767_225_600)
    static let defaultUser = "AsHTTb7CYTfKAxXfK"

    init(workspace: Workspace, seed: UInt64, startDate: Date, user: String = defaultUser) {
        self.workspace = workspace
        self.random = SeededRandom(seed: seed)
        self.clock = startDate
        self.user = user
        for (kind, table) in workspace.tables { ids[kind] = table.order }
    }

    // MARK: Helpers

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(random.next() % UInt64(range.count))
    }

    mutating func chance(_ p: Double) -> Bool { random.chance(p) }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    mutating func pickID(_ kind: String) -> String? {
        guard let pool = ids[kind], !pool.isEmpty else { return nil }
        return pool[int(0...(pool.count - 1))]
    }

    mutating func pickIDs(_ kind: String, _ count: ClosedRange<Int>) -> [JSONValue] {
        var out: [String] = []
        for _ in 0..<int(count) { if let id = pickID(kind), !out.contains(id) { out.append(id) } }
        return out.map(JSONValue.string)
    }

    mutating func newID() -> String { workspace.newID() }

    mutating func words(_ range: ClosedRange<Int>) -> String {
        (0..<int(range)).map { _ in pick(Self.vocabulary) }.joined(separator: " ")
    }

    mutating func title() -> String {
        let w = words(2...4)
        return w.prefix(1).uppercased() + w.dropFirst()
    }

    mutating func date(daysFromNow range: ClosedRange<Int>) -> JSONValue {
        .string(Timestamp.string(clock.addingTimeInterval(Double(int(range)) * 86400 + Double(int(0...86399)))))
    }

    /// Inserts a record with server fields; answers its id.
    @discardableResult
    mutating func add(_ kind: String, id: String? = nil, _ body: JSONObject) -> String {
        let id = id ?? newID()
        clock.addTimeInterval(Double(int(5...90)))
        let stamp = JSONValue.string(Timestamp.string(clock))
        var object = JSONObject([.init(key: "_id", value: .string(id))])
        for member in body where !member.value.isNull { object[member.key] = member.value }
        object["businessId"] = .string(workspace.business.id)
        object["createdBy"] = .string(user)
        object["createdAt"] = stamp
        object["updatedAt"] = stamp
        workspace.insert(kind, object)
        ids[kind, default: []].append(id)
        return id
    }

    /// Replaces fields of a seeded record in place.
    mutating func set(_ kind: String, _ id: String, _ changes: JSONObject) {
        workspace.update(kind, id, with: changes, at: clock)
    }

    static let vocabulary = [
        "homepage", "copy", "launch", "review", "invoice", "brand", "design", "sprint", "client", "call",
        "draft", "final", "assets", "budget", "report", "audit", "website", "mobile", "campaign", "onboarding",
        "research", "content", "logo", "social", "retainer", "proposal", "feedback", "roadmap", "workshop", "photos",
        "newsletter", "seo", "analytics", "pricing", "checkout", "support", "training", "contract", "meeting", "plan",
    ]
    static let firstNames = ["Leo", "Mia", "Noah", "Ava", "Liam", "Zoë", "Ezra", "Ivy", "Omar", "Léna", "Kai", "Nora"]
    static let lastNames = ["Doe", "Park", "Silva", "Novak", "Berg", "Khan", "Moreau", "Rossi", "Tanaka", "Okafor"]
    static let colors = ["#1abc9c", "#3498db", "#9b59b6", "#e67e22", "#e74c3c", "#34495e"]
}
