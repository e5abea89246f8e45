import Foundation
import JSONCore
import Testing

@testable import Catalog

@Suite struct CatalogTests {
    let catalog = try! Catalog.bundled()

    @Test func coversEveryKindOfTheContract() {
        let expected: Set<String> = [
            "block-groups", "blocks", "businesses", "canned-responses", "categories", "comments", "companies",
            "contracts", "conversations", "custom-fields", "dashboard-data", "dashboard-pages", "dashboards",
            "events", "file-folders", "files", "form-responses", "forms", "inbox-groups", "invoice-subscriptions",
            "invoices", "items", "notes", "people", "profiles", "projects", "proposals", "roles", "statuses",
            "task-boards", "task-groups", "tasks", "templates", "time-tracks", "trash-bin", "wiki",
            "wiki-entities", "transactions", "scheduler", "schedules", "automations", "archive",
        ]
        #expect(Set(catalog.kinds.map(\.name)) == expected)
        #expect(catalog.kinds.count == 42)
    }

    @Test(arguments: [
        ("tasks", "parentTaskId", ["tasks"]), ("people", "companies[]._id", ["companies"]),
        ("companies", "people[]._id", ["people"]), ("projects", "client._id", ["people", "companies"]),
        ("contracts", "signees[]._id", ["people", "companies"]), ("time-tracks", "taskId", ["tasks"]),
        ("transactions", "invoiceId", ["invoices"]), ("invoice-subscriptions", "mainInvoiceId", ["invoices"]),
        ("form-responses", "formId", ["forms"]), ("dashboard-pages", "dashboardId", ["dashboards"]),
        ("blocks", "attachment._id", ["files"]), ("wiki-entities", "wikiId", ["wiki"]),
        ("comments", "repliedTo", ["comments"]), ("canned-responses", "categoryId", ["categories"]),
    ])
    func declaresReferenceFields(kind: String, path: String, targets: [String]) throws {
        let k = try #require(catalog.kind(named: kind))
        let declared = catalog.references(of: k).filter { $0.path == path }.flatMap(\.to)
        #expect(Set(declared) == Set(targets))
    }

    @Test func mapsSlugsToKinds() {
        #expect(catalog.kind(forSlug: "task-board")?.name == "task-boards")
        #expect(catalog.kind(forSlug: "blocks-group")?.name == "block-groups")
        #expect(catalog.kind(forSlug: "wiki-page")?.name == "wiki-entities")
        #expect(catalog.kind(forSlug: "messenger")?.name == "inbox-groups")
        #expect(catalog.kind(forSlug: "workspace")?.name == "businesses")
        #expect(catalog.kind(forSlug: "receipt") == nil)
        #expect(catalog.unmappedSlugs.contains("receipt"))
    }

    @Test func ordersKindsSoFirstPassReferencesPointBackwards() throws {
        let order = try catalog.dependencyOrder()
        let position = Dictionary(uniqueKeysWithValues: order.kinds.enumerated().map { ($1, $0) })
        for edge in catalog.edges() where edge.cycle == nil {
            let from = try #require(position[edge.from])
            let to = try #require(position[edge.to])
            #expect(to < from, "\(edge)")
        }
        let prefix = ["businesses", "people", "projects", "task-boards", "task-groups", "tasks"]
        let indices = prefix.map { position[$0]! }
        #expect(indices == indices.sorted())
        #expect(!order.kinds.contains("trash-bin"))
        #expect(!order.kinds.contains("dashboard-data"))
    }

    @Test func namesEveryCycleAsSecondPassEdges() throws {
        let order = try catalog.dependencyOrder()
        let named = Set(order.secondPass.keys)
        for cycle in [
            "person-company", "subtasks", "proposal-contract", "document-blocks", "wiki-tree", "folder-tree",
        ] {
            #expect(named.contains(cycle), "\(cycle)")
        }
        let subtasks = try #require(order.secondPass["subtasks"])
        #expect(subtasks.map(\.description) == ["tasks.parentTaskId -> tasks [subtasks]"])
    }

    @Test func refusesAnUnmarkedCycle() throws {
        let json = try JSONValue.parse(
            #"""
            {"catalogVersion":1,"apiVersion":"v1.11","secondPassCycles":{},"commonReferences":[],
             "kinds":[{"name":"a","slugs":["a"],"verbs":["list"],"references":[{"path":"bId","to":["b"]}]},
                      {"name":"b","slugs":["b"],"verbs":["list"],"references":[{"path":"aId","to":["a"]}]}]}
            """#)
        let cyclic = try Catalog(data: Data(json.bytes))
        #expect(throws: CatalogError.unmarkedCycle(["a", "b"])) { try cyclic.dependencyOrder() }
    }

    @Test(arguments: [
        (
            #"{"catalogVersion":2,"apiVersion":"v1","secondPassCycles":{},"commonReferences":[],"kinds":[]}"#,
            "version 2"
        ),
        (
            #"{"catalogVersion":1,"apiVersion":"v1","secondPassCycles":{},"commonReferences":[],"kinds":[{"name":"a","slugs":[],"verbs":[],"references":[{"path":"x","to":["zz"]}]}]}"#,
            "unknown kind zz"
        ),
        (#"{"catalogVersion":1}"#, "cannot be read"),
    ])
    func explainsABadCatalogue(text: String, phrase: String) {
        do {
            _ = try Catalog(data: Data(text.utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.localizedDescription.contains(phrase), "\(error.localizedDescription)")
        }
    }

    @Test func extractsEveryReferenceForm() throws {
        let contract = try JSONValue.parse(
            #"""
            {"_id":"C1","projectId":"P1","entityType":"proposal","entityId":"PR1",
             "signees":[{"_id":"U1","entityType":"person"},{"_id":"K1","entityType":"company"}],
             "blocks":["B1","B2"],"customFields":[{"_id":"F1","value":"O1"},{"_id":"F2","value":["O2","O3"]}],
             "businessId":"BZ"}
            """#)
        let kind = try #require(catalog.kind(named: "contracts"))
        let refs = catalog.referenceValues(in: contract, of: kind)
        func find(_ path: String, _ value: String) -> ReferenceValue? {
            refs.first { $0.path == path && $0.value == value }
        }
        #expect(find("projectId", "P1")?.targetKinds == ["projects"])
        #expect(find("entityId", "PR1")?.targetKinds == ["proposals"])
        #expect(find("signees[]._id", "U1")?.targetKinds == ["people"])
        #expect(find("signees[]._id", "K1")?.targetKinds == ["companies"])
        #expect(find("blocks[]", "B2")?.position == 1)
        #expect(find("customFields[].value", "O3")?.optionOfField == "F2")
        #expect(find("customFields[]._id", "F1")?.targetKinds == ["custom-fields"])
        #expect(find("businessId", "BZ")?.targetKinds == ["businesses"])
        #expect(refs.count == 12)
    }

    @Test func typedReferenceWithAForeignSlugHasNoTarget() throws {
        let note = try JSONValue.parse(#"{"entityType":"invoice","entityId":"I1"}"#)
        let refs = catalog.referenceValues(in: note, of: try #require(catalog.kind(named: "notes")))
        #expect(refs.count == 1)
        #expect(refs.first?.targetKinds == [])
        #expect(refs.first?.slug == "invoice")
    }
}

/// The flags of contract §7, kind by kind.
@Suite struct CatalogFlagTests {
    let catalog = try! Catalog.bundled()

    @Test func archivableKindsMatchTheContract() {
        let expected: Set<String> = [
            "contracts", "forms", "invoices", "people", "projects", "proposals", "task-boards", "task-groups", "tasks",
            "transactions", "scheduler",
        ]
        #expect(Set(catalog.kinds.filter(\.archivable).map(\.name)) == expected)
    }

    @Test func templateKindsMatchTheContract() {
        let expected: Set<String> = [
            "block-groups", "blocks", "contracts", "dashboard-pages", "forms", "invoices", "items", "projects",
            "proposals",
            "task-boards", "task-groups", "tasks", "scheduler",
        ]
        #expect(Set(catalog.kinds.filter(\.templates).map(\.name)) == expected)
    }

    @Test(arguments: [
        ("profiles", "L"), ("businesses", "L U"), ("dashboards", "L U"), ("dashboard-data", "L"),
        ("block-groups", "L U"),
        ("custom-fields", "L C"), ("dashboard-pages", "L C"), ("automations", "L C"), ("schedules", "L"),
        ("trash-bin", "L D BD DA"), ("archive", "L D BD"), ("blocks", "L C U D BD"), ("companies", "L C U D BU BD"),
        ("projects", "L C U D BU BD A Mv Cp"), ("task-groups", "L C U D A A1 Mv Cp"),
        ("tasks", "L C U D BU BD A Mv Cp"),
        ("files", "L C U D BU BD Mv"), ("forms", "L C U D BU BD A Cp"), ("form-responses", "L C U D BD"),
        ("statuses", "L C U D Mv"), ("wiki-entities", "L C U D Mv"), ("file-folders", "L C U D Mv"),
        ("transactions", "L C U D BU BD A Cp"), ("scheduler", "L C U D BU BD A Cp"), ("comments", "L C U D"),
    ])
    func verbsMatchTheContract(kind: String, verbs: String) throws {
        let names: [String: Verb] = [
            "L": .list, "C": .create, "U": .update, "D": .delete, "BU": .bulkUpdate, "BD": .bulkDelete, "A": .archive,
            "A1": .archiveOne, "Mv": .move, "Cp": .copy, "DA": .deleteAll,
        ]
        let k = try #require(catalog.kind(named: kind))
        #expect(k.verbs == Set(verbs.split(separator: " ").map { names[String($0)]! }))
    }

    @Test func scopedAndQuirkyKindsAreMarked() throws {
        #expect(catalog.kind(named: "comments")?.scope == [["_id"], ["entityType", "entityId"]])
        #expect(catalog.kind(named: "wiki-entities")?.idReadForbidden == true)
        #expect(catalog.kind(named: "proposals")?.defaultBlocks?.types == ["intro", "content", "signature"])
        #expect(catalog.kind(named: "contracts")?.defaultBlocks?.types == ["content", "signature"])
        #expect(catalog.kind(named: "wiki-entities")?.defaultBlocks?.when == ["type": "page"])
        #expect(catalog.kind(named: "dashboard-data")?.isBackedUp == false)
        #expect(catalog.kind(named: "files")?.hasBinary == true)
    }
}
