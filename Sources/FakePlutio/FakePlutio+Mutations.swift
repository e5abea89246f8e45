import Basics
import Catalog
import Foundation
import JSONCore

extension FakePlutio {
    /// Applies a mutation (contract §3.8). With `mutation == nil` one is drawn at random,
    /// preferring the kind the last call touched so paging sees it.
    func applyMutation(_ mutation: Mutation?, business: String?, near kindName: String? = nil) {
        guard let subdomain = business ?? workspaces.keys.sorted().first, let ws = workspaces[subdomain] else { return }
        let mutation = mutation ?? drawMutation(ws, near: kindName)
        guard let mutation else { return }
        let user = clients.values.first { $0.businesses.contains(subdomain) }?.userID ?? "system"
        let now = clock.now()
        func pick(_ kind: String, _ id: String?, where predicate: (StoredRecord) -> Bool = { _ in true }) -> String? {
            if let id { return id }
            let candidates = workspaces[subdomain]!.table(kind).inOrder.filter(predicate)
            guard !candidates.isEmpty else { return nil }
            return candidates[Int(mutationRandom.next() % UInt64(candidates.count))].id
        }
        switch mutation {
        case .create(let kindName):
            guard let kind = catalog.kind(named: kindName) else { return }
            let seed = mutationRandom.next()
            mutate(subdomain) { ws in
                var generator = generator(for: ws, seed: seed, now: now)
                generator.appendOne(of: kind)
                ws = generator.workspace
            }
        case .update(let kind, let id):
            guard let id = pick(kind, id) else { return }
            mutate(subdomain) { $0.update(kind, id, with: ["mutatedAt": .string(Timestamp.string(now))], at: now) }
        case .archive(let kind, let id):
            guard let id = pick(kind, id, where: { !$0.isTrue("isArchived") }) else { return }
            mutate(subdomain) { $0.update(kind, id, with: ["isArchived": true], at: now) }
        case .unarchive(let kind, let id):
            guard let id = pick(kind, id, where: { $0.isTrue("isArchived") }) else { return }
            mutate(subdomain) { $0.update(kind, id, with: ["isArchived": false], at: now) }
        case .trash(let kindName, let id):
            guard let kind = catalog.kind(named: kindName), let id = pick(kindName, id) else { return }
            _ = trashRecord(kind, id, context: WriteContext(kind: kind, business: subdomain, user: user, now: now))
        }
    }

    func drawMutation(_ ws: Workspace, near kindName: String?) -> Mutation? {
        let candidates = catalog.kinds.filter {
            $0.role == .data && $0.supports(.create) && $0.scope == nil && ws.table($0.name).count > 0
        }
        guard !candidates.isEmpty else { return nil }
        let kind: ResourceKind
        if let near = kindName.flatMap({ catalog.kind(named: $0) }),
            candidates.contains(where: { $0.name == near.name }),
            mutationRandom.chance(0.8)
        {
            kind = near
        } else {
            kind = candidates[Int(mutationRandom.next() % UInt64(candidates.count))]
        }
        let roll = mutationRandom.next() % 5
        switch roll {
        case 0: return .create(kind: kind.name)
        case 1: return .update(kind: kind.name, id: nil)
        case 2: return kind.archivable ? .archive(kind: kind.name, id: nil) : .trash(kind: kind.name, id: nil)
        case 3: return kind.archivable ? .unarchive(kind: kind.name, id: nil) : .update(kind: kind.name, id: nil)
        default: return .trash(kind: kind.name, id: nil)
        }
    }
}

extension FakePlutio {
    /// Moves a record and its cascade to the trash, as a DELETE would (scripted tests).
    @discardableResult
    public func trash(_ kindName: String, id: String, in business: String) -> Bool {
        guard let kind = catalog.kind(named: kindName), workspaces[business] != nil else { return false }
        let user = clients.values.first { $0.businesses.contains(business) }?.userID ?? "system"
        return trashRecord(
            kind, id, context: WriteContext(kind: kind, business: business, user: user, now: clock.now()))
    }
}

/// What `FakePlutio.churnFiles` did: a night's worth of file changes.
public struct FileChurn: Sendable, Equatable, Codable {
    /// New file records with new binaries.
    public var uploaded = 0
    /// Files whose binary was replaced (a new handle, size and `updatedAt`; the old binary is gone).
    public var replaced = 0
    /// Files moved to the trash.
    public var deleted = 0
    /// Bytes of the new binaries (uploads and replacements).
    public var bytesAdded = 0
}

extension FakePlutio {
    /// A generator of records made while the server runs: binaries sized and addressed as the
    /// server's own (`fileBytes`, its origin).
    func generator(for workspace: Workspace, seed: UInt64, now: Date) -> Seeder {
        var generator = Seeder(workspace: workspace, seed: seed, startDate: now)
        generator.fileBytes = config.fileBytes
        generator.origin = origin
        return generator
    }

    /// Changes a share of `business`'s files, as a day of work would: of `fraction` of its stored
    /// binaries (at least one when `fraction` is above zero), a third are replaced, a third are
    /// trashed, and as many new files as the rest are uploaded. Sizes follow `fileBytes`; the
    /// choice follows `seed`.
    public func churnFiles(_ business: String, fraction: Double, seed: UInt64) -> FileChurn {
        guard fraction > 0, let ws = workspaces[business], let kind = catalog.kind(named: "files") else {
            return FileChurn()
        }
        var random = SeededRandom(seed: seed)
        var stored = ws.table("files").inOrder.filter { $0.object["handle"]?.stringValue != nil }
        stored.shuffle(using: &random)
        let count = min(stored.count, max(1, Int((Double(stored.count) * fraction).rounded())))
        let replacing = Array(stored.prefix((count + 2) / 3))
        let trashing = Array(stored.dropFirst(replacing.count).prefix(count / 3))
        let uploads = count - replacing.count - trashing.count
        let now = clock.now()
        var churn = FileChurn()
        mutate(business) { ws in
            var generator = generator(for: ws, seed: random.next(), now: now)
            for file in replacing {
                let handle = generator.newID()
                let size = generator.newBinary(handle)
                if let old = file.object["handle"]?.stringValue { generator.workspace.binaries[old] = nil }
                generator.workspace.update(
                    "files", file.id,
                    with: [
                        "handle": .string(JSONString(handle)),
                        "url": .string(JSONString("\(origin)/cdn/\(handle)")),
                        "size": .number(Double(size)),
                    ], at: now)
                churn.replaced += 1
                churn.bytesAdded += size
            }
            var attempts = 0
            while churn.uploaded < uploads, attempts < uploads * 20 {
                attempts += 1
                let before = generator.workspace.binaries.count
                generator.addFile()
                guard generator.workspace.binaries.count > before,
                    let id = generator.ids["files"]?.last, let made = generator.workspace.record("files", id),
                    let size = made.object["size"]?.numberValue
                else { continue }
                churn.uploaded += 1
                churn.bytesAdded += Int(size)
            }
            ws = generator.workspace
        }
        let user = clients.values.first { $0.businesses.contains(business) }?.userID ?? "system"
        for file in trashing
        where trashRecord(kind, file.id, context: WriteContext(kind: kind, business: business, user: user, now: now)) {
            churn.deleted += 1
        }
        return churn
    }
}
