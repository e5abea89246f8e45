import FakePlutio
import Foundation
import JSONCore
import PlutioAPI

/// A day of work in a workspace, through its API: what a delta migration (or a nightly backup)
/// then has to carry.
extension FakeHarness {
    /// What `editSource` changed, by kind of change.
    public struct SourceEdits: Sendable, Equatable {
        /// Tasks renamed, people and companies edited.
        public var edited = 0
        /// Tasks made in existing groups, each with a comment (two records).
        public var created = 0
        /// Tasks moved to another group of their board.
        public var moved = 0
        /// Tasks archived.
        public var archived = 0
        /// Tasks trashed, and one project with what sits under it (counted once).
        public var trashed = 0

        /// Changes made (a new task and its comment count as two; a trashed project as one).
        public var total: Int { edited + created + moved + archived + trashed }
    }

    /// Changes about `count` records of `account`'s workspace through its API, picked with
    /// `seed`: four in ten edits, two in ten new records, and moves, archives and trashed
    /// tasks for the rest, with one project trashed when `count` is 20 or more.
    public func editSource(_ account: AccountSpec = acme, count: Int, seed: UInt64) async throws -> SourceEdits {
        let client = try self.client(account)
        guard let ws = await fake.workspace(account.subdomain) else { return SourceEdits() }
        var random = SeededRandom(seed: seed)
        var edits = SourceEdits()
        func id(_ object: JSONObject) -> String { object["_id"]?.stringValue ?? "" }
        func put(_ kind: String, _ pairs: [(String, JSONValue)]) async throws {
            try await client.update(kind, body: Self.body(pairs))
        }
        let live = { (object: JSONObject) in object["isTemplate"] != .bool(true) && object["isArchived"] != .bool(true)
        }
        let projects = ws.objects(kind: "projects").filter(live)
        // The project to trash, and everything under it, stay out of the other changes.
        let doomed = count >= 20 ? projects.last.map(id) : nil
        var tasks = ws.objects(kind: "tasks").filter {
            live($0) && $0["taskGroupId"]?.stringValue != nil && $0["projectId"]?.stringValue != doomed
        }
        tasks.shuffle(using: &random)
        let groups = Dictionary(grouping: ws.objects(kind: "task-groups"), by: { $0["taskBoardId"]?.stringValue ?? "" })
        let people = ws.objects(kind: "people").filter { $0["role"]?.stringValue != "owner" }
        let companies = ws.objects(kind: "companies")
        let plan = (
            edits: count * 4 / 10, creates: count * 2 / 10 / 2, moves: count * 15 / 100, archives: count / 10
        )
        var next = tasks.makeIterator()
        for n in 0..<plan.edits {
            switch n % 4 {
            case 0 where !people.isEmpty:
                let person = people[n / 4 % people.count]
                try await put(
                    "people",
                    [
                        ("_id", .string(JSONString(id(person)))),
                        ("name", ["first": "Edited", "last": .string(JSONString("No. \(n)"))]),
                    ])
            case 1 where !companies.isEmpty:
                let company = companies[n / 4 % companies.count]
                try await put(
                    "companies",
                    [("_id", .string(JSONString(id(company)))), ("industry", .string(JSONString("Edited \(n)")))])
            default:
                guard let task = next.next() else { continue }
                try await put(
                    "tasks", [("_id", .string(JSONString(id(task)))), ("title", .string(JSONString("Renamed \(n)")))])
            }
            edits.edited += 1
        }
        for n in 0..<plan.creates {
            guard let sibling = tasks.isEmpty ? nil : tasks[n % tasks.count] else { break }
            var fields: [(String, JSONValue)] = [("title", .string(JSONString("New task \(n)")))]
            for key in ["projectId", "taskBoardId", "taskGroupId"] { fields.append((key, sibling[key] ?? .null)) }
            let task = try await client.create("tasks", body: Self.body(fields))
            _ = try await client.create(
                "comments",
                body: Self.body([
                    ("entityType", "task"), ("entityId", .string(JSONString(task.id))),
                    ("bodyPlain", .string(JSONString("About new task \(n)"))),
                ]))
            edits.created += 2
        }
        for _ in 0..<plan.moves {
            guard let task = next.next() else { break }
            let others = (groups[task["taskBoardId"]?.stringValue ?? ""] ?? []).filter {
                $0["_id"] != task["taskGroupId"] && $0["isArchived"] != .bool(true)
            }
            guard let group = others.first else { continue }
            _ = try await client.move(
                "tasks",
                body: Self.body([("_id", .string(JSONString(id(task)))), ("taskGroupId", group["_id"] ?? .null)]))
            edits.moved += 1
        }
        var archive: [String] = []
        for _ in 0..<plan.archives {
            guard let task = next.next() else { break }
            archive.append(id(task))
        }
        if !archive.isEmpty { try await client.archive("tasks", ids: archive) }
        edits.archived = archive.count
        if let doomed {
            try await client.delete("projects", id: doomed)
            edits.trashed += 1
        }
        while edits.total < count, let task = next.next() {
            try await client.delete("tasks", id: id(task))
            edits.trashed += 1
        }
        return edits
    }

    static func body(_ pairs: [(String, JSONValue)]) -> [UInt8] {
        JSONValue.object(JSONObject(pairs.map { .init(key: $0.0, value: $0.1) })).bytes
    }
}
