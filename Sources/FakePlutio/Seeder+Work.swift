import Foundation
import JSONCore

extension Seeder {
    mutating func seedWork(projects: Int, boards: Int, groups: Int, tasks: Int) {
        for _ in 0..<projects { addProject(isTemplate: false) }
        var boardsOfProject: [String: Int] = [:]
        for i in 0..<boards {
            let project = ids["projects"]![i % ids["projects"]!.count]
            addBoard(project: project, position: boardsOfProject[project, default: 0], isTemplate: false)
            boardsOfProject[project, default: 0] += 1
        }
        var groupsOfBoard: [String: Int] = [:]
        for i in 0..<groups {
            let board = ids["task-boards"]![i % ids["task-boards"]!.count]
            addGroup(board: board, position: groupsOfBoard[board, default: 0], isTemplate: false)
            groupsOfBoard[board, default: 0] += 1
        }
        for _ in 0..<tasks { addTask() }
    }

    @discardableResult
    mutating func addProject(isTemplate: Bool) -> String {
        add(
            "projects",
            [
                "name": .string(title()), "description": .string(words(6...14)), "currency": "USD",
                "color": .string(pick(Self.colors)), "startDate": date(daysFromNow: -30...0),
                "dueDate": date(daysFromNow: 10...90),
                "budget": ["amount": .number(Double(int(10...200) * 100))], "isBillable": .bool(chance(0.7)),
                "billingRate": .number(Double(int(50...150))), "status": "active",
                "client": isTemplate ? .null : client(), "statusId": pickProjectStatus(),
                "contributors": .array(pickIDs("people", 0...3)), "customFields": customFields(for: "project"),
                "isArchived": isTemplate ? .null : archived(), "isTemplate": isTemplate ? true : .null,
            ])
    }

    mutating func pickProjectStatus() -> JSONValue {
        let statuses = workspace.table("statuses").inOrder.filter { $0.object["entityType"] == "project" }.map(\.id)
        return statuses.isEmpty ? .null : .string(pick(statuses))
    }

    @discardableResult
    mutating func addBoard(project: String?, position: Int, isTemplate: Bool) -> String {
        add(
            "task-boards",
            [
                "title": .string(title()), "position": .number(Double(position)),
                "projectId": project.map(JSONValue.string) ?? .null,
                "isArchived": isTemplate ? .null : archived(0.04), "isTemplate": isTemplate ? true : .null,
            ])
    }

    @discardableResult
    mutating func addGroup(board: String, position: Int, isTemplate: Bool) -> String {
        let project = workspace.record("task-boards", board)?.object["projectId"] ?? .null
        return add(
            "task-groups",
            [
                "title": .string(pick(["To do", "In progress", "Review", "Done", "Backlog"])),
                "color": .string(pick(Self.colors)),
                "position": .number(Double(position)), "isDefault": .bool(position == 0), "taskBoardId": .string(board),
                "projectId": project, "isArchived": isTemplate ? .null : archived(0.03),
                "isTemplate": isTemplate ? true : .null,
            ])
    }

    @discardableResult
    mutating func addTask(isTemplate: Bool = false) -> String {
        var group: JSONValue = .null
        var board: JSONValue = .null
        var project: JSONValue = .null
        if !isTemplate, let g = pickID("task-groups"), let record = workspace.record("task-groups", g) {
            group = .string(g)
            board = record.object["taskBoardId"] ?? .null
            project = record.object["projectId"] ?? .null
        }
        var parent: JSONValue = .null
        if let g = group.stringValue, let siblings = tasksOfGroup[g], !siblings.isEmpty, chance(0.15) {
            parent = .string(pick(siblings))
        }
        taskNumber += 1
        let plain = words(4...16)
        let id = newID()
        if let g = group.stringValue { tasksOfGroup[g, default: []].append(id) }
        return add(
            "tasks", id: id,
            [
                "taskId": .number(Double(taskNumber)), "title": .string(title()),
                "descriptionHTML": .string("<p>\(plain)</p>"),
                "descriptionPlain": .string(plain),
                "status": .string(pick(["incomplete", "incomplete", "completed", "overdue"])),
                "projectId": project, "taskBoardId": board, "taskGroupId": group, "parentTaskId": parent,
                "assignedTo": .array(pickIDs("people", 0...2)), "followers": .array(pickIDs("people", 0...2)),
                "startDate": date(daysFromNow: -10...5), "dueDate": date(daysFromNow: 5...40),
                "position": .number(Double(int(0...50))), "customFields": customFields(for: "task"),
                "isArchived": isTemplate ? .null : archived(0.05), "isTemplate": isTemplate ? true : .null,
            ])
    }

    // MARK: Files

    mutating func seedFiles(folders: Int, files: Int) {
        for i in 0..<folders {
            let parent: JSONValue =
                i > 0 && chance(0.5) ? (pickID("file-folders").map(JSONValue.string) ?? .null) : .null
            var entityType: JSONValue = .null
            var entityId: JSONValue = .null
            var project: JSONValue = .null
            if chance(0.6), let p = pickID("projects") {
                entityType = "project"
                entityId = .string(p)
                project = .string(p)
            } else if let person = pickID("people") {
                entityType = "person"
                entityId = .string(person)
            }
            add(
                "file-folders",
                [
                    "title": .string(title()), "parentFolderId": parent, "projectId": project, "entityType": entityType,
                    "entityId": entityId,
                ])
        }
        for _ in 0..<files { addFile() }
    }

    mutating func addFile() {
        let type = pick(["file", "file", "document", "link"])
        let (entityType, pool) = pick([("project", "projects"), ("task", "tasks"), ("person", "people")])
        var body: JSONObject = [
            "title": .string(title() + (type == "link" ? "" : ".pdf")), "type": .string(type),
            "folderId": chance(0.5) ? (pickID("file-folders").map(JSONValue.string) ?? .null) : .null,
            "entityType": .string(entityType), "entityId": pickID(pool).map(JSONValue.string) ?? .null,
        ]
        if type == "link" {
            body["url"] = .string("https://example.com/\(words(1...1))/\(int(1...9999))")
            body["mimeType"] = "text/html"
        } else {
            let handle = newID()
            let size = newBinary(handle)
            body["handle"] = .string(handle)
            body["url"] = .string(JSONString("\(origin)/cdn/\(handle)"))
            body["mimeType"] = "application/pdf"
            body["size"] = .number(Double(size))
        }
        add("files", body)
    }

    /// Stores a new binary under `handle`; answers its size. Without `fileBytes`, 64 to 4096
    /// bytes a byte per draw, as seeded workspaces always had (the same seed, the same workspace);
    /// with it, a size drawn log-uniformly from the range (photos and contracts of a few hundred
    /// KB, design files of many MB), eight bytes per draw.
    mutating func newBinary(_ handle: String) -> Int {
        guard let range = fileBytes else {
            let size = int(64...4096)
            var bytes = [UInt8](repeating: 0, count: size)
            for i in 0..<size { bytes[i] = UInt8(truncatingIfNeeded: random.next()) }
            workspace.binaries[handle] = bytes
            return size
        }
        let low = log(Double(max(1, range.lowerBound)))
        let high = log(Double(max(1, range.upperBound)))
        let size = min(range.upperBound, max(range.lowerBound, Int(exp(low + random.unit() * (high - low)))))
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < size {
                var word = random.next()
                let n = min(8, size - offset)
                withUnsafeBytes(of: &word) {
                    buffer.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: n)
                }
                offset += n
            }
        }
        workspace.binaries[handle] = bytes
        return size
    }

    // MARK: Wikis

    mutating func seedWikis(wikis: Int, entities: Int) {
        for _ in 0..<wikis {
            add(
                "wiki",
                [
                    "title": .string(title() + " handbook"), "description": .string(words(5...10)),
                    "shareSettings": ["isShared": .bool(chance(0.3))],
                    "privateShareSettings": ["type": "roles", "roles": ["team", "co-owner"]],
                    "entityType": chance(0.5) ? "project" : .null,
                    "entityId": .null, "color": .string(pick(Self.colors)), "index": .number(Double(int(0...9))),
                ])
        }
        // Attach some wikis to projects (entityType + entityId together).
        for wiki in ids["wiki"] ?? [] where workspace.record("wiki", wiki)?.object["entityType"] == "project" {
            if let p = pickID("projects") { set("wiki", wiki, ["entityId": .string(p)]) }
        }
        var categories: [String: [String]] = [:]
        for i in 0..<entities {
            let wiki = ids["wiki"]![i % ids["wiki"]!.count]
            let isCategory = chance(0.25)
            var parent = wiki
            if let cats = categories[wiki], !cats.isEmpty, chance(0.6) { parent = pick(cats) }
            let id = newID()
            if isCategory {
                add(
                    "wiki-entities", id: id,
                    [
                        "wikiId": .string(wiki), "parentId": .string(parent), "title": .string(title()),
                        "type": "category", "status": "published", "index": .number(Double(i)),
                    ])
                categories[wiki, default: []].append(id)
            } else {
                let block = newID()
                add(
                    "wiki-entities", id: id,
                    [
                        "wikiId": .string(wiki), "parentId": .string(parent), "title": .string(title()), "type": "page",
                        "status": .string(pick(["draft", "published"])), "index": .number(Double(i)),
                        "blocks": [.string(block)],
                    ])
                addBlock(id: block, owner: ("wiki-page", id), type: "content", isTemplate: false)
            }
        }
    }

    /// A block of `owner` (slug, id).
    mutating func addBlock(id: String? = nil, owner: (String, String), type: String, isTemplate: Bool) {
        let text = words(6...20)
        var body: JSONObject = [
            "type": .string(type), "textHTML": .string("<p>\(text)</p>"), "textPlain": .string(text),
            "entityType": .string(owner.0), "entityId": .string(owner.1),
        ]
        if owner.0 != "wiki-page" && owner.0 != "wiki" { body["hasText"] = true }
        if type == "image", let fileID = pickID("files"), let file = workspace.record("files", fileID),
            file.object["handle"] != nil
        {
            body["attachment"] = [
                "_id": .string(fileID), "handle": file.object["handle"]!, "title": file.object["title"] ?? "",
                "size": file.object["size"] ?? 0, "mimeType": file.object["mimeType"] ?? "", "extension": "pdf",
                "url": file.object["url"] ?? "",
            ]
        }
        if isTemplate { body["isTemplate"] = true }
        add("blocks", id: id, body)
    }
}
