import JSONCore

/// A dot path split into its components.
struct FieldPath: Sendable {
    let components: [String]
    init(_ text: String) { components = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
}

/// One node of a parsed query.
indirect enum QueryNode: Sendable {
    case and([QueryNode])
    case or([QueryNode])
    case field(FieldPath, [Condition])

    static func parseDocument(_ object: JSONObject, paths: inout Set<String>) throws(QueryError) -> QueryNode {
        var nodes: [QueryNode] = []
        for member in object {
            switch member.key {
            case "$and", "$or":
                guard case .array(let items) = member.value, !items.isEmpty else {
                    throw QueryError.badOperand(member.key)
                }
                var children: [QueryNode] = []
                for item in items {
                    guard case .object(let sub) = item else { throw QueryError.badOperand(member.key) }
                    children.append(try parseDocument(sub, paths: &paths))
                }
                nodes.append(member.key == "$and" ? .and(children) : .or(children))
            case let key where key.hasPrefix("$"):
                throw QueryError.unsupportedOperator(key)
            default:
                paths.insert(member.key)
                nodes.append(.field(FieldPath(member.key), try Condition.parse(member.value, paths: &paths)))
            }
        }
        return nodes.count == 1 ? nodes[0] : .and(nodes)
    }

    func matches(_ record: JSONValue) -> Bool {
        switch self {
        case .and(let nodes): return nodes.allSatisfy { $0.matches(record) }
        case .or(let nodes): return nodes.contains { $0.matches(record) }
        case .field(let path, let conditions):
            // Fast path: one key holding a scalar (or missing) needs no traversal arrays.
            if path.components.count == 1, case .object(let object) = record {
                let value = object[path.components[0]]
                switch value {
                case .array?, .object?: break
                default:
                    var decided = true
                    for condition in conditions {
                        guard let result = condition.matches(scalar: value) else {
                            decided = false
                            break
                        }
                        if !result { return false }
                    }
                    if decided { return true }
                }
            }
            let found = Resolution.resolve(path.components[...], in: record)
            return conditions.allSatisfy { $0.matches(found) }
        }
    }

    func pinnedValues(of path: String) -> PinnedValues? {
        switch self {
        case .and(let nodes):
            for node in nodes { if let p = node.pinnedValues(of: path) { return p } }
            return nil
        case .or: return nil
        case .field(let p, let conditions):
            guard p.components.joined(separator: ".") == path else { return nil }
            for c in conditions {
                switch c {
                case .equals(let v): return .single(v)
                case .textEquals(let s): return .single(.string(s))
                case .op(.in(let set)): return .list(set.list)
                default: continue
                }
            }
            return nil
        }
    }
}

/// The values a path reaches in a record.
struct Resolution {
    /// Values reached; arrays met on the way were traversed.
    var values: [JSONValue]
    /// Whether some branch of the path was missing.
    var isMissingSomewhere: Bool

    static func resolve(_ path: ArraySlice<String>, in value: JSONValue) -> Resolution {
        guard let head = path.first else { return Resolution(values: [value], isMissingSomewhere: false) }
        switch value {
        case .object(let object):
            guard let next = object[head] else { return Resolution(values: [], isMissingSomewhere: true) }
            return resolve(path.dropFirst(), in: next)
        case .array(let elements):
            if let index = Int(head), index >= 0 {
                guard index < elements.count else { return Resolution(values: [], isMissingSomewhere: true) }
                return resolve(path.dropFirst(), in: elements[index])
            }
            var result = Resolution(values: [], isMissingSomewhere: elements.isEmpty)
            for element in elements {
                guard case .object = element else { continue }
                let r = resolve(path, in: element)
                result.values += r.values
                result.isMissingSomewhere = result.isMissingSomewhere || r.isMissingSomewhere
            }
            return result
        default:
            return Resolution(values: [], isMissingSomewhere: true)
        }
    }
}
