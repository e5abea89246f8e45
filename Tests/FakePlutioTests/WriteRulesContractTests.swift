import FakePlutio
import Foundation
import JSONCore
import Testing

/// What writes accept (contract §4.8), under the strict default and each §10 variant.
@Suite(.timeLimit(.minutes(10))) struct WriteRulesContractTests {
    /// A record of a kind in a business, as the API lists it (archived and templates included).
    static func first(
        _ h: Harness, _ kind: String, token: String, business: String = "acme",
        where match: (JSONValue) -> Bool = { _ in true }
    ) async throws -> JSONValue {
        try #require(try await h.all(kind, token: token, business: business).first(where: match))
    }

    static func id(_ record: JSONValue) -> String { record["_id"]!.stringValue! }

    @Test(arguments: [false, true])
    func serverOwnedFieldsAreDroppedAndNumbersAssigned(keepNumbers: Bool) async throws {
        let h = try await Harness.start(records: 300) { $0.assignsNumbers = !keepNumbers }
        try await h.stopAfter {
            let token = try await h.token()
            let tasks = try await h.all("tasks", token: token)
            let largest = tasks.compactMap { $0["taskId"]?.numberValue.map { Int($0) } }.max()!
            let task = try #require(
                try await h.send(
                    .POST, "/tasks",
                    body:
                        #"{"_id":"SRC","title":"T","taskId":7,"createdAt":"1999-01-01T00:00:00.000Z","createdBy":"x","businessId":"y"}"#,
                    token: token
                ).json)
            #expect(task["_id"] != "SRC")
            #expect(task["createdAt"] != "1999-01-01T00:00:00.000Z")
            #expect(task["createdBy"] != "x" && task["businessId"] != "y")
            #expect(task["taskId"] == (keepNumbers ? 7 : .number(Double(largest + 1))))
            let invoice = try #require(
                try await h.send(.POST, "/invoices", body: #"{"name":"I","invoiceId":"INV-1"}"#, token: token).json)
            if keepNumbers {
                #expect(invoice["invoiceId"] == "INV-1")
            } else {
                #expect(invoice["invoiceId"] != "INV-1")
                #expect(invoice["invoiceId"]?.stringValue?.hasPrefix("INV-") == true)
            }
            // PUT may set the number afterwards (an importer restores invoice numbers this way).
            let renumbered = try #require(
                try await h.send(
                    .PUT, "/invoices", body: #"{"_id":"\#(Self.id(invoice))","invoiceId":"INV-7000"}"#, token: token
                ).json)
            #expect(renumbered["invoiceId"] == "INV-7000")
            let next = try await h.send(.POST, "/invoices", body: #"{"name":"J"}"#, token: token).json
            #expect(next?["invoiceId"] == "INV-7001")
            // A number set below the counter does not pull it back.
            _ = try await h.send(
                .PUT, "/invoices", body: #"{"_id":"\#(Self.id(invoice))","invoiceId":"INV-5"}"#, token: token)
            let after = try await h.send(.POST, "/invoices", body: #"{"name":"K"}"#, token: token).json
            #expect(after?["invoiceId"] == "INV-7002")
            if keepNumbers {
                // A kept client number moves the counter past it too.
                _ = try await h.send(.POST, "/invoices", body: #"{"name":"L","invoiceId":"INV-9000"}"#, token: token)
                let following = try await h.send(.POST, "/invoices", body: #"{"name":"M"}"#, token: token).json
                #expect(following?["invoiceId"] == "INV-9001")
            }
            let project = try #require(
                try await h.send(.POST, "/projects", body: #"{"name":"P","taskCounts":{"all":9}}"#, token: token).json)
            #expect(project["taskCounts"] == nil)
        }
    }

    @Test(arguments: [true, false])
    func lifecycleStatusAndArchivedAreDroppedOnCreateTemplatesKept(keepsTemplateFlag: Bool) async throws {
        let h = try await Harness.start(records: 0) { $0.keepsTemplateFlag = keepsTemplateFlag }
        try await h.stopAfter {
            let token = try await h.token()
            let invoice = try #require(
                try await h.send(
                    .POST, "/invoices", body: #"{"name":"I","status":"paid","isArchived":true}"#, token: token
                )
                .json)
            #expect(invoice["status"] == "draft")
            #expect(invoice["isArchived"] == nil)
            let subscription = try await h.send(
                .POST, "/invoice-subscriptions", body: #"{"title":"S","status":"active"}"#, token: token
            ).json
            #expect(subscription?["status"] == "draft")
            let template = try #require(
                try await h.send(.POST, "/proposals", body: #"{"name":"P","isTemplate":true}"#, token: token).json)
            #expect((template["isTemplate"] == true) == keepsTemplateFlag)
            // A template body's default blocks are template blocks.
            let blocks = try await h.all("blocks", token: token).filter { $0["entityId"] == template["_id"] }
            #expect(blocks.count == 3)
            #expect(blocks.allSatisfy { ($0["isTemplate"] == true) == keepsTemplateFlag })
        }
    }

    /// A reference that names a missing, trashed, foreign or wrong-kind record, or an unknown role slug.
    enum BadReference: String, CaseIterable, Sendable {
        case missing, trashed, otherBusiness, wrongKind, unknownRole, missingInList
    }

    @Test(arguments: BadReference.allCases, [true, false])
    func referencesAreChecked(_ bad: BadReference, checks: Bool) async throws {
        let h = try await Harness.start(records: 600) { $0.checksReferences = checks }
        try await h.stopAfter {
            let token = try await h.token()
            let ws = try #require(await h.fake.workspace("acme"))
            let trashedProject = try #require(
                ws.trashedObjects().first { $0.kind == "projects" }?.object["_id"]?.stringValue)
            let foreignProject = Self.id(
                try await Self.first(h, "projects", token: try await h.token(Harness.globex), business: "globex"))
            let liveTask = Self.id(try await Self.first(h, "tasks", token: token))
            let (path, body, field): (String, String, String) =
                switch bad {
                case .missing: ("/tasks", #"{"title":"T","projectId":"NOPE"}"#, "projectId")
                case .trashed: ("/tasks", #"{"title":"T","projectId":"\#(trashedProject)"}"#, "projectId")
                case .otherBusiness: ("/tasks", #"{"title":"T","projectId":"\#(foreignProject)"}"#, "projectId")
                case .wrongKind: ("/tasks", #"{"title":"T","projectId":"\#(liveTask)"}"#, "projectId")
                case .unknownRole: ("/people", #"{"name":{"first":"A"},"role":"astronaut"}"#, "role")
                case .missingInList: ("/tasks", #"{"title":"T","assignedTo":["NOPE"]}"#, "assignedTo")
                }
            let answer = try await h.send(.POST, path, body: body, token: token)
            if checks {
                #expect(answer.status == 400)
                #expect(answer.message == "\(field) is invalid")
            } else {
                #expect(answer.status == 200)
            }
            // PUT checks what it sends the same way.
            let put = try await h.send(
                .PUT, "/tasks", body: #"{"_id":"\#(liveTask)","assignedTo":["NOPE"]}"#, token: token)
            #expect(put.status == (checks ? 400 : 200))
        }
    }

    @Test func validReferencesAndTypedReferencesAreAccepted() async throws {
        let h = try await Harness.start(records: 600)
        try await h.stopAfter {
            let token = try await h.token()
            let project = Self.id(try await Self.first(h, "projects", token: token))
            let person = Self.id(try await Self.first(h, "people", token: token))
            let task = Self.id(try await Self.first(h, "tasks", token: token))
            let created = try await h.send(
                .POST, "/tasks", body: #"{"title":"T","projectId":"\#(project)","assignedTo":["\#(person)"]}"#,
                token: token)
            #expect(created.status == 200)
            let comment = try await h.send(
                .POST, "/comments", body: #"{"entityType":"task","entityId":"\#(task)","bodyPlain":"hi"}"#,
                token: token)
            #expect(comment.status == 200)
            // The slug chooses the target kind: a task id is no project.
            let wrong = try await h.send(
                .POST, "/comments", body: #"{"entityType":"conversation","entityId":"\#(task)","bodyPlain":"hi"}"#,
                token: token)
            #expect(wrong.message == "entityId is invalid")
            let lead = try await h.send(.POST, "/people", body: #"{"name":{"first":"L"},"role":"lead"}"#, token: token)
            #expect(lead.status == 200)
        }
    }

    /// Nested, typed and slug paths: `client._id` by its `entityType`, `companies[]._id`,
    /// `privateShareSettings.roles[]`; null is always accepted.
    @Test func nestedTypedAndSlugReferencesAreChecked() async throws {
        let h = try await Harness.start(records: 600)
        try await h.stopAfter {
            let token = try await h.token()
            let company = Self.id(try await Self.first(h, "companies", token: token))
            let person = Self.id(try await Self.first(h, "people", token: token))
            let cases: [(String, String, String?)] = [
                ("/invoices", #"{"name":"I","client":{"_id":"\#(company)","entityType":"company"}}"#, nil),
                (
                    "/invoices", #"{"name":"I","client":{"_id":"\#(company)","entityType":"person"}}"#,
                    "client._id is invalid"
                ),
                (
                    "/invoices", #"{"name":"I","client":{"_id":"\#(person)","entityType":"alien"}}"#,
                    "client._id is invalid"
                ),
                ("/invoices", #"{"name":"I","client":null,"projectId":null}"#, nil),
                ("/people", #"{"name":{"first":"A"},"role":"team","companies":[{"_id":"\#(company)"}]}"#, nil),
                (
                    "/people", #"{"name":{"first":"A"},"role":"team","companies":[{"_id":"NOPE"}]}"#,
                    "companies._id is invalid"
                ),
                ("/wiki", #"{"title":"W","privateShareSettings":{"type":"roles","roles":["team","lead"]}}"#, nil),
                (
                    "/wiki", #"{"title":"W","privateShareSettings":{"type":"roles","roles":["astronaut"]}}"#,
                    "privateShareSettings.roles is invalid"
                ),
            ]
            for (path, body, message) in cases {
                let answer = try await h.send(.POST, path, body: body, token: token)
                #expect(answer.message == message, "\(body)")
                #expect(answer.status == (message == nil ? 200 : 400), "\(body)")
            }
        }
    }

    @Test func aBulkUpdateIsValidatedWholeBeforeAnyRecordChanges() async throws {
        let h = try await Harness.start(records: 300)
        try await h.stopAfter {
            let token = try await h.token()
            let tasks = Array(try await h.all("tasks", token: token).prefix(2))
            let ids = Self.jsonList(tasks.map(Self.id))
            let bad = try await h.send(
                .PUT, "/tasks/bulk", body: #"{"_ids":\#(ids),"assignedTo":["NOPE"]}"#, token: token)
            #expect(bad.message == "assignedTo is invalid")
            let after = try await h.all("tasks", token: token).filter { tasks.map(Self.id).contains(Self.id($0)) }
            #expect(after.map { $0["assignedTo"] } == tasks.map { $0["assignedTo"] })
            #expect(await h.fake.writes().last?.applied == false)
            let good = try await h.send(
                .PUT, "/tasks/bulk", body: #"{"_ids":\#(ids),"status":"completed"}"#, token: token)
            #expect(good.array.allSatisfy { $0["status"] == "completed" } && good.array.count == 2)
        }
    }

    @Test(arguments: [true, false])
    func customFieldsAreCheckedAndOptionIDsMadeByTheServer(generatesOptionIDs: Bool) async throws {
        let h = try await Harness.start(records: 300) { $0.generatesOptionIDs = generatesOptionIDs }
        try await h.stopAfter {
            let token = try await h.token()
            let field = try #require(
                try await h.send(
                    .POST, "/custom-fields",
                    body:
                        #"{"title":"Tier","entityType":"task","inputType":"select","options":[{"_id":"SRC1","name":"Gold"},{"_id":"SRC2","name":"Silver"}]}"#,
                    token: token
                ).json)
            let options = field["options"]!.arrayValue!.compactMap { $0["_id"]?.stringValue }
            #expect(options.count == 2)
            #expect((options == ["SRC1", "SRC2"]) == !generatesOptionIDs)
            let fieldID = Self.id(field)
            let personField = Self.id(
                try await Self.first(h, "custom-fields", token: token) { $0["entityType"] == "person" })
            let cases: [(String, String?)] = [
                (#"[{"_id":"\#(fieldID)","value":"\#(options[0])"}]"#, nil),
                (#"[{"_id":"NOPE","value":"x"}]"#, "Invalid custom field"),
                (#"[{"_id":"\#(personField)","value":"x"}]"#, "Invalid custom field"),
                (#"[{"_id":"\#(fieldID)","value":"Gold"}]"#, "Invalid custom field value"),
            ]
            for (customFields, message) in cases {
                let answer = try await h.send(
                    .POST, "/tasks", body: #"{"title":"T","customFields":\#(customFields)}"#, token: token)
                #expect(answer.message == message, "\(customFields)")
                #expect(answer.status == (message == nil ? 200 : 400))
            }
        }
    }

    @Test(arguments: [false, true])
    func parentsChangeOnlyThroughMove(parentsByPut: Bool) async throws {
        let h = try await Harness.start(records: 600) { $0.parentsByPut = parentsByPut }
        try await h.stopAfter {
            let token = try await h.token()
            let groups = try await h.all("task-groups", token: token)
            let task = try await Self.first(h, "tasks", token: token) { $0["taskGroupId"]?.stringValue != nil }
            let other = try #require(groups.first { $0["_id"] != task["taskGroupId"] })
            let parent = try await Self.first(h, "tasks", token: token) { $0["_id"] != task["_id"] }
            let put = try #require(
                try await h.send(
                    .PUT, "/tasks",
                    body:
                        #"{"_id":"\#(Self.id(task))","taskGroupId":"\#(Self.id(other))","parentTaskId":"\#(Self.id(parent))"}"#,
                    token: token
                ).json)
            #expect(put["taskGroupId"] == (parentsByPut ? other["_id"] : task["taskGroupId"]))
            #expect(put["parentTaskId"] == parent["_id"])  // ordinary data
            // /move checks that the destination exists.
            let missing = try await h.send(
                .POST, "/tasks/move", body: #"{"_id":"\#(Self.id(task))","taskGroupId":"NOPE"}"#, token: token)
            #expect(missing.status == 400)
            #expect(missing.message == "taskGroupId is invalid")
            let moved = try await h.send(
                .POST, "/tasks/move", body: #"{"_id":"\#(Self.id(task))","taskGroupId":"\#(Self.id(other))"}"#,
                token: token)
            #expect(moved.json?["taskGroupId"] == other["_id"])
            // ...and that no cycle forms: a folder cannot move under its own child.
            let folder = try #require(
                try await h.send(.POST, "/file-folders", body: #"{"title":"A"}"#, token: token).json)
            let child = try #require(
                try await h.send(.POST, "/file-folders", body: #"{"title":"B"}"#, token: token).json)
            let under = try await h.send(
                .POST, "/file-folders/move",
                body: #"{"_id":"\#(Self.id(child))","parentFolderId":"\#(Self.id(folder))"}"#, token: token)
            #expect(under.status == 200)
            let cycle = try await h.send(
                .POST, "/file-folders/move",
                body: #"{"_id":"\#(Self.id(folder))","parentFolderId":"\#(Self.id(child))"}"#, token: token)
            #expect(cycle.status == 400)
            #expect(cycle.message?.hasPrefix("parentFolderId is invalid") == true)
        }
    }

    /// Every destination field of §4.4 is dropped by PUT, and applied under `--parents-by-put`.
    @Test(
        arguments: [
            ("task-boards", "projectId", "projects"), ("task-groups", "taskBoardId", "task-boards"),
            ("wiki-entities", "parentId", "wiki"), ("file-folders", "parentFolderId", "file-folders"),
            ("files", "folderId", "file-folders"),
        ] as [(String, String, String)], [false, true] as [Bool])
    func destinationFieldsByPut(_ edge: (kind: String, field: String, target: String), parentsByPut: Bool) async throws
    {
        let (kind, field, target) = edge
        let h = try await Harness.start(records: 1500) { $0.parentsByPut = parentsByPut }
        try await h.stopAfter {
            let token = try await h.token()
            let record = try await Self.first(h, kind, token: token) { $0[field]?.stringValue != nil }
            let other = try await Self.first(h, target, token: token) {
                $0["_id"] != record[field] && $0["_id"] != record["_id"]
            }
            let put = try #require(
                try await h.send(
                    .PUT, "/\(kind)", body: #"{"_id":"\#(Self.id(record))","\#(field)":"\#(Self.id(other))"}"#,
                    token: token
                ).json)
            #expect(put[field] == (parentsByPut ? other["_id"] : record[field]))
        }
    }

    /// What sits under a moved or copied record follows it; a copy gets new numbers and its own blocks.
    @Test func movesAndCopiesCarryTheirSubtree() async throws {
        let h = try await Harness.start(records: 1500)
        try await h.stopAfter {
            let token = try await h.token()
            let tasks = try await h.all("tasks", token: token)
            let board = try await Self.first(h, "task-boards", token: token) { board in
                board["projectId"]?.stringValue != nil && tasks.contains { $0["taskBoardId"] == board["_id"] }
            }
            let project = try await Self.first(h, "projects", token: token) { $0["_id"] != board["projectId"] }
            let moved = try await h.send(
                .POST, "/task-boards/move", body: #"{"_id":"\#(Self.id(board))","projectId":"\#(Self.id(project))"}"#,
                token: token)
            #expect(moved.status == 200)
            let under = try await h.all("tasks", token: token).filter { $0["taskBoardId"] == board["_id"] }
            #expect(!under.isEmpty && under.allSatisfy { $0["projectId"] == project["_id"] })
            // A copy's destination is checked, its tasks get new numbers, and it lands where asked.
            let missing = try await h.send(
                .POST, "/task-boards/copy", body: #"{"_id":"\#(Self.id(board))","projectId":"NOPE"}"#, token: token)
            #expect(missing.message == "projectId is invalid")
            let copy = try #require(
                try await h.send(
                    .POST, "/task-boards/copy",
                    body: #"{"_id":"\#(Self.id(board))","projectId":"\#(Self.id(project))"}"#,
                    token: token
                ).json)
            let copiedTasks = try await h.all("tasks", token: token).filter { $0["taskBoardId"] == copy["_id"] }
            #expect(copiedTasks.count == under.count)
            #expect(Set(copiedTasks.compactMap { $0["taskId"] }).isDisjoint(with: under.compactMap { $0["taskId"] }))
            // A copied form owns copies of its blocks, so its blocks[] can be PUT.
            let form = try await Self.first(h, "forms", token: token) { !($0["blocks"]?.arrayValue ?? []).isEmpty }
            let formCopy = try #require(
                try await h.send(.POST, "/forms/copy", body: #"{"_id":"\#(Self.id(form))"}"#, token: token).json)
            let blocks = formCopy["blocks"]!.arrayValue!.compactMap(\.stringValue)
            #expect(Set(blocks).isDisjoint(with: form["blocks"]!.arrayValue!.compactMap(\.stringValue)))
            let put = try await h.send(
                .PUT, "/forms", body: #"{"_id":"\#(Self.id(formCopy))","blocks":\#(Self.jsonList(blocks.reversed()))}"#,
                token: token)
            #expect(put.status == 200, "\(put.message ?? "")")
        }
    }

    @Test func blockListsAreTheRecordsOwnBlocks() async throws {
        let h = try await Harness.start(records: 300)
        try await h.stopAfter {
            let token = try await h.token()
            // Dropped on create for kinds with default blocks: the defaults come back instead.
            let proposal = try #require(
                try await h.send(.POST, "/proposals", body: #"{"name":"P","blocks":["SRC1","SRC2"]}"#, token: token)
                    .json)
            let own = proposal["blocks"]!.arrayValue!.compactMap(\.stringValue)
            #expect(own.count == 3 && !own.contains("SRC1"))
            // A kind without default blocks has none to list on create.
            let form = try await h.send(.POST, "/forms", body: #"{"title":"F","blocks":["SRC1"]}"#, token: token)
            #expect(form.message == "Invalid blocks")
            let reordered = Array(own.reversed())
            let put = try await h.send(
                .PUT, "/proposals", body: #"{"_id":"\#(Self.id(proposal))","blocks":\#(Self.jsonList(reordered))}"#,
                token: token)
            #expect(put.json?["blocks"]?.arrayValue?.compactMap(\.stringValue) == reordered)
            let foreign = try await Self.first(h, "blocks", token: token) { $0["entityId"] != proposal["_id"] }
            for wrong in [Array(own.dropLast()), own + [Self.id(foreign)], own + [own[0]], own.dropLast() + ["NOPE"]] {
                let answer = try await h.send(
                    .PUT, "/proposals", body: #"{"_id":"\#(Self.id(proposal))","blocks":\#(Self.jsonList(wrong))}"#,
                    token: token)
                #expect(answer.message == "Invalid blocks", "\(wrong)")
            }
        }
    }

    static func jsonList(_ ids: [String]) -> String { "[" + ids.map { "\"\($0)\"" }.joined(separator: ",") + "]" }

    @Test(arguments: [false, true])
    func fileCreatesNeedAHandleStoredInTheSameBusiness(refuseAll: Bool) async throws {
        let h = try await Harness.start(records: 300) { $0.refusesAllFileCreates = refuseAll }
        try await h.stopAfter {
            let token = try await h.token()
            let ws = try #require(await h.fake.workspace("acme"))
            let handle = try #require(ws.binaries.keys.sorted().first)
            let foreign = try #require(await h.fake.workspace("globex")?.binaries.keys.sorted().first)
            let same = try await h.send(
                .POST, "/files", body: #"{"title":"f","type":"file","handle":"\#(handle)"}"#, token: token)
            #expect(same.status == (refuseAll ? 400 : 200))
            for body in [
                #"{"title":"f","type":"file","handle":"\#(foreign)"}"#, #"{"title":"f","type":"document"}"#,
                #"{"title":"f","type":"file","handle":"made-up"}"#,
            ] {
                let answer = try await h.send(.POST, "/files", body: body, token: token)
                #expect(answer.message == "Handle is required", "\(body)")
            }
            let link = try await h.send(
                .POST, "/files", body: #"{"title":"l","type":"link","url":"https://example.com"}"#, token: token)
            #expect(link.status == 200)
        }
    }

    @Test func putValidatesWhatItSendsAsCreateDoes() async throws {
        let h = try await Harness.start(records: 300)
        try await h.stopAfter {
            let token = try await h.token()
            let person = Self.id(try await Self.first(h, "people", token: token) { $0["role"] == "client" })
            let task = Self.id(try await Self.first(h, "tasks", token: token))
            let block = Self.id(try await Self.first(h, "blocks", token: token) { $0["entityType"] == "contract" })
            let group = Self.id(try await Self.first(h, "task-groups", token: token))
            let cases: [(String, String, String)] = [
                ("/people", #"{"_id":"\#(person)","name":null}"#, "name is required"),
                ("/people", #"{"_id":"\#(person)","role":"astronaut"}"#, "role is invalid"),
                ("/tasks", #"{"_id":"\#(task)","status":"done"}"#, "status is invalid"),
                ("/tasks", #"{"_id":"\#(task)","customFields":[{"_id":"NOPE","value":1}]}"#, "Invalid custom field"),
                (
                    "/blocks", #"{"_id":"\#(block)","type":"intro"}"#,
                    "Type \"intro\" is invalid. Valid options are: content, image, canvas, video, html, signature"
                ),
                ("/task-groups", #"{"_id":"\#(group)","title":""}"#, "title is required"),
            ]
            for (path, body, message) in cases {
                let answer = try await h.send(.PUT, path, body: body, token: token)
                #expect(answer.status == 400, "\(body)")
                #expect(answer.message == message, "\(body)")
            }
            let fine = try await h.send(.PUT, "/tasks", body: #"{"_id":"\#(task)","status":"completed"}"#, token: token)
            #expect(fine.status == 200)
        }
    }

    @Test(arguments: [false, true])
    func aNewProjectGetsADefaultBoardOnlyWhenConfigured(defaultBoard: Bool) async throws {
        let h = try await Harness.start(records: 0) { $0.defaultProjectBoard = defaultBoard }
        try await h.stopAfter {
            let token = try await h.token()
            let project = try #require(try await h.send(.POST, "/projects", body: #"{"name":"P"}"#, token: token).json)
            let boards = try await h.all("task-boards", token: token).filter { $0["projectId"] == project["_id"] }
            #expect(boards.count == (defaultBoard ? 1 : 0))
            if defaultBoard {
                #expect(boards[0]["title"] == "Tasks")
                let groups = try await h.all("task-groups", token: token).filter {
                    $0["taskBoardId"] == boards[0]["_id"]
                }
                #expect(groups.count == 1)
                #expect(groups.first?["isDefault"] == true)
            }
        }
    }
}

/// Faults aimed at writes, and the write log that shows what was applied.
@Suite(.timeLimit(.minutes(10))) struct WriteFaultContractTests {
    @Test(arguments: WriteFault.Mode.allCases)
    func faultsTheNthCreateOfAKind(mode: WriteFault.Mode) async throws {
        let h = try await Harness.start(records: 0) {
            $0.faults.writeFaults = [WriteFault(kind: "notes", n: 2, mode: mode)]
        }
        try await h.stopAfter {
            let token = try await h.token()
            let first = try await h.send(.POST, "/notes", body: #"{"title":"one"}"#, token: token)
            #expect(first.status == 200)
            let second = try? await h.send(.POST, "/notes", body: #"{"title":"two"}"#, token: token)
            switch mode {
            case .serverErrorAfter: #expect(second?.status == 500)
            case .dropAfter, .dropBefore: #expect(second == nil, "the connection should have been dropped")
            }
            let notes = try await h.all("notes", token: token).compactMap { $0["title"]?.stringValue }
            #expect(notes == (mode == .dropBefore ? ["one"] : ["one", "two"]))
            let writes = await h.fake.writes()
            #expect(writes.map(\.kind) == ["notes", "notes"])
            #expect(writes.map(\.applied) == [true, mode != .dropBefore])
            #expect(writes[1].status == (mode == .serverErrorAfter ? 500 : 0))
            #expect(writes[1].json?["title"] == "two")
            #expect((writes[1].id != nil) == (mode != .dropBefore))
        }
    }

    @Test func aWriteAnswered500AfterItWasAppliedIsInTheLogAsApplied() async throws {
        let h = try await Harness.start(records: 0) { $0.faults.serverErrorAfterWriteRate = 1 }
        try await h.stopAfter {
            let token = try await h.token()  // the token route is not a write
            let answer = try await h.send(.POST, "/notes", body: #"{"title":"n"}"#, token: token)
            #expect(answer.status == 500)
            let notes = try await h.all("notes", token: token)
            #expect(notes.count == 1)
            let entry = try #require(await h.fake.writes().first)
            #expect(entry.applied && entry.status == 500 && entry.fault == "500AfterWrite")
            #expect(entry.id == notes.first?["_id"]?.stringValue)
            #expect(
                entry.method == "POST" && entry.path == "/v1.11/notes" && entry.body == Array(#"{"title":"n"}"#.utf8))
            // Refused writes are logged too, as not applied.
            await h.fake.reconfigure { $0.faults.serverErrorAfterWriteRate = 0 }
            _ = try await h.send(.POST, "/tasks", body: #"{"title":"t","projectId":"NOPE"}"#, token: token)
            let refused = try #require(await h.fake.writes().last)
            #expect(!refused.applied && refused.status == 400 && refused.kind == "tasks")
            // The admin route serves the same log.
            let served = try await h.get(h.origin + "/_fake/writes", token: nil).array
            #expect(served.map { $0["applied"] } == [true, false])
            #expect(served.first?["body"] == ["title": "n"])
        }
    }

    @Test func writeFaultsParseFromTheCommandLineForm() {
        #expect(WriteFault(parsing: "tasks:3:drop-after") == WriteFault(kind: "tasks", n: 3, mode: .dropAfter))
        #expect(WriteFault(parsing: "notes:1:500-after")?.mode == .serverErrorAfter)
        #expect(WriteFault(parsing: "notes:1:drop-before")?.mode == .dropBefore)
        for bad in ["tasks:0:drop-after", "tasks:x:drop-after", "tasks:1:explode", "tasks:1", ":1:drop-after"] {
            #expect(WriteFault(parsing: bad) == nil, "\(bad)")
        }
    }
}

/// A fresh account as a migration target, and record bytes served non-canonically.
@Suite(.timeLimit(.minutes(10))) struct AccountShapeContractTests {
    @Test func anEmptyBusinessListsOnlyTheFreshAccountBaseline() async throws {
        let empty = AccountSpec(subdomain: "globex", clientID: "globex-client", secret: "globex-secret", empty: true)
        #expect(AccountSpec(parsing: "globex:globex-client:globex-secret:empty") == empty)
        let h = try await Harness.start(accounts: [Harness.acme, empty], records: 400)
        try await h.stopAfter {
            let token = try await h.token(Harness.globex)
            var counts: [String: Int] = [:]
            for kind in await h.fake.catalog.kinds where kind.supports(.list) && kind.scope == nil {
                let records = try await h.all(kind.name, token: token, business: "globex")
                if !records.isEmpty { counts[kind.name] = records.count }
            }
            #expect(counts == ["businesses": 1, "dashboards": 5, "roles": 5, "profiles": 1, "people": 1])
            let dashboards = try await h.all("dashboards", token: token, business: "globex")
            #expect(
                Set(dashboards.compactMap { $0["title"]?.stringValue })
                    == ["Owner", "Co-Owner", "Client", "Manager", "Team Member"])
            let roles = try await h.all("roles", token: token, business: "globex").compactMap {
                $0["slug"]?.stringValue
            }
            #expect(Set(roles) == ["owner", "co-owner", "manager", "team", "client"])
            let owner = try #require(try await h.all("people", token: token, business: "globex").first)
            let profile = try #require(try await h.all("profiles", token: token, business: "globex").first)
            #expect(owner["role"] == "owner")
            #expect(owner["contactEmails"]?.arrayValue?.first?["address"] == profile["email"])
            // The seeded business holds the same baseline and a whole workspace besides.
            let acme = try await h.token()
            #expect(try await h.all("people", token: acme).contains { $0["role"] == "owner" })
            #expect(try await h.all("tasks", token: acme).count > 50)
        }
    }

    @Test func nonCanonicalBytesAreServedTheSameWayOnEveryRead() async throws {
        let h = try await Harness.start(records: 400) { $0.nonCanonicalBytes = true }
        try await h.stopAfter {
            let token = try await h.token()
            for kind in ["people", "invoices", "tasks"] {
                let q = [("limit", "50")]
                let first = try await h.get("/\(kind)", q, token: token)
                let second = try await h.get("/\(kind)", q, token: token)
                #expect(first.bytes == second.bytes, "\(kind)")
                let canonical = first.array.map(\.bytes).joined(separator: [UInt8(ascii: ",")])
                #expect(Array(first.bytes) != [UInt8(ascii: "[")] + canonical + [UInt8(ascii: "]")])
            }
            let text = String(
                decoding: try await h.get("/people", [("limit", "1000")], token: token).bytes, as: UTF8.self)
            #expect(text.contains(#"\u00eb"#) || text.contains(#"\u00e9"#))
            #expect(text.contains(" : "))
            let files = String(decoding: try await h.get("/files", token: token).bytes, as: UTF8.self)
            #expect(files.contains(#"http:\/\/127.0.0.1"#))
            let invoices = String(decoding: try await h.get("/invoices", token: token).bytes, as: UTF8.self)
            #expect(invoices.range(of: #"[0-9]e[0-9]"#, options: .regularExpression) != nil)
            // Key order is not sorted: `_id` comes last.
            let task = try #require(try await h.get("/tasks", [("limit", "1")], token: token).array.first)
            #expect(task.objectValue?.map(\.key).last == "_id")
        }
    }
}
