import JSONCore

extension Catalog {
    /// Rewrites every reference a record carries, for an importer that recreates the record
    /// elsewhere (contract §9): `resolve` answers each reference's new value (a target id, slug or
    /// option id), or nil to drop it. Answers the references dropped.
    ///
    /// Everything else stays as it was: the tree is lossless (number text, string escapes, key
    /// order), so serialising the record again changes only the remapped values.
    ///
    /// A dropped reference goes with what holds it: an id in a list (`assignedTo[]`) leaves the
    /// list; an object in a list whose id is dropped (`companies[]._id`, a `customFields[]` entry)
    /// leaves the list; a top-level field is removed; a nested object whose id is dropped
    /// (`client._id`) is removed from the record. Option values are rewritten before the field ids
    /// they belong to, so `resolve` sees the source field's id with each option.
    public func remapReferences(
        in record: inout JSONObject, of kind: ResourceKind, skipping skipped: Set<String> = [],
        resolve: (ReferenceValue) -> String?
    ) -> [ReferenceValue] {
        var dropped: [ReferenceValue] = []
        let groups = referenceGroups(of: kind).filter { !skipped.contains($0.path) }
        withoutActuallyEscaping(resolve) { resolve in
            for group in groups.filter(\.isOption) + groups.filter({ !$0.isOption }) {
                var context = RemapContext(group: group, resolve: resolve, dropped: [])
                _ = context.rewrite(group.steps[...], in: &record, depth: 0)
                dropped += context.dropped
            }
        }
        return dropped
    }
}

/// One path's rewrite over a record.
struct RemapContext {
    let group: ReferenceGroup
    let resolve: (ReferenceValue) -> String?
    var dropped: [ReferenceValue]

    /// Rewrites the values at `steps` under `object`; true when `object` itself must go (a nested
    /// object whose reference was dropped).
    mutating func rewrite(_ steps: ArraySlice<Reference.Step>, in object: inout JSONObject, depth: Int) -> Bool {
        guard let step = steps.first, let next = object[step.key] else { return false }
        let last = steps.count == 1
        if next.isNull { return false }
        if step.isArray {
            // A value of another shape than declared could hide a source id: it goes, reported.
            guard case .array(let items) = next else {
                return misshapen(next, in: &object, key: step.key, depth: depth)
            }
            var kept: [JSONValue] = []
            for (position, item) in items.enumerated() {
                if last {
                    if let mapped = map(item, container: object, position: position) { kept.append(mapped) }
                } else if case .object(var inner) = item {
                    if !rewrite(steps.dropFirst(), in: &inner, depth: depth + 1) { kept.append(.object(inner)) }
                } else {
                    dropped.append(misshapenValue(item))
                }
            }
            object[step.key] = .array(kept)
            return false
        }
        if last {
            if let mapped = map(next, container: object, position: nil) {
                object[step.key] = mapped
                return false
            }
            if depth > 0, !group.isOption { return true }
            object[step.key] = group.isOption ? .null : nil
            return false
        }
        guard case .object(var inner) = next else { return misshapen(next, in: &object, key: step.key, depth: depth) }
        if rewrite(steps.dropFirst(), in: &inner, depth: depth + 1) {
            if depth > 0 { return true }
            object[step.key] = nil
        } else {
            object[step.key] = .object(inner)
        }
        return false
    }

    /// The new value for one reference value (an id, a slug, an option id or a list of option
    /// ids); nil when it is dropped. Values that are not references (null, numbers) stay.
    mutating func map(_ value: JSONValue, container: JSONObject, position: Int?) -> JSONValue? {
        if group.isOption, case .array(let items) = value {
            return .array(items.compactMap { map($0, container: container, position: position) })
        }
        guard let id = value.stringValue else {
            // Option values of other fields are data (numbers, flags); an id path holds ids only.
            if group.isOption || value.isNull { return value }
            dropped.append(misshapenValue(value))
            return nil
        }
        var found = ReferenceValue(
            path: group.path, value: id, targetKinds: group.targets, naming: group.naming, optionOfField: nil,
            slug: nil, position: group.ordered ? position : nil)
        if group.isOption {
            found.optionOfField = group.fieldKey.flatMap { container[$0]?.stringValue }
        } else if let typeKey = group.typeKey {
            let slug = container[typeKey]?.stringValue
            found.slug = slug
            found.targetKinds = slug.flatMap { group.targetBySlug[$0] }.map { [$0] } ?? []
        }
        guard let mapped = resolve(found) else {
            dropped.append(found)
            return nil
        }
        // An unchanged value keeps its bytes (escapes in a text custom field, say).
        return mapped == id ? value : .string(mapped)
    }

    /// Drops a value whose shape is not the declared one (with what holds it, as for a dropped id).
    mutating func misshapen(_ value: JSONValue, in object: inout JSONObject, key: String, depth: Int) -> Bool {
        dropped.append(misshapenValue(value))
        if depth > 0 { return true }
        object[key] = nil
        return false
    }

    func misshapenValue(_ value: JSONValue) -> ReferenceValue {
        ReferenceValue(
            path: group.path, value: String(decoding: value.bytes, as: UTF8.self), targetKinds: [],
            naming: group.naming,
            optionOfField: nil, slug: nil, position: nil)
    }
}
