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

extension Catalog {
    /// Every reference a record carries, per the catalogue.
    ///
    /// Declarations that share a path are merged: a typed path picks the declarations whose
    /// targets include the slug's kind; an untyped path may target any of its declarations' kinds.
    public func referenceValues(in record: JSONValue, of kind: ResourceKind) -> [ReferenceValue] {
        var out: [ReferenceValue] = []
        var groups: [String: [Reference]] = [:]
        var order: [String] = []
        for ref in references(of: kind) {
            if groups[ref.path] == nil { order.append(ref.path) }
            groups[ref.path, default: []].append(ref)
        }
        for path in order {
            let refs = groups[path]!
            let first = refs[0]
            Self.walk(first.steps[...], in: record, container: nil) { value, container, position in
                for id in Self.ids(in: value, isOption: first.form == .option) {
                    var found = ReferenceValue(
                        path: path, value: id, targetKinds: [], naming: first.by, optionOfField: nil, slug: nil,
                        position: first.ordered ? position : nil)
                    if first.form == .option {
                        guard let fieldKey = first.fieldKey, let fieldId = container?[fieldKey]?.stringValue else {
                            continue
                        }
                        found.optionOfField = fieldId
                        found.targetKinds = first.to
                        // Only select-like fields hold option ids; the caller checks the field.
                    } else if let typeKey = first.typeKey {
                        let slug = container?[typeKey]?.stringValue
                        found.slug = slug
                        if let slug, let target = self.kind(forSlug: slug) {
                            let allowed = refs.contains { $0.targetsAnyKind || $0.to.contains(target.name) }
                            found.targetKinds = allowed ? [target.name] : []
                        }
                    } else {
                        found.targetKinds = refs.flatMap(\.to)
                    }
                    out.append(found)
                }
            }
        }
        return out
    }

    static func ids(in value: JSONValue, isOption: Bool) -> [String] {
        switch value {
        case .string(let s): return [s]
        case .array(let items) where isOption: return items.compactMap(\.stringValue)
        default: return []
        }
    }

    /// Calls `visit` with each value at the end of `steps`, the object holding it, and its
    /// index when it came from the last array step.
    static func walk(
        _ steps: ArraySlice<Reference.Step>, in value: JSONValue, container: JSONObject?,
        position: Int? = nil, visit: (JSONValue, JSONObject?, Int?) -> Void
    ) {
        guard let step = steps.first else {
            visit(value, container, position)
            return
        }
        guard case .object(let object) = value, let next = object[step.key] else { return }
        if step.isArray {
            guard case .array(let items) = next else { return }
            for (i, item) in items.enumerated() {
                if steps.count == 1 {
                    visit(item, object, i)
                } else {
                    walk(steps.dropFirst(), in: item, container: object, position: i, visit: visit)
                }
            }
        } else {
            walk(steps.dropFirst(), in: next, container: object, position: position, visit: visit)
        }
    }
}
