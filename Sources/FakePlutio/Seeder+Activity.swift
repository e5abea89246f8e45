import Basics
import Catalog
import Foundation
import JSONCore

extension Seeder {
    mutating func addConversation() {
        let (entityType, pool) = pick([
            ("project", "projects"), ("person", "people"), ("email", "inbox-groups"), ("messenger", "inbox-groups"),
        ])
        var entity = pickID(pool)
        if pool == "inbox-groups" {
            entity = workspace.table("inbox-groups").inOrder.first { $0.object["type"]?.stringValue == entityType }?.id
        }
        let statuses = workspace.table("statuses").inOrder.filter { $0.object["entityType"] == "conversation" }.map(
            \.id)
        add(
            "conversations",
            [
                "title": .string(title()), "type": .string(pick(["direct", "group"])),
                "entityType": .string(entityType),
                "entityId": entity.map(JSONValue.string) ?? .null, "members": .array(pickIDs("people", 1...4)),
                "statusId": statuses.isEmpty ? .null : .string(pick(statuses)),
            ])
    }

    mutating func addComment() {
        let (slug, kind) = pick([
            ("task", "tasks"), ("task", "tasks"), ("task", "tasks"), ("file", "files"),
            ("conversation", "conversations"),
            ("conversation", "conversations"), ("wiki-page", "wiki-entities"), ("wiki", "wiki"),
        ])
        guard var parent = pickID(kind) else { return }
        if slug == "wiki-page" {
            // Comments sit on pages, not on categories.
            guard
                let page = workspace.table(kind).inOrder.first(where: { $0.object["type"] == "page" && $0.id >= parent }
                )
                    ?? workspace.table(kind).inOrder.first(where: { $0.object["type"] == "page" })
            else { return }
            parent = page.id
        }
        var replied: JSONValue = .null
        if chance(0.2), let pool = ids["comments"], let last = pool.last,
            let previous = workspace.record("comments", last), previous.object["entityId"] == .string(parent)
        {
            replied = .string(last)
        }
        let text = words(4...20)
        add(
            "comments",
            [
                "entityType": .string(slug), "entityId": .string(parent), "bodyPlain": .string(text),
                "bodyHTML": .string("<p>\(text)</p>"), "isNote": .bool(chance(0.1)), "repliedTo": replied,
                "mentions": .array(pickIDs("people", 0...1)),
            ])
        // Threads: often a few comments on the same parent in a row.
        if chance(0.3) {
            let reply = words(3...10)
            add(
                "comments",
                [
                    "entityType": .string(slug), "entityId": .string(parent), "bodyPlain": .string(reply),
                    "bodyHTML": .string("<p>\(reply)</p>"), "isNote": false,
                    "repliedTo": .string(ids["comments"]!.last!),
                    "mentions": [],
                ])
        }
    }

    mutating func addCannedResponse() {
        let categories = workspace.table("categories").inOrder.filter { $0.object["entityType"] == "canned-response" }
            .map(\.id)
        add(
            "canned-responses",
            [
                "title": .string(title()), "descriptionHTML": .string("<p>\(words(8...20))</p>"),
                "categoryId": categories.isEmpty ? .null : .string(pick(categories)),
            ])
    }

    mutating func addTimeTrack() {
        let task = pickID("tasks")
        let project = task.flatMap { workspace.record("tasks", $0)?.object["projectId"] } ?? .null
        let categories = workspace.table("categories").inOrder.filter { $0.object["entityType"] == "time-track" }.map(
            \.id)
        let minutes = int(5...480)
        let start = clock.addingTimeInterval(Double(-int(1...60)) * 86400)
        add(
            "time-tracks",
            [
                "title": .string(title()), "startedAt": .string(Timestamp.string(start)),
                "stoppedAt": .string(Timestamp.string(start.addingTimeInterval(Double(minutes * 60)))),
                "time": .number(Double(minutes * 60_000)), "isManualTime": .bool(chance(0.3)), "status": "stopped",
                "billingRate": 95, "billingAmount": .number(Double(minutes) * 95 / 60),
                "billingStatus": .string(pick(["unpaid", "paid", "invoiced", "non-billable"])), "currency": "USD",
                "personId": pickID("people").map(JSONValue.string) ?? .null, "projectId": project,
                "taskId": task.map(JSONValue.string) ?? .null,
                "categoryId": categories.isEmpty ? .null : .string(pick(categories)),
                "customFields": customFields(for: "time-track"),
            ])
    }

    mutating func addEvent() {
        add(
            "events",
            [
                "title": .string(title()), "descriptionPlain": .string(words(4...12)),
                "startDate": date(daysFromNow: -5...30),
                "endDate": date(daysFromNow: 31...32), "isAllDay": .bool(chance(0.2)),
                "projectId": pickID("projects").map(JSONValue.string) ?? .null,
                "participants": .array(pickIDs("people", 1...3)),
            ])
    }

    mutating func addNote() {
        let (slug, kind) = pick([("person", "people"), ("company", "companies"), ("block", "blocks")])
        add(
            "notes",
            [
                "title": .string(title()), "descriptionHTML": .string("<p>\(words(6...18))</p>"),
                "entityType": .string(slug), "entityId": pickID(kind).map(JSONValue.string) ?? .null,
            ])
    }

    mutating func seedSchedulesAndAutomations() {
        let team = workspace.table("people").inOrder.filter { $0.object["role"] == "team" }.prefix(5).map(\.id)
        for person in team {
            let days: [JSONValue] = (0..<7).map { day in
                let active = day != 0 && day != 6
                return ["isActive": .bool(active), "times": active ? [["start": "09:00", "end": "17:00"]] : []]
            }
            add(
                "schedules",
                [
                    "isSharedPublicly": .bool(chance(0.5)), "days": .array(days), "entityType": "person",
                    "entityId": .string(person),
                ])
        }
        for name in ["Welcome new clients", "Invoice reminders"] {
            add(
                "automations",
                [
                    "title": .string(name), "moduleId": "crm", "status": .string(pick(["draft", "active", "paused"])),
                    "nodes": [["id": "n1", "type": "trigger"], ["id": "n2", "type": "email"]],
                    "edges": [["source": "n1", "target": "n2"]], "triggerType": "person.create",
                    "triggerConfig": [:], "metadata": ["runCount": .number(Double(int(0...99))), "errorCount": 0],
                ])
        }
    }

    /// Puts a few records (with their cascades) in the trash bin, as people do, deleted within
    /// the ten days before `now` so retention keeps them.
    /// Every archivable kind holds at least one archived record, however the draws fell.
    mutating func seedArchived() {
        for kind in workspace.catalog.kinds where kind.archivable {
            let records = workspace.table(kind.name).inOrder.filter { !$0.isTrue("isTemplate") }
            guard !records.contains(where: { $0.isTrue("isArchived") }), let last = records.last else { continue }
            set(kind.name, last.id, ["isArchived": true])
        }
    }

    mutating func seedTrash(now: Date) {
        let catalog = workspace.catalog
        let picks: [(String, Int)] = [
            ("projects", 1), ("tasks", min(12, max(2, (ids["tasks"]?.count ?? 0) / 200))), ("file-folders", 1),
            ("invoices", 1),
            ("people", 1),
        ]
        var deletedAt = now.addingTimeInterval(-10 * 86400)
        for (kindName, count) in picks {
            guard let kind = catalog.kind(named: kindName) else { continue }
            for _ in 0..<count {
                // Template bodies and the owner stay (they have the smallest cascades).
                let live = workspace.table(kindName).inOrder.filter {
                    !$0.isTrue("isTemplate") && $0.object["role"] != "owner"
                }.map(\.id)
                guard live.count > 2 else { break }
                // Of three candidates, trash the one with the smallest cascade, so small
                // workspaces keep records of every kind.
                let candidates = (0..<3).map { _ in live[int(0...(live.count - 1))] }
                let id = candidates.min {
                    workspace.cascade(of: kind, id: $0).count < workspace.cascade(of: kind, id: $1).count
                }!
                deletedAt.addTimeInterval(Double(int(600...7200)))
                _ = workspace.trash(kind, id, at: deletedAt, by: user)
            }
        }
        // A dangling reference at the source: a live invoice whose project sits in the trash.
        if let project = workspace.trashedObjects().first(where: { $0.kind == "projects" })?.object["_id"],
            let invoice = workspace.table("invoices").inOrder.first(where: { !$0.isTrue("isTemplate") })
        {
            set("invoices", invoice.id, ["projectId": project])
        }
    }
}

extension FakePlutio {
    /// Seeds every workspace with about `records` records; the same seed gives the same data.
    /// Businesses started empty (`AccountSpec.empty`) keep only their fresh-account baseline.
    public func seed(records: Int, seed: UInt64 = 1) {
        for subdomain in workspaces.keys.sorted() where !emptyBusinesses.contains(subdomain) {
            var seeder = seeder(for: subdomain, seed: seed)
            workspaces[subdomain] = nil
            seeder.seedWorkspace(total: records, now: clock.now())
            workspaces[subdomain] = seeder.workspace
        }
        setOrigin(origin)
    }

    func seeder(for subdomain: String, seed: UInt64) -> Seeder {
        var seeder = Seeder(
            workspace: workspaces[subdomain]!, seed: seed ^ stableHash(subdomain), startDate: Seeder.startDate,
            user: clients.values.first { $0.businesses.contains(subdomain) }?.userID ?? Seeder.defaultUser)
        seeder.fileBytes = config.fileBytes
        return seeder
    }
}
