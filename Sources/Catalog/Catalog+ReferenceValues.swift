import JSONCore

/// One reference found in a record.
public struct ReferenceValue: Sendable, Hashable {
    /// The declared path, e.g. `companies[]._id`.
    public var path: String
    /// The id (or slug, for slug references; or option id, for option values).
    public var value: String
    /// Kinds the target may be in; empty when the entityType slug names no known kind.
    public var targetKinds: [String]
    /// How the target is named.
    public var naming: Reference.Naming
    /// For custom-field option values: the custom field's `_id`.
    public var optionOfField: String?
    /// The entityType slug that chose the target, for typed references.
    public var slug: String?
    /// Position in an ordered list (blocks[]).
    public var position: Int?
}

/// The references of one path of a kind, declared once or more (merged), with what reading
/// them needs worked out once.
final class ReferenceGroup: Sendable {
    let path: String
    let steps: [Reference.Step]
    let naming: Reference.Naming
    let isOption: Bool
    let ordered: Bool
    let fieldKey: String?
    let typeKey: String?
    /// Untyped paths: every declaration's targets.
    let targets: [String]
    /// Typed paths: the target kind of each slug a declaration allows.
    let targetBySlug: [String: String]

    init(_ refs: [Reference], slugs: [String: String]) {
        let first = refs[0]
        path = first.path
        steps = first.steps
        naming = first.by
        isOption = first.form == .option
        ordered = first.ordered
        fieldKey = first.fieldKey
        typeKey = first.typeKey
        targets = first.form == .option ? first.to : refs.flatMap(\.to)
        targetBySlug = slugs.filter { _, kind in refs.contains { $0.targetsAnyKind || $0.to.contains(kind) } }
    }

    /// The groups of a kind's references (own and common), in declaration order; `slugs` maps
    /// every entityType slug to its kind.
    static func of(_ references: [Reference], slugs: [String: String]) -> [ReferenceGroup] {
        var order: [String] = []
        var byPath: [String: [Reference]] = [:]
        for ref in references {
            if byPath[ref.path] == nil { order.append(ref.path) }
            byPath[ref.path, default: []].append(ref)
        }
        return order.map { ReferenceGroup(byPath[$0]!, slugs: slugs) }
    }
}

extension Catalog {
    /// Every reference a record carries, per the catalogue.
    ///
    /// Declarations that share a path are merged: a typed path picks the declarations whose
    /// targets include the slug's kind; an untyped path may target any of its declarations' kinds.
    public func referenceValues(in record: JSONValue, of kind: ResourceKind) -> [ReferenceValue] {
        guard let root = record.objectValue else { return [] }
        return values(in: root, of: kind)
    }

    /// Every reference a record read in place carries.
    public func referenceValues(in record: RawJSONValue, of kind: ResourceKind) -> [ReferenceValue] {
        guard let root = record.objectValue else { return [] }
        return values(in: root, of: kind)
    }

    /// Every reference of a record read in place, from its members (found once by the caller).
    public func referenceValues(inMembers root: RawJSONObject, of kind: ResourceKind) -> [ReferenceValue] {
        values(in: root, of: kind)
    }

    /// One implementation for both forms, specialised for each in this module.
    func values<M: JSONMembers>(in root: M, of kind: ResourceKind) -> [ReferenceValue]
    where M.Value: JSONNavigable, M.Value.Members == M {
        var out: [ReferenceValue] = []
        for group in referenceGroups(of: kind) {
            Self.walk(group.steps[...], in: root, position: nil) { (value: M.Value, container: M, position) in
                Self.collect(value, container, position, group, into: &out)
            }
        }
        return out
    }

    static func collect<V: JSONNavigable>(
        _ value: V, _ container: V.Members, _ position: Int?, _ group: ReferenceGroup, into out: inout [ReferenceValue]
    ) {
        for id in ids(in: value, isOption: group.isOption) {
            var found = ReferenceValue(
                path: group.path, value: id, targetKinds: group.targets, naming: group.naming, optionOfField: nil,
                slug: nil, position: group.ordered ? position : nil)
            if group.isOption {
                guard let fieldKey = group.fieldKey, let fieldId = container[fieldKey]?.stringValue else { continue }
                // Only select-like fields hold option ids; the caller checks the field.
                found.optionOfField = fieldId
            } else if let typeKey = group.typeKey {
                let slug = container[typeKey]?.stringValue
                found.slug = slug
                found.targetKinds = slug.flatMap { group.targetBySlug[$0] }.map { [$0] } ?? []
            }
            out.append(found)
        }
    }

    static func ids<V: JSONNavigable>(in value: V, isOption: Bool) -> [String] {
        if let s = value.stringValue { return [s] }
        if isOption, let items = value.arrayValue { return items.compactMap(\.stringValue) }
        return []
    }

    /// Calls `visit` with each value at the end of `steps` from `object`, the object holding it,
    /// and its index when it came from the last array step.
    static func walk<M: JSONMembers>(
        _ steps: ArraySlice<Reference.Step>, in object: M, position: Int?,
        visit: (M.Value, M, Int?) -> Void
    ) where M.Value: JSONNavigable, M.Value.Members == M {
        guard let step = steps.first, let next = object[step.key] else { return }
        let last = steps.count == 1
        if step.isArray {
            guard let items = next.arrayValue else { return }
            for (i, item) in items.enumerated() {
                if last {
                    visit(item, object, i)
                } else if let inner = item.objectValue {
                    walk(steps.dropFirst(), in: inner, position: i, visit: visit)
                }
            }
        } else if last {
            visit(next, object, position)
        } else if let inner = next.objectValue {
            walk(steps.dropFirst(), in: inner, position: position, visit: visit)
        }
    }
}
