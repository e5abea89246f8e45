import Catalog
import FakePlutio
import Foundation
import JSONCore
import Testing

/// The seeder: deterministic, realistic, every kind and every reference form, all resolving.
@Suite(.timeLimit(.minutes(10))) struct SeederTests {
    static func seeded(records: Int, seed: UInt64 = 1) async -> FakePlutio {
        let fake = FakePlutio(accounts: [Harness.acme], clock: ManualFakeClock())
        await fake.seed(records: records, seed: seed)
        return fake
    }

    /// Every record of a workspace, live and trashed, plus trash and archive rows, by kind.
    static func everything(_ fake: FakePlutio) async -> [(kind: String, record: JSONValue)] {
        let ws = await fake.workspace("acme")!
        var out: [(String, JSONValue)] = []
        for kind in fake.catalog.kinds { out += ws.objects(kind: kind.name).map { (kind.name, .object($0)) } }
        out += ws.trashedObjects().map { ($0.kind, .object($0.object)) }
        out += ws.trashRows().map { ("trash-bin", .object($0)) }
        out += await fake.archiveRowObjects("acme").map { ("archive", .object($0)) }
        return out
    }

    @Test func sameSeedGivesTheSameBytes() async throws {
        let a = await Self.everything(await Self.seeded(records: 800, seed: 9)).map(\.record.text)
        let b = await Self.everything(await Self.seeded(records: 800, seed: 9)).map(\.record.text)
        let c = await Self.everything(await Self.seeded(records: 800, seed: 10)).map(\.record.text)
        #expect(a == b)
        #expect(a != c)
    }

    @Test(arguments: [300, 3000, 20000])
    func sizesByRecordCount(records: Int) async throws {
        let fake = await Self.seeded(records: records)
        let ws = try #require(await fake.workspace("acme"))
        let total = ws.recordCount + ws.trashedObjects().count
        #expect(abs(total - records) <= max(150, records / 10), "\(total) records for \(records)")
        for kind in fake.catalog.kinds where !["trash-bin", "archive"].contains(kind.name) {
            #expect(!ws.objects(kind: kind.name).isEmpty, "no \(kind.name)")
        }
        #expect(ws.trashRowCount > 0)
        #expect(!(await fake.archiveRowObjects("acme")).isEmpty)
    }

    /// What an importer meets (issue: seeder realism): every custom-field input type, blocks[]
    /// out of creation order, a template body of every template kind, non-default role slugs, human
    /// numbers, and an invoice whose project sits in the trash.
    @Test func seedsWhatAnImporterMeets() async throws {
        let fake = await Self.seeded(records: 1500)
        let ws = try #require(await fake.workspace("acme"))
        let fields = ws.objects(kind: "custom-fields")
        #expect(Set(fields.compactMap { $0["inputType"]?.stringValue }).count == 20)
        #expect(Set(fields.compactMap { $0["entityType"]?.stringValue }).count >= 6)
        #expect(
            ws.objects(kind: "tasks").contains { task in
                task["customFields"]?.arrayValue?.contains { $0["value"]?.stringValue != nil } == true
            })
        // Blocks are created in type order; some documents list them in another.
        let documents = ws.objects(kind: "proposals") + ws.objects(kind: "contracts")
        let reordered = documents.filter { document in
            let listed = document["blocks"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let created = ws.objects(kind: "blocks").compactMap { block in
                block["entityId"] == document["_id"] ? block["_id"]?.stringValue : nil
            }
            return listed != created
        }
        #expect(!reordered.isEmpty && reordered.count < documents.count)
        let templateKinds = Set(ws.objects(kind: "templates").compactMap { $0["entityType"]?.stringValue })
        #expect(templateKinds.count == 11)
        let roles = Set(ws.objects(kind: "people").compactMap { $0["role"]?.stringValue })
        #expect(roles.isSuperset(of: ["owner", "lead", "contributor"]))
        #expect(ws.objects(kind: "tasks").allSatisfy { $0["isTemplate"] == true || $0["taskId"] != nil })
        #expect(ws.objects(kind: "invoices").contains { $0["invoiceId"]?.stringValue?.hasPrefix("INV-") == true })
        let trashedProjects = Set(
            ws.trashedObjects().filter { $0.kind == "projects" }.compactMap { $0.object["_id"]?.stringValue })
        #expect(ws.objects(kind: "invoices").contains { trashedProjects.contains($0["projectId"]?.stringValue ?? "") })
    }

    /// Remapping every reference to itself leaves every record's bytes as they were, and visits
    /// the same references the reader finds.
    @Test func remappingToTheSameIDsChangesNoByte() async throws {
        let fake = await Self.seeded(records: 2000)
        let catalog = fake.catalog
        var visited = 0
        var found = 0
        for (kindName, record) in await Self.everything(fake) {
            guard case .object(var object) = record, let kind = catalog.kind(named: kindName) else { continue }
            let before = record.bytes
            let dropped = catalog.remapReferences(in: &object, of: kind) { ref in
                visited += 1
                return ref.value
            }
            #expect(dropped.isEmpty)
            #expect(JSONValue.object(object).bytes == before, "\(kindName)")
            found += catalog.referenceValues(in: record, of: kind).count
        }
        #expect(visited == found && visited > 5000)
    }

    @Test func everyReferenceResolvesToADeclaredTargetKind() async throws {
        let fake = await Self.seeded(records: 5000)
        let catalog = fake.catalog
        let all = await Self.everything(fake)
        let index = ReferenceIndex(catalog: catalog)
        for (kind, record) in all { try index.add(record, of: catalog.kind(named: kind)!) }
        var dangling: [DanglingReference] = []
        var checked = 0
        for (kind, record) in all {
            let k = catalog.kind(named: kind)!
            checked += catalog.referenceValues(in: record, of: k).count
            dangling += try index.dangling(in: record, of: k)
        }
        #expect(checked > 10000)
        #expect(dangling.isEmpty, "\(dangling.prefix(10))")
    }

    /// The verifier reads references in place from bytes; it must find exactly what the tree
    /// walk finds, for every record of every kind the seeder writes.
    @Test func referencesReadInPlaceMatchTheTree() async throws {
        let fake = await Self.seeded(records: 3000)
        let catalog = fake.catalog
        var compared = 0
        for (kind, record) in await Self.everything(fake) {
            let k = catalog.kind(named: kind)!
            let tree = catalog.referenceValues(in: record, of: k)
            let raw = record.bytes.withUnsafeBytes { bytes in
                RawJSONValue(bytes).map { catalog.referenceValues(in: $0, of: k) } ?? []
            }
            #expect(raw == tree, "\(kind) \(record["_id"]?.stringValue ?? "")")
            compared += tree.count
        }
        #expect(compared > 5000)
    }

    @Test func exercisesEveryDeclaredReferencePath() async throws {
        let fake = await Self.seeded(records: 5000)
        let catalog = fake.catalog
        var seen: Set<String> = []
        for (kind, record) in await Self.everything(fake) {
            for ref in catalog.referenceValues(in: record, of: catalog.kind(named: kind)!)
            where !ref.targetKinds.isEmpty || ref.optionOfField != nil {
                seen.insert("\(kind).\(ref.path)")
            }
        }
        var missing: [String] = []
        for kind in catalog.kinds where kind.role != .derived {
            for ref in kind.references where !seen.contains("\(kind.name).\(ref.path)") {
                missing.append("\(kind.name).\(ref.path)")
            }
        }
        #expect(missing.isEmpty, "never seeded: \(missing)")
        for path in [
            "people.customFields[].value", "companies.customFields[].value", "tasks.customFields[]._id",
            "tasks.businessId",
        ] {
            #expect(seen.contains(path), "\(path)")
        }
    }

    @Test func seedsTheDocumentedShapes() async throws {
        let fake = await Self.seeded(records: 3000)
        let ws = try #require(await fake.workspace("acme"))
        let person = try #require(ws.objects(kind: "people").first { $0["companies"] != nil })
        let company = try #require(
            ws.object(kind: "companies", id: person["companies"]!.arrayValue![0]["_id"]!.stringValue!))
        #expect(company["people"]?.arrayValue?.contains { $0["_id"] == person["_id"] } == true)
        #expect(ws.objects(kind: "tasks").contains { $0["parentTaskId"] != nil })
        #expect(ws.objects(kind: "file-folders").contains { $0["parentFolderId"] != nil })
        #expect(
            ws.objects(kind: "wiki-entities").contains { entity in
                ws.objects(kind: "wiki-entities").contains { $0["_id"] == entity["parentId"] }
            })
        let proposal = try #require(ws.objects(kind: "proposals").first)
        let blocks = proposal["blocks"]!.arrayValue!.compactMap { ws.object(kind: "blocks", id: $0.stringValue!) }
        #expect(blocks.map { $0["type"]!.stringValue! }.sorted() == ["content", "intro", "signature"])
        #expect(blocks.allSatisfy { $0["entityId"] == proposal["_id"] && $0["entityType"] == "proposal" })
        #expect(
            ws.objects(kind: "templates").allSatisfy { template in
                let kind = fake.catalog.kind(forSlug: template["entityType"]!.stringValue!)!
                return ws.object(kind: kind.name, id: template["entityId"]!.stringValue!)?["isTemplate"] == true
                    || ws.trashedObjects().contains { $0.object["_id"] == template["entityId"] }
            })
        #expect(ws.objects(kind: "comments").contains { $0["repliedTo"] != nil })
        #expect(ws.objects(kind: "projects").contains { $0["isArchived"] == true })
        #expect(ws.objects(kind: "files").allSatisfy { $0["type"] == "link" || $0["handle"] != nil })
    }
}
