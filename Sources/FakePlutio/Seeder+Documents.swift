import Foundation
import JSONCore

extension Seeder {
    /// Inserts a document whose `blocks[]` lists new blocks of the given types, then the blocks.
    @discardableResult
    mutating func addDocument(
        _ kind: String, slug: String, blockTypes: [String], isTemplate: Bool, _ body: JSONObject
    ) -> String {
        let id = newID()
        let blockIDs = blockTypes.map { _ in newID() }
        var body = body
        // Blocks are created in type order; an edited document lists them in another order, which
        // an importer must restore by PUT.
        var order = blockIDs
        if order.count > 1, chance(0.4) { order = Array(order.dropFirst()) + [order[0]] }
        body["blocks"] = .array(order.map(JSONValue.string))
        if isTemplate { body["isTemplate"] = true }
        add(kind, id: id, body)
        for (blockID, type) in zip(blockIDs, blockTypes) {
            addBlock(id: blockID, owner: (slug, id), type: type, isTemplate: isTemplate)
        }
        return id
    }

    @discardableResult
    mutating func addItem(isTemplate: Bool) -> String {
        add(
            "items",
            [
                "title": .string(title()), "descriptionPlain": .string(words(4...10)),
                "amount": .number(Double(int(20...900))),
                "quantity": .number(Double(int(1...10))), "tax": .number(Double(pick([0, 7, 19]))),
                "isTemplate": isTemplate ? true : .null,
            ])
    }

    @discardableResult
    mutating func addForm(isTemplate: Bool) -> String {
        addDocument(
            "forms", slug: "form", blockTypes: ["title", "image", "form"], isTemplate: isTemplate,
            [
                "title": .string(title() + " form"), "currency": "USD",
                "status": .string(pick(["draft", "published", "pending"])),
                "submissionsLimit": .number(Double(int(0...500))),
                "customFields": customFields(for: "form"), "isArchived": isTemplate ? .null : archived(0.05),
            ])
    }

    mutating func addFormResponse() {
        guard let form = pickID("forms") else { return }
        let name = pick(Self.firstNames)
        add(
            "form-responses",
            [
                "formId": .string(form), "name": .string(name), "email": .string("\(name.lowercased())@example.org"),
                "data": ["message": .string(words(5...12)), "budget": .string(String(int(1...50) * 100))],
            ])
    }

    @discardableResult
    mutating func addInvoice(isTemplate: Bool) -> String {
        let amount = Double(int(100...20000))
        return addDocument(
            "invoices", slug: "invoice", blockTypes: ["items", "summary"], isTemplate: isTemplate,
            [
                "invoiceId": .string("INV-\(1000 + (ids["invoices"]?.count ?? 0))"), "name": .string(title()),
                "currency": "USD", "amount": .number(amount * 1.19), "subTotal": .number(amount),
                "tax": [["title": "VAT", "value": 19]], "discount": 0, "reference": .string(words(1...2)),
                "issueDate": date(daysFromNow: -60...0), "dueDate": date(daysFromNow: 0...30),
                "paidAt": chance(0.4) ? date(daysFromNow: -20...0) : .null,
                "status": .string(pick(["draft", "pending", "paid", "overdue"])),
                "items": [["title": .string(title()), "quantity": 1, "amount": .number(amount)]],
                "client": isTemplate ? .null : client(),
                "projectId": isTemplate ? .null : (pickID("projects").map(JSONValue.string) ?? .null),
                "customFields": customFields(for: "invoice"), "isArchived": isTemplate ? .null : archived(0.08),
            ])
    }

    mutating func addTransaction() {
        add(
            "transactions",
            [
                "title": .string("Payment " + words(1...2)), "amount": .number(Double(int(50...5000))),
                "currency": "USD",
                "type": .string(pick(["in", "out"])),
                "manualPaymentMethod": .string(pick(["cash", "check", "credit", "debit", "wire-transfer"])),
                "issueDate": date(daysFromNow: -60...0), "client": client(),
                "invoiceId": pickID("invoices").map(JSONValue.string) ?? .null, "isArchived": archived(0.03),
            ])
    }

    mutating func addSubscription() {
        add(
            "invoice-subscriptions",
            [
                "title": .string(title() + " retainer"), "amount": .number(Double(int(200...3000))), "currency": "USD",
                "repeat": [
                    "intervalType": .string(pick(["week", "month", "year"])), "interval": 1,
                    "monthDay": .number(Double(int(1...28))),
                ],
                "status": .string(pick(["draft", "active", "paused", "cancelled"])),
                "startDate": date(daysFromNow: -100...0),
                "upcomingInvoiceDate": date(daysFromNow: 1...30), "client": client(),
                "mainInvoiceId": pickID("invoices").map(JSONValue.string) ?? .null,
            ])
    }

    @discardableResult
    mutating func addProposal(isTemplate: Bool) -> String {
        let amount = Double(int(500...30000))
        return addDocument(
            "proposals", slug: "proposal", blockTypes: ["intro", "content", "signature"], isTemplate: isTemplate,
            [
                "name": .string(title() + " proposal"), "currency": "USD", "amount": .number(amount),
                "subTotal": .number(amount),
                "status": .string(pick(["draft", "pending", "accepted", "declined"])),
                "billableItems": [
                    [
                        "title": .string(title()), "descriptionHTML": "<p>Scope</p>", "quantity": 1,
                        "amount": .number(amount), "tax": 0,
                    ]
                ],
                "paymentOptions": ["autoInvoice": .bool(chance(0.5))], "autoProject": .bool(chance(0.3)),
                "issueDate": date(daysFromNow: -30...0), "expiresAt": date(daysFromNow: 10...40),
                "tags": .array(pickTags()),
                "client": isTemplate ? .null : client(),
                "projectId": isTemplate ? .null : (pickID("projects").map(JSONValue.string) ?? .null),
                "isArchived": isTemplate ? .null : archived(0.05),
            ])
    }

    @discardableResult
    mutating func addContract(isTemplate: Bool) -> String {
        var signees: [JSONValue] = []
        if !isTemplate {
            if let p = pickID("people") { signees.append(["_id": .string(p), "entityType": "person"]) }
            if chance(0.4), let c = pickID("companies") {
                signees.append(["_id": .string(c), "entityType": "company"])
            }
        }
        let proposal = isTemplate ? nil : pickID("proposals")
        return addDocument(
            "contracts", slug: "contract", blockTypes: ["content", "signature"], isTemplate: isTemplate,
            [
                "name": .string(title() + " agreement"), "status": .string(pick(["draft", "pending", "signed"])),
                "projectId": isTemplate ? .null : (pickID("projects").map(JSONValue.string) ?? .null),
                "signees": .array(signees), "entityType": proposal == nil ? .null : "proposal",
                "entityId": proposal.map(JSONValue.string) ?? .null, "isArchived": isTemplate ? .null : archived(0.05),
            ])
    }

    @discardableResult
    mutating func addScheduler(isTemplate: Bool) -> String {
        let id = add(
            "scheduler",
            [
                "name": .string(title()), "title": .string(title() + " call"),
                "descriptionPlain": .string(words(5...10)),
                "durations": [["duration": 30, "costRate": 0], ["duration": 60, "costRate": 120]],
                "locationType": .string(pick(["google-meet", "zoom", "address", "manual-link"])),
                "isCollectPayment": .bool(chance(0.3)),
                "isArchived": isTemplate ? .null : archived(0.05), "isTemplate": isTemplate ? true : .null,
            ])
        addBlock(owner: ("scheduler", id), type: "scheduler-calendar", isTemplate: isTemplate)
        return id
    }

    mutating func seedDashboards(pages: Int) {
        let dashboards = ids["dashboards"] ?? []
        var pagesOf: [String: [JSONValue]] = [:]
        for i in 0..<pages {
            let dashboard = dashboards[i % dashboards.count]
            let title = title()
            let id = addDocument(
                "dashboard-pages", slug: "dashboard-page", blockTypes: ["summary", "task"], isTemplate: false,
                [
                    "title": .string(title), "dashboardId": .string(dashboard),
                    "layout": [["x": 0, "y": 0, "width": 6, "height": 4]],
                ])
            pagesOf[dashboard, default: []].append(["_id": .string(id), "title": .string(title)])
        }
        for (dashboard, list) in pagesOf.sorted(by: { $0.key < $1.key }) {
            set("dashboards", dashboard, ["pages": .array(list)])
        }
        for _ in 0..<2 {
            let id = add("block-groups", ["title": .string(title() + " section"), "isTemplate": .null, "blocks": []])
            let block = newID()
            addBlock(id: block, owner: ("blocks-group", id), type: "content", isTemplate: false)
            set("block-groups", id, ["blocks": [.string(block)]])
        }
    }

    /// A template row and its body: a record of the body's kind with `isTemplate:true`.
    /// The kinds a template body can be, by slug.
    static let templateBodies = [
        ("project", "projects"), ("task", "tasks"), ("proposal", "proposals"), ("contract", "contracts"),
        ("invoice", "invoices"), ("form", "forms"), ("item", "items"), ("task-board", "task-boards"),
        ("task-group", "task-groups"), ("scheduler", "scheduler"), ("block", "blocks"),
    ]

    mutating func addTemplate() {
        // Cycle through the body kinds so every kind has templates once there are enough.
        let (slug, kind) = Self.templateBodies[(ids["templates"]?.count ?? 0) % Self.templateBodies.count]
        let body: String
        switch kind {
        case "projects": body = addProject(isTemplate: true)
        case "tasks": body = addTask(isTemplate: true)
        case "proposals": body = addProposal(isTemplate: true)
        case "contracts": body = addContract(isTemplate: true)
        case "invoices": body = addInvoice(isTemplate: true)
        case "forms": body = addForm(isTemplate: true)
        case "items": body = addItem(isTemplate: true)
        case "task-boards":
            body = addBoard(project: nil, position: 0, isTemplate: true)
            addGroup(board: body, position: 0, isTemplate: true)
        case "task-groups":
            let board = addBoard(project: nil, position: 0, isTemplate: true)
            body = addGroup(board: board, position: 0, isTemplate: true)
        case "scheduler": body = addScheduler(isTemplate: true)
        default:
            let id = newID()
            addBlock(id: id, owner: ("template", "pending"), type: "content", isTemplate: true)
            body = id
        }
        let template = add(
            "templates",
            [
                "title": .string(title() + " template"), "group": .string(pick(["Sales", "Delivery", "Admin"])),
                "isPublic": .bool(chance(0.2)), "description": .string(words(4...8)),
                "entityType": .string(slug), "entityId": .string(body),
            ])
        if kind == "blocks" { set("blocks", body, ["entityType": "template", "entityId": .string(template)]) }
    }

    /// Points some projects, proposals and contracts at templates of their kind.
    mutating func linkTemplates() {
        let templates = workspace.table("templates").inOrder.map { ($0.id, $0.object["entityType"]?.stringValue ?? "") }
        func of(_ slug: String) -> [String] { templates.filter { $0.1 == slug }.map(\.0) }
        let uses: [(String, String, [String])] = [
            ("projects", "templateId", of("project")), ("contracts", "templateId", of("contract")),
            ("proposals", "templateId", of("proposal")), ("proposals", "autoInvoiceTemplateId", of("invoice")),
            ("proposals", "contractTemplateId", of("contract")),
        ]
        for (kind, field, pool) in uses where !pool.isEmpty {
            for record in workspace.table(kind).inOrder where !record.isTrue("isTemplate") && chance(0.3) {
                set(kind, record.id, [field: .string(pick(pool))])
            }
        }
    }
}
