import Catalog
import Foundation
import JSONCore

extension Seeder {
    /// How many records of each scaled kind a workspace of `total` records gets.
    static func plan(total: Int) -> [String: Int] {
        let weights: [(String, Double)] = [
            ("people", 0.05), ("companies", 0.02), ("items", 0.01), ("projects", 0.02), ("task-boards", 0.025),
            ("task-groups", 0.06), ("file-folders", 0.01), ("files", 0.03), ("wiki", 0.003), ("wiki-entities", 0.02),
            ("forms", 0.005), ("form-responses", 0.02), ("invoices", 0.03), ("transactions", 0.02),
            ("invoice-subscriptions", 0.005), ("proposals", 0.01), ("contracts", 0.008), ("templates", 0.005),
            ("conversations", 0.01), ("comments", 0.12), ("canned-responses", 0.004), ("time-tracks", 0.08),
            ("events", 0.01), ("notes", 0.01), ("scheduler", 0.003), ("dashboard-pages", 0.003),
        ]
        var plan: [String: Int] = [:]
        for (kind, w) in weights { plan[kind] = max(1, Int(Double(total) * w)) }
        return plan
    }

    /// Seeds a whole workspace of about `total` records.
    mutating func seedWorkspace(total: Int, now: Date) {
        let plan = Self.plan(total: total)
        let fixedAndBlocks =
            40 + plan["proposals"]! * 3 + plan["contracts"]! * 2 + plan["wiki-entities"]!
            + plan["forms"]! * 3 + plan["invoices"]! * 2 + plan["templates"]! * 2 + plan["dashboard-pages"]! * 2
        let planned = plan.values.reduce(0, +) + fixedAndBlocks
        let tasks = max(5, total - planned)

        seedSettings()
        seedContacts(people: plan["people"]!, companies: plan["companies"]!)
        for _ in 0..<plan["items"]! { addItem(isTemplate: false) }
        seedWork(projects: plan["projects"]!, boards: plan["task-boards"]!, groups: plan["task-groups"]!, tasks: tasks)
        seedFiles(folders: plan["file-folders"]!, files: plan["files"]!)
        seedWikis(wikis: plan["wiki"]!, entities: plan["wiki-entities"]!)
        for _ in 0..<plan["forms"]! { addForm(isTemplate: false) }
        for _ in 0..<plan["form-responses"]! { addFormResponse() }
        for _ in 0..<plan["invoices"]! { addInvoice(isTemplate: false) }
        for _ in 0..<plan["transactions"]! { addTransaction() }
        for _ in 0..<plan["invoice-subscriptions"]! { addSubscription() }
        for _ in 0..<plan["proposals"]! { addProposal(isTemplate: false) }
        for _ in 0..<plan["contracts"]! { addContract(isTemplate: false) }
        for _ in 0..<plan["scheduler"]! { addScheduler(isTemplate: false) }
        seedDashboards(pages: plan["dashboard-pages"]!)
        // At least one template body of every template kind.
        for _ in 0..<max(plan["templates"]!, Self.templateBodies.count) { addTemplate() }
        linkTemplates()
        for _ in 0..<plan["conversations"]! { addConversation() }
        for _ in 0..<plan["comments"]! { addComment() }
        for _ in 0..<plan["canned-responses"]! { addCannedResponse() }
        for _ in 0..<plan["time-tracks"]! { addTimeTrack() }
        for _ in 0..<plan["events"]! { addEvent() }
        for _ in 0..<plan["notes"]! { addNote() }
        seedSchedulesAndAutomations()
        seedArchived()
        seedTrash(now: now)
    }

    /// Appends one record of a kind, referring to existing records (mutations during paging).
    mutating func appendOne(of kind: ResourceKind) {
        switch kind.name {
        case "people": addPerson()
        case "companies": addCompany()
        case "projects": addProject(isTemplate: false)
        case "tasks": addTask()
        case "time-tracks": addTimeTrack()
        case "invoices": addInvoice(isTemplate: false)
        case "items": addItem(isTemplate: false)
        case "events": addEvent()
        case "notes": addNote()
        default:
            add(kind.name, ["title": .string(title()), "note": "created during the export"])
        }
    }

    // MARK: Settings kinds

    /// The roles every account has (contract §4.8).
    static let defaultRoles = [
        ("owner", "Owner"), ("co-owner", "Co-owner"), ("manager", "Manager"), ("team", "Team"), ("client", "Client"),
    ]
    /// The five role dashboards every account has.
    static let dashboardTitles = ["Owner", "Co-Owner", "Client", "Manager", "Team Member"]

    /// The fresh-account baseline (contract §4.8): the business record, the five dashboards, the
    /// five default roles, the owner's profile and the owner's person (same email). Every business
    /// starts with it; `seedWorkspace` adds the rest.
    mutating func seedBaseline() {
        let business = workspace.business
        add(
            "businesses", id: business.id,
            [
                "name": .string(business.subdomain.capitalized + " Studio"), "subdomain": .string(business.subdomain),
                "currency": "USD", "timezone": "Europe/Berlin",
            ])
        let ownerEmail = JSONValue.string("owner@\(business.subdomain).example")
        add("profiles", ["email": ownerEmail, "name": "Owner", "index": 0])
        for (slug, title) in Self.defaultRoles {
            add(
                "roles",
                ["title": .string(title), "slug": .string(slug), "permissions": ["projects.view", "tasks.edit"]])
        }
        for name in Self.dashboardTitles { add("dashboards", ["title": .string(name), "pages": []]) }
        add(
            "people",
            [
                "name": ["first": .string(business.subdomain.capitalized), "last": "Owner"], "role": "owner",
                "status": "active", "contactEmails": [["address": ownerEmail, "type": "work"]],
            ])
    }

    mutating func seedSettings() {
        let business = workspace.business
        for (i, name) in ["Co-Owner", "Team"].enumerated() {
            add(
                "profiles",
                [
                    "email": .string("\(name.lowercased())@\(business.subdomain).example"), "name": .string(name),
                    "index": .number(Double(i + 1)),
                ])
        }
        // Roles beyond the defaults: people with these need a role created in a migration target.
        for (slug, title) in [("lead", "Lead"), ("contributor", "Contributor"), ("designer", "Designer")] {
            add("roles", ["title": .string(title), "slug": .string(slug), "permissions": ["projects.view"]])
        }
        // Every input type of the contract (§8), spread over several kinds; select-like fields have options.
        let entityTypes = ["person", "company", "project", "task", "invoice", "time-track", "form"]
        let fields = Self.customFieldInputTypes.enumerated().map {
            (entityTypes[$0.offset % entityTypes.count], $0.element)
        }
        for (entityType, inputType) in fields + [("task", "select"), ("workspace", "text")] {
            var options: [JSONValue] = []
            if inputType.hasSuffix("select") {
                for (i, label) in ["Low", "Medium", "High", "Urgent"].enumerated() {
                    options.append([
                        "_id": .string(newID()), "name": .string(label), "color": .string(Self.colors[i]),
                        "index": .number(Double(i)),
                    ])
                }
            }
            add(
                "custom-fields",
                [
                    "title": .string("\(entityType.capitalized) \(inputType)"), "entityType": .string(entityType),
                    "inputType": .string(inputType), "isAddedByDefault": .bool(chance(0.5)), "isRequired": false,
                    "options": .array(options),
                ])
        }
        for (i, (title, type, entity)) in [
            ("Active", "active", "project"), ("On hold", "open", "project"), ("Done", "completed", "project"),
            ("Open", "open", "conversation"), ("Closed", "closed", "conversation"),
        ].enumerated() {
            add(
                "statuses",
                [
                    "title": .string(title), "color": .string(Self.colors[i]), "type": .string(type),
                    "entityType": .string(entity), "position": .number(Double(i)),
                ])
        }
        for (title, entity) in [
            ("Sales", "canned-response"), ("Support", "canned-response"), ("Design", "time-track"),
            ("Admin", "time-track"),
        ] {
            add(
                "categories",
                ["title": .string(title), "descriptionPlain": .string(words(3...6)), "entityType": .string(entity)])
        }
        add("inbox-groups", ["title": "Support inbox", "type": "email", "isActive": true])
        add("inbox-groups", ["title": "Live chat", "type": "messenger", "isActive": true])
        for _ in 0..<3 {
            add(
                "dashboard-data",
                ["widget": .string(pick(["revenue", "hours", "tasks"])), "value": .number(Double(int(0...9999)))])
        }
    }

    /// The custom-field input types of the contract (§8).
    static let customFieldInputTypes = [
        "select", "multiselect", "text", "number", "checkbox", "currency", "date", "rating", "url", "email", "phone",
        "color", "time", "richtext", "file", "contact", "link", "multi", "multirange", "slider",
    ]

    /// A custom-field value of the right form for a kind, or null.
    mutating func customFields(for entityType: String) -> JSONValue {
        var out: [JSONValue] = []
        for field in workspace.table("custom-fields").inOrder
        where field.object["entityType"]?.stringValue == entityType {
            let options = (field.object["options"]?.arrayValue ?? []).compactMap { $0["_id"] }
            switch field.object["inputType"]?.stringValue {
            case "select": out.append(["_id": .string(field.id), "value": pick(options)])
            case "multiselect":
                out.append(["_id": .string(field.id), "value": .array(Array(options.prefix(int(1...3))))])
            case "number", "currency", "slider":
                out.append(["_id": .string(field.id), "value": .number(Double(int(1...500)) / 2)])
            case "rating": out.append(["_id": .string(field.id), "value": .number(Double(int(1...5)))])
            case "checkbox": out.append(["_id": .string(field.id), "value": .bool(chance(0.5))])
            case "date": out.append(["_id": .string(field.id), "value": date(daysFromNow: -30...30)])
            case "url", "link":
                out.append(["_id": .string(field.id), "value": .string("https://example.com/\(pick(Self.vocabulary))")])
            case "email":
                out.append(["_id": .string(field.id), "value": .string("\(pick(Self.vocabulary))@example.com")])
            case "phone": out.append(["_id": .string(field.id), "value": .string("+1 555 \(int(1000...9999))")])
            case "color": out.append(["_id": .string(field.id), "value": .string(pick(Self.colors))])
            case "time":
                out.append(["_id": .string(field.id), "value": .string("\(int(8...18)):\(pick(["00", "30"]))")])
            case "richtext": out.append(["_id": .string(field.id), "value": .string("<p>\(words(2...6))</p>")])
            case "multi":
                out.append(["_id": .string(field.id), "value": [.string(words(1...2)), .string(words(1...2))]])
            case "multirange":
                out.append([
                    "_id": .string(field.id), "value": [.number(Double(int(0...10))), .number(Double(int(11...99)))],
                ])
            default: out.append(["_id": .string(field.id), "value": .string(words(1...3))])
            }
        }
        return out.isEmpty ? .null : .array(out)
    }

    mutating func client() -> JSONValue {
        if chance(0.6), let person = pickID("people") { return ["_id": .string(person), "entityType": "person"] }
        if let company = pickID("companies") { return ["_id": .string(company), "entityType": "company"] }
        return .null
    }

    mutating func archived(_ p: Double = 0.06) -> JSONValue { chance(p) ? true : false }

    // MARK: Contacts

    mutating func seedContacts(people: Int, companies: Int) {
        for _ in 0..<companies { addCompany() }
        for _ in 0..<people { addPerson() }
        // Two-sided links: each company lists the people that list it.
        var members: [String: [JSONValue]] = [:]
        for person in workspace.table("people").inOrder {
            for link in person.object["companies"]?.arrayValue ?? [] {
                if let company = link["_id"]?.stringValue {
                    members[company, default: []].append(["_id": .string(person.id), "isManager": .bool(chance(0.2))])
                }
            }
        }
        for (company, list) in members.sorted(by: { $0.key < $1.key }) {
            set("companies", company, ["people": .array(list)])
        }
    }

    mutating func addPerson() {
        let first = pick(Self.firstNames)
        let last = pick(Self.lastNames)
        let role = pick(["client", "client", "team", "lead", "contributor", "co-owner"])
        var companies: [JSONValue] = []
        if role == "client" || role == "lead", let company = pickID("companies") {
            companies.append(["_id": .string(company)])
        }
        add(
            "people",
            [
                "name": ["first": .string(first), "last": .string(last)], "role": .string(role), "status": "active",
                "contactEmails": [
                    ["address": .string("\(first).\(last)\(int(1...999))@example.com".lowercased()), "type": "work"]
                ],
                "contactPhones": [["number": .string("+1 555 \(int(1000...9999))"), "type": "mobile"]],
                "address": [
                    "street": .string("\(int(1...300)) Main St"), "city": "Springfield", "country": "US",
                    "zipCode": .string(String(int(10000...99999))),
                ],
                "tags": .array(pickTags()), "companies": companies.isEmpty ? .null : .array(companies),
                "customFields": customFields(for: "person"), "isArchived": archived(0.04),
            ])
    }

    mutating func pickTags() -> [JSONValue] {
        (0..<int(0...2)).map { _ in .string(pick(["vip", "retainer", "new", "referral"])) }
    }

    mutating func addCompany() {
        let name = title() + " " + pick(["Ltd", "GmbH", "Inc", "Studio", "Co"])
        add(
            "companies",
            [
                "title": .string(name),
                "industry": .string(pick(["Retail", "Software", "Media", "Health", "Finance"])),
                "contactEmails": [
                    ["address": .string("hello@\(name.lowercased().filter(\.isLetter)).example"), "type": "work"]
                ],
                "websiteLinks": [
                    [
                        "url": .string("https://\(name.lowercased().filter(\.isLetter)).example"), "type": "website",
                        "title": "Website",
                    ]
                ],
                "people": [], "customFields": customFields(for: "company"),
            ])
    }
}
