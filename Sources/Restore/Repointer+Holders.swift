import Catalog
import Foundation
import JSONCore
import PlutioAPI

/// Finding live records made after the newest archive that name a restored record's old id.
extension Repointer {
    /// One reference path and up to 100 ids it may name.
    typealias Condition = (path: String, ids: [String])

    /// The live records, by kind, whose references name one of the old ids (`kindOf`: old id ->
    /// its kind). Each reference path asks only for the ids of the kinds it can name; a kind's
    /// paths go together under `$or`, 100 ids a call, or one path a call once the server has
    /// refused `$or`. Kinds listed only under a parent (comments, wiki entities) are left to the
    /// archive's holders; a path the server refuses to filter on is reported.
    func liveHolders(naming kindOf: [String: String], newest: String, tally: Tally?) async throws -> Holders {
        var idsOf: [String: [String]] = [:]
        for (id, kind) in kindOf { idsOf[kind, default: []].append(id) }
        var out: Holders = [:]
        var orRefused = false
        for kind in catalog.kinds
        where kind.role == .data && kind.supports(.update) && kind.scope == nil && !kind.idReadForbidden {
            let calls = holderCalls(kind, idsOf: idsOf, grouped: !orRefused)
            try await ask(kind, calls, orRefused: &orRefused, into: &out, newest: newest, tally: tally)
        }
        return out
    }

    /// The calls that ask a kind for holders: (path, up to 100 ids) conditions, grouped under
    /// `$or` up to 100 ids a call when `grouped`.
    func holderCalls(_ kind: ResourceKind, idsOf: [String: [String]], grouped: Bool) -> [[Condition]] {
        var targets: [String: Set<String>] = [:]
        for ref in catalog.references(of: kind)
        where ref.by == .id && ref.form == .id && !ref.derived && !ref.serverSet && !ref.targetsAnyKind {
            targets[ref.path.replacingOccurrences(of: "[]", with: ""), default: []].formUnion(ref.to)
        }
        var conditions: [Condition] = []
        for (path, kinds) in targets.sorted(by: { $0.key < $1.key }) {
            let ids = kinds.flatMap { idsOf[$0] ?? [] }.sorted()
            for chunk in stride(from: 0, to: ids.count, by: 100) {
                conditions.append((path, Array(ids[chunk..<min(chunk + 100, ids.count)])))
            }
        }
        var calls: [[Condition]] = []
        for condition in conditions {
            if grouped, let last = calls.last, last.reduce(0, { $0 + $1.ids.count }) + condition.ids.count <= 100 {
                calls[calls.count - 1].append(condition)
            } else {
                calls.append([condition])
            }
        }
        return calls
    }

    /// Makes a kind's calls. A server without `$or` (a 400 on a grouped call): one path a call
    /// from then on. A path it will not filter on is reported; a kind it will not list ends the
    /// kind's calls (its records in the archive are read by id).
    func ask(
        _ kind: ResourceKind, _ calls: [[Condition]], orRefused: inout Bool, into out: inout Holders,
        newest: String, tally: Tally?
    ) async throws {
        for call in calls {
            var attempts = [call]
            while let attempt = attempts.first {
                attempts.removeFirst()
                do {
                    try await read(kind, attempt, into: &out)
                } catch let error as APIError {
                    switch error.underlying {
                    case .validation where attempt.count > 1:
                        orRefused = true
                        attempts = attempt.map { [$0] } + attempts
                    case .validation:
                        tally?.fail(
                            "\(kind.name) naming restored records by \(attempt[0].path) could not be asked: \(error.localizedDescription)"
                        )
                    case .forbidden, .notFound:
                        tally?.fail(
                            "\(kind.name) could not be asked for records naming restored ones (the workspace "
                                + "will not list it): those made after \(newest) keep the old ids")
                        return
                    default: throw error
                    }
                }
            }
        }
    }

    /// One call: the conditions, under `$or` when several.
    func read(_ kind: ResourceKind, _ call: [Condition], into out: inout Holders) async throws {
        let filters = call.map { Liveness.inFilter($0.path, $0.ids) }
        var filter = filters[0]
        if filters.count > 1 {
            filter = JSONObject()
            filter["$or"] = .array(filters.map { .object($0) })
        }
        for try await record in client.records(of: kind.name, filter: filter) {
            if case .object(let object) = try record.parsed() { out[kind.name, default: [:]][record.id] = object }
        }
    }
}
