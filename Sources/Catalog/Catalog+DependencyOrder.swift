/// An edge of the reference graph: records of `from` refer to records of `to` through `path`.
public struct ReferenceEdge: Sendable, Hashable, CustomStringConvertible {
    public var from: String
    public var path: String
    public var to: String
    /// The named cycle this edge closes, for second-pass edges.
    public var cycle: String?

    public var description: String { "\(from).\(path) -> \(to)" + (cycle.map { " [\($0)]" } ?? "") }
}

/// The order in which kinds can be created, and the edges left for a second pass.
public struct DependencyOrder: Sendable {
    /// Kinds such that every first-pass reference points at an earlier kind.
    public var kinds: [String]
    /// Edges set after the first pass, grouped by cycle name.
    public var secondPass: [String: [ReferenceEdge]]
}

extension Catalog {
    /// Edges of the reference graph between importable kinds.
    ///
    /// A common reference (custom fields) never makes a kind depend on itself: custom-field
    /// definitions carry no custom-field values.
    public func edges() -> [ReferenceEdge] {
        var out: [ReferenceEdge] = []
        for kind in kinds where kind.role == .data || kind.role == .mapped {
            for ref in references(of: kind) where !ref.serverSet && !ref.derived && !ref.targetsAnyKind {
                let isCommon = !kind.references.contains(ref)
                for target in ref.to where !(isCommon && target == kind.name) {
                    out.append(ReferenceEdge(from: kind.name, path: ref.path, to: target, cycle: ref.secondPass))
                }
            }
        }
        return out
    }

    /// Kahn's sort over first-pass edges; ties keep catalogue order.
    ///
    /// Throws `unmarkedCycle` when first-pass edges alone form a cycle.
    public func dependencyOrder() throws(CatalogError) -> DependencyOrder {
        let nodes = kinds.filter { $0.role == .data || $0.role == .mapped }.map(\.name)
        let all = edges()
        var dependsOn: [String: Set<String>] = [:]
        var dependents: [String: [String]] = [:]
        var secondPass: [String: [ReferenceEdge]] = [:]
        for edge in all {
            if let cycle = edge.cycle {
                secondPass[cycle, default: []].append(edge)
            } else if dependsOn[edge.from, default: []].insert(edge.to).inserted {
                dependents[edge.to, default: []].append(edge.from)
            }
        }
        var remaining = dependsOn.mapValues(\.count)
        var order: [String] = []
        var done = Set<String>()
        while order.count < nodes.count {
            guard let next = nodes.first(where: { !done.contains($0) && remaining[$0, default: 0] == 0 }) else {
                throw .unmarkedCycle(nodes.filter { !done.contains($0) })
            }
            order.append(next)
            done.insert(next)
            for d in dependents[next, default: []] { remaining[d, default: 0] -= 1 }
        }
        return DependencyOrder(kinds: order, secondPass: secondPass)
    }
}
