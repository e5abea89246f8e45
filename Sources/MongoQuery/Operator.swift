import JSONCore

/// A `$` operator with its parsed operand.
enum Operator: @unchecked Sendable {
    case eq(JSONValue)
    case ne(JSONValue)
    case `in`(ValueSet)
    case nin(ValueSet)
    case compare(Comparison, JSONValue)
    case regex(Regex<AnyRegexOutput>)
    case elemMatch(ElementQuery)
    case size(Int)
    case exists(Bool)

    enum Comparison { case lt, lte, gt, gte }

    /// The operand of `$in` / `$nin`, hashed for large id lists.
    struct ValueSet {
        let list: [JSONValue]
        let values: Set<JSONValue>
        let includesNull: Bool

        init(_ list: [JSONValue]) {
            self.list = list
            values = Set(list.filter { !$0.isNull })
            includesNull = list.contains(.null)
        }

        func matches(_ found: Resolution) -> Bool {
            if includesNull, found.isMissingSomewhere || found.values.isEmpty { return true }
            for value in found.values {
                if values.contains(value) { return true }
                if case .array(let elements) = value, elements.contains(where: values.contains) { return true }
            }
            return false
        }

        /// Whether a single scalar (or a missing field, as nil) matches.
        func matches(scalar: JSONValue?) -> Bool {
            guard let scalar else { return includesNull }
            return values.contains(scalar) || (scalar.isNull && includesNull)
        }
    }

    /// The sub-query of `$elemMatch`: operators on the element itself, or a document query.
    enum ElementQuery {
        case conditions([Condition])
        case document(QueryNode)
    }

    static func parse(
        _ name: String, _ operand: JSONValue, options: String, paths: inout Set<String>
    ) throws(QueryError) -> Operator {
        switch name {
        case "$eq": return .eq(operand)
        case "$ne": return .ne(operand)
        case "$in", "$nin":
            guard case .array(let list) = operand else { throw QueryError.badOperand(name) }
            return name == "$in" ? .in(ValueSet(list)) : .nin(ValueSet(list))
        case "$lt": return .compare(.lt, operand)
        case "$lte": return .compare(.lte, operand)
        case "$gt": return .compare(.gt, operand)
        case "$gte": return .compare(.gte, operand)
        case "$regex":
            guard let pattern = operand.stringValue else { throw QueryError.badOperand(name) }
            return .regex(try makeRegex(pattern, options: options))
        case "$elemMatch":
            guard case .object(let sub) = operand else { throw QueryError.badOperand(name) }
            if let first = sub.members.first, first.key.hasPrefix("$"), first.key != "$and", first.key != "$or" {
                return .elemMatch(.conditions(try Condition.parse(operand, paths: &paths)))
            }
            return .elemMatch(.document(try QueryNode.parseDocument(sub, paths: &paths)))
        case "$size":
            guard let n = operand.numberValue, n >= 0, n == n.rounded() else { throw QueryError.badOperand(name) }
            return .size(Int(n))
        case "$exists":
            switch operand {
            case .bool(let b): return .exists(b)
            case .number(let n): return .exists(n.double != 0)
            default: throw QueryError.badOperand(name)
            }
        default:
            throw QueryError.unsupportedOperator(name)
        }
    }

    static func makeRegex(_ pattern: String, options: String) throws(QueryError) -> Regex<AnyRegexOutput> {
        var regex: Regex<AnyRegexOutput>
        do { regex = try Regex(pattern) } catch { throw QueryError.badRegex(pattern) }
        for option in options {
            switch option {
            case "i": regex = regex.ignoresCase()
            case "m": regex = regex.anchorsMatchLineEndings()
            case "s": regex = regex.dotMatchesNewlines()
            case "x": break
            default: throw QueryError.badOperand("$options")
            }
        }
        return regex
    }

    func matches(_ found: Resolution) -> Bool {
        switch self {
        case .eq(let v): return Condition.equalityMatches(v, found)
        case .ne(let v): return !Condition.equalityMatches(v, found)
        case .in(let set): return set.matches(found)
        case .nin(let set): return !set.matches(found)
        case .compare(let c, let bound):
            return Condition.candidates(found).contains { Self.compare($0, c, bound) }
        case .regex(let regex):
            return Condition.candidates(found).contains { value in
                guard let s = value.stringValue else { return false }
                return (try? regex.firstMatch(in: s)) != nil
            }
        case .elemMatch(let sub):
            return found.values.contains { value in
                guard case .array(let elements) = value else { return false }
                return elements.contains { element in
                    switch sub {
                    case .conditions(let conditions):
                        let one = Resolution(values: [element], isMissingSomewhere: false)
                        return conditions.allSatisfy { $0.matches(one) }
                    case .document(let node):
                        guard case .object = element else { return false }
                        return node.matches(element)
                    }
                }
            }
        case .size(let n):
            return found.values.contains { $0.arrayValue?.count == n }
        case .exists(let wanted):
            return found.values.isEmpty == !wanted
        }
    }

    static func compare(_ value: JSONValue, _ c: Comparison, _ bound: JSONValue) -> Bool {
        let order: Int
        switch (value, bound) {
        case (.number(let a), .number(let b)): order = a < b ? -1 : (a > b ? 1 : 0)
        case (.string(let a), .string(let b)): order = a < b ? -1 : (a > b ? 1 : 0)
        case (.bool(let a), .bool(let b)): order = a == b ? 0 : (!a ? -1 : 1)
        default: return false
        }
        switch c {
        case .lt: return order < 0
        case .lte: return order <= 0
        case .gt: return order > 0
        case .gte: return order >= 0
        }
    }
}
