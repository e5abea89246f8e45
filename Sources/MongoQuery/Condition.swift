import JSONCore

/// One condition on the values a path reaches.
enum Condition: Sendable {
    case equals(JSONValue)
    case textEquals(String)
    case op(Operator)

    static func parse(_ value: JSONValue, paths: inout Set<String>) throws(QueryError) -> [Condition] {
        guard case .object(let object) = value, let first = object.members.first, first.key.hasPrefix("$") else {
            return [.equals(value)]
        }
        var options = ""
        if let o = object["$options"] {
            guard let s = o.stringValue else { throw QueryError.badOperand("$options") }
            options = s
        }
        var conditions: [Condition] = []
        for member in object where member.key != "$options" {
            guard member.key.hasPrefix("$") else { throw QueryError.badOperand(first.key) }
            conditions.append(.op(try Operator.parse(member.key, member.value, options: options, paths: &paths)))
        }
        if object["$options"] != nil, !conditions.contains(where: { if case .op(.regex) = $0 { true } else { false } })
        {
            throw QueryError.badOperand("$options")
        }
        return conditions
    }

    func matches(_ found: Resolution) -> Bool {
        switch self {
        case .equals(let v): return Self.equalityMatches(v, found)
        case .textEquals(let s): return Self.candidates(found).contains { Self.textMatches(s, $0) }
        case .op(let op): return op.matches(found)
        }
    }

    /// The result for a single scalar value (nil: the field is missing), or nil when this
    /// condition needs the general path.
    func matches(scalar value: JSONValue?) -> Bool? {
        switch self {
        case .equals(let target):
            if case .array = target { return nil }
            if case .object = target { return nil }
            guard let value else { return target.isNull }
            return value == target
        case .textEquals(let text):
            guard let value else { return false }
            return Self.textMatches(text, value)
        case .op(.in(let set)): return set.matches(scalar: value)
        case .op(.nin(let set)): return !set.matches(scalar: value)
        case .op(.eq(let target)):
            return Condition.equals(target).matches(scalar: value)
        case .op(.ne(let target)):
            return Condition.equals(target).matches(scalar: value).map(!)
        case .op(.exists(let wanted)): return (value != nil) == wanted
        default: return nil
        }
    }

    /// Values compared element-wise: each value and, for arrays, each element.
    static func candidates(_ found: Resolution) -> [JSONValue] {
        var out: [JSONValue] = []
        for v in found.values {
            out.append(v)
            if case .array(let elements) = v { out += elements }
        }
        return out
    }

    static func equalityMatches(_ target: JSONValue, _ found: Resolution) -> Bool {
        if target.isNull, found.isMissingSomewhere || found.values.isEmpty { return true }
        return candidates(found).contains(target)
    }

    static func textMatches(_ text: String, _ value: JSONValue) -> Bool {
        switch value {
        case .string(let s): return s.string == text
        case .bool(let b): return (b && text == "true") || (!b && text == "false")
        case .number(let n): return Double(text) == n.double
        default: return false
        }
    }
}
