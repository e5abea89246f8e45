import Basics
import Catalog
import Foundation
import JSONCore

extension FakePlutio {
    /// `POST /<res>/move`: rewrites the destination fields and renumbers the siblings' `position`.
    func move(_ kind: ResourceKind, _ body: JSONObject, context: WriteContext) throws(APIFailure) -> StoredRecord {
        let id = try Self.requiredID(body)
        guard workspaces[context.business]?.record(kind.name, id) != nil else { throw .notFound() }
        var changes = JSONObject()
        for field in kind.moveFields where field != "position" {
            guard let value = body[field] else { continue }
            try checkMoveDestination(kind, id: id, field: field, value: value, business: context.business)
            changes[field] = value
        }
        let before = workspaces[context.business]!.record(kind.name, id)!
        var record = mutate(context.business) { $0.update(kind.name, id, with: changes, at: context.now)! }
        // What sits under the record moves with it (a board's groups and tasks take its new project).
        let under = workspaces[context.business]!.cascade(of: kind, id: id).dropFirst().map { ($0.kind, $0.record.id) }
        carryDestination(changes, from: before.object, to: under, context: context)
        if kind.moveFields.contains("position"), case .number(let wanted)? = body["position"] {
            let scope = kind.siblingScope.map { record.object[$0] }
            let siblings = workspaces[context.business]!.table(kind.name).inOrder.filter { other in
                other.id != id && kind.siblingScope.map({ other.object[$0] }) == scope
            }.sorted { ($0.object["position"]?.numberValue ?? 0) < ($1.object["position"]?.numberValue ?? 0) }
            var ordered = siblings.map(\.id)
            ordered.insert(id, at: max(0, min(Int(wanted.double), ordered.count)))
            for (position, siblingID) in ordered.enumerated() {
                let current = workspaces[context.business]!.record(kind.name, siblingID)?.object["position"]
                if current == .number(Double(position)) { continue }
                mutate(context.business) {
                    $0.update(kind.name, siblingID, with: ["position": .number(Double(position))], at: context.now)
                }
            }
            record = workspaces[context.business]!.record(kind.name, id)!
        }
        return record
    }

    /// `POST /<res>/copy`: duplicates the record, its structural children (boards, groups, tasks)
    /// and the blocks they own under new ids, with ids among them remapped and new human numbers;
    /// destination fields (checked as `/move` checks them) apply to the root and carry down.
    func copy(_ kind: ResourceKind, _ body: JSONObject, context: WriteContext) throws(APIFailure) -> StoredRecord {
        let id = try Self.requiredID(body)
        guard let ws = workspaces[context.business], let original = ws.record(kind.name, id) else {
            throw .notFound()
        }
        var destination = JSONObject()
        for field in kind.moveFields {
            guard let value = body[field] else { continue }
            if field != "position" {
                try checkMoveDestination(kind, id: id, field: field, value: value, business: context.business)
            }
            destination[field] = value
        }
        var subtree = ws.cascade(of: kind, id: id).filter { $0.kind != "comments" }
        let copied = Set(subtree.map(\.record.id))
        for block in ws.table("blocks").inOrder where !copied.contains(block.id) {
            if let owner = block.object["entityId"]?.stringValue, copied.contains(owner) {
                subtree.append(("blocks", block))
            }
        }
        var newIDs: [String: String] = [:]
        for item in subtree { newIDs[item.record.id] = mutate(context.business) { $0.newID() } }
        func remapped(_ value: JSONValue) -> JSONValue {
            switch value {
            case .string(let s): newIDs[s.string].map(JSONValue.string) ?? value
            case .array(let items): .array(items.map(remapped))
            case .object(let o): .object(JSONObject(o.map { .init(key: $0.key, value: remapped($0.value)) }))
            default: value
            }
        }
        var root: StoredRecord?
        for (index, item) in subtree.enumerated() {
            var object = JSONObject([.init(key: "_id", value: .string(newIDs[item.record.id]!))])
            for member in item.record.object where member.key != "_id" { object[member.key] = remapped(member.value) }
            if index == 0 {
                for member in destination { object[member.key] = member.value }
            } else {
                // Children follow the root to its destination.
                for member in destination where item.record.object[member.key] == original.object[member.key] {
                    object[member.key] = member.value
                }
            }
            if let field = Catalog.numberFields[item.kind], object[field] != nil {
                object[field] = nextNumber(item.kind, field, business: context.business)
            }
            let stamp = JSONValue.string(Timestamp.string(context.now))
            object["createdBy"] = .string(context.user)
            object["createdAt"] = stamp
            object["updatedAt"] = stamp
            mutate(context.business) { $0.insert(item.kind, object) }
            if index == 0 { root = StoredRecord(object) }
        }
        return root!
    }

    // MARK: CDN and admin routes (outside the API prefix, auth and rate limit)

    /// `GET /cdn/<handle>`: a file binary.
    func serveBinary(_ request: FakeRequest) -> FakeResponse {
        let handle = String(request.path.dropFirst("/cdn/".count))
        guard request.method == "GET" || request.method == "HEAD" else {
            return FakeResponse(status: 405, body: Array("Method not allowed".utf8))
        }
        for ws in workspaces.values {
            if let bytes = ws.binaries[handle] {
                var response = FakeResponse(
                    status: 200, headers: [("Content-Type", "application/octet-stream")], body: bytes)
                response.delay = config.faults.cdnDelay
                if config.faults.cdnFailureRate > 0, cdnRandom.unit() < config.faults.cdnFailureRate {
                    cdnFaultCount += 1
                    if cdnRandom.unit() < 0.5 {
                        response = FakeResponse(
                            status: 500, headers: [("Content-Type", "text/html")],
                            body: Array("<html>CDN error</html>".utf8))
                    } else {
                        response.transport = .dropMidBody
                    }
                }
                return response
            }
        }
        return FakeResponse(status: 404, headers: [("Content-Type", "text/plain")], body: Array("Not found".utf8))
    }

    /// `/_fake/log`, `/_fake/calls`, `/_fake/stats`, `/_fake/revoke`, `/_fake/churn-files`: what
    /// tests and tools read and do.
    func admin(_ request: FakeRequest) -> FakeResponse {
        let query = Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        switch (request.method, request.path) {
        case ("GET", "/_fake/log"):
            let since = Int(query["since"] ?? "") ?? 0
            return .array(log.filter { $0.call > since }.map(\.json.bytes))
        case ("GET", "/_fake/writes"):
            let since = Int(query["since"] ?? "") ?? 0
            return .array(writeLog.filter { $0.call > since }.map(\.entryJSON.bytes))
        case ("GET", "/_fake/invitations"):
            return .array(invitationLog.map(\.json.bytes))
        case ("DELETE", "/_fake/log"):
            log.removeAll()
            return .json(["ok": true])
        case ("GET", "/_fake/calls"):
            return .json(
                .object(
                    JSONObject(
                        callCounts.sorted { $0.key < $1.key }.map {
                            .init(key: $0.key, value: .number(Double($0.value)))
                        })))
        case ("GET", "/_fake/stats"):
            var out = JSONObject()
            for ws in workspaces.values.sorted(by: { $0.business.subdomain < $1.business.subdomain }) {
                var counts = JSONObject(
                    ws.counts.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .number(Double($0.value))) })
                counts["trash-bin"] = .number(Double(ws.trashRowCount))
                out[ws.business.subdomain] = .object(counts)
            }
            return .json(.object(out))
        case ("POST", "/_fake/churn-files"):
            // A night's worth of file changes (`churnFiles`): ?business=acme&fraction=0.01&seed=1.
            guard let business = query["business"], workspaces[business] != nil,
                let fraction = query["fraction"].flatMap(Double.init), (0...1).contains(fraction)
            else {
                return APIFailure.badRequest("business (a workspace) and fraction (0 to 1) are required").response
            }
            let churn = churnFiles(business, fraction: fraction, seed: query["seed"].flatMap(UInt64.init) ?? 1)
            return .json([
                "uploaded": .number(Double(churn.uploaded)), "replaced": .number(Double(churn.replaced)),
                "deleted": .number(Double(churn.deleted)), "bytesAdded": .number(Double(churn.bytesAdded)),
            ])
        case ("POST", "/_fake/revoke"):
            guard let client = query["client"] else { return APIFailure.badRequest("client is required").response }
            revokeTokens(clientID: client)
            return .json(["ok": true])
        default:
            return APIFailure.notFound().response
        }
    }
}
