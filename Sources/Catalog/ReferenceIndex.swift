import JSONCore

/// A reference that does not resolve to a record of a declared target kind.
public struct DanglingReference: Sendable, Hashable, CustomStringConvertible {
    /// The kind of the record holding the reference.
    public var kind: String
    /// The `_id` of the record holding the reference.
    public var recordID: String
    /// The declared path, e.g. `companies[]._id`.
    public var path: String
    /// The id, slug or option id that did not resolve.
    public var value: String
    /// The kinds it could have pointed at; empty when its entityType slug names no kind.
    public var targetKinds: [String]

    public var description: String {
        "\(kind) \(recordID): \(path) = \(value) -> \(targetKinds.isEmpty ? "unknown kind" : targetKinds.joined(separator: "|"))"
    }
}

/// The ids (and slugs, and custom-field options) of a set of records, to check references against.
///
/// Add every record first, then ask for the dangling references of each.
public struct ReferenceIndex: Sendable {
    let catalog: Catalog
    private var ids: [String: Set<String>] = [:]
    private var slugs: [String: Set<String>] = [:]
    private var options: [String: Set<String>] = [:]
    private var anyKind: Set<String> = []

    public init(catalog: Catalog) { self.catalog = catalog }

    /// Records one record of a kind.
    public mutating func add(_ record: JSONValue, of kind: ResourceKind) {
        guard let id = record["_id"]?.stringValue else { return }
        ids[kind.name, default: []].insert(id)
        anyKind.insert(id)
        if let key = kind.slugKey, let slug = record[key]?.stringValue { slugs[kind.name, default: []].insert(slug) }
        if kind.name == "custom-fields", let type = record["inputType"]?.stringValue, type.hasSuffix("select") {
            options[id] = Set((record["options"]?.arrayValue ?? []).compactMap { $0["_id"]?.stringValue })
        }
    }

    /// Whether a record with this id is in the index as one of `kinds`.
    public func contains(_ id: String, in kinds: [String]) -> Bool {
        kinds.contains { ids[$0]?.contains(id) == true }
    }

    /// The references of a record that resolve to nothing in the index.
    ///
    /// Option values are checked only for select and multiselect fields; a value whose entityType
    /// slug names no kind (e.g. `receipt`) is dangling with no target kinds.
    public func dangling(in record: JSONValue, of kind: ResourceKind) -> [DanglingReference] {
        let recordID = record["_id"]?.stringValue ?? ""
        var out: [DanglingReference] = []
        for ref in catalog.referenceValues(in: record, of: kind) {
            let resolved: Bool
            if let field = ref.optionOfField {
                guard let known = options[field] else { continue }
                resolved = known.contains(ref.value)
            } else if ref.targetKinds == ["*"] {
                resolved = anyKind.contains(ref.value)
            } else if ref.naming == .slug {
                resolved = ref.targetKinds.contains { slugs[$0]?.contains(ref.value) == true }
            } else {
                resolved = contains(ref.value, in: ref.targetKinds)
            }
            if !resolved {
                out.append(
                    DanglingReference(
                        kind: kind.name, recordID: recordID, path: ref.path, value: ref.value,
                        targetKinds: ref.targetKinds))
            }
        }
        return out
    }
}
