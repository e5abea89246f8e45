import Basics
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
/// Add every record first, then ask for the dangling references of each. The keys live in an
/// `IDSet`: in memory by default, on disk (StateStore's `DiskIDSet`) for archives too large to
/// index in memory. Records may be parsed trees or bytes read in place.
public struct ReferenceIndex: Sendable {
    let catalog: Catalog
    let keys: any IDSet

    public init(catalog: Catalog, keys: any IDSet = MemoryIDSet()) {
        self.catalog = catalog
        self.keys = keys
    }

    /// Records one record of a kind.
    public func add(_ record: JSONValue, of kind: ResourceKind) throws {
        guard let members = record.objectValue, let id = members["_id"]?.stringValue,
            let k = catalog.position(of: kind.name)
        else { return }
        try keys.add(id, space: Self.idSpace(k))
        try addKeys(id: id, members: members, of: kind)
    }

    /// Adds records' ids under their kinds; answers, for each, whether it was new (false: the
    /// kind already has a record with that `_id`). Runs of one kind go to the set as one batch.
    public func insertIDs(_ ids: [(kind: String, id: String)]) throws -> [Bool] {
        var out: [Bool] = []
        out.reserveCapacity(ids.count)
        var start = 0
        while start < ids.count {
            var end = start + 1
            while end < ids.count, ids[end].kind == ids[start].kind { end += 1 }
            if let k = catalog.position(of: ids[start].kind) {
                out += try keys.insert(ids[start..<end].map(\.id), space: Self.idSpace(k))
            } else {
                out += Array(repeating: true, count: end - start)
            }
            start = end
        }
        return out
    }

    /// Records what a record brings besides its id under its kind (which `insertIDs` adds, telling
    /// repeats): the id among all kinds, its slug, a select field's options. Records may be
    /// parsed trees or members read in place.
    public func addKeys<M: JSONMembers>(id: String, members: M, of kind: ResourceKind) throws
    where M.Value: JSONNavigable {
        guard let k = catalog.position(of: kind.name) else { return }
        try keys.add(id, space: Self.anyKindSpace)
        if let key = kind.slugKey, let slug = members[key]?.stringValue { try keys.add(slug, space: Self.slugSpace(k)) }
        if kind.name == "custom-fields", let type = members["inputType"]?.stringValue, type.hasSuffix("select") {
            try keys.add(id, space: Self.selectFieldSpace)
            for option in members["options"]?.arrayValue ?? [] {
                if let optionID = option.objectValue?["_id"]?.stringValue {
                    try keys.add("\(id)\t\(optionID)", space: Self.optionSpace)
                }
            }
        }
    }

    // Key spaces: per kind (by catalogue position) one for ids and one for slugs, then shared ones.
    static func idSpace(_ kind: Int) -> Int { 2 * kind }
    static func slugSpace(_ kind: Int) -> Int { 2 * kind + 1 }
    static let anyKindSpace = -1
    static let selectFieldSpace = -2
    static let optionSpace = -3

    /// Whether a record with this id is in the index as one of `kinds`.
    public func contains(_ id: String, in kinds: [String]) throws -> Bool {
        try kinds.contains { kind in
            guard let k = catalog.position(of: kind) else { return false }
            return try keys.contains(id, space: Self.idSpace(k))
        }
    }

    /// The references of a record that resolve to nothing in the index.
    ///
    /// Option values are checked only for select and multiselect fields; a value whose entityType
    /// slug names no kind (e.g. `receipt`) is dangling with no target kinds.
    public func dangling(in record: JSONValue, of kind: ResourceKind) throws -> [DanglingReference] {
        try dangling(record.objectValue?["_id"]?.stringValue, catalog.referenceValues(in: record, of: kind), kind)
    }

    /// The references of a record read in place that resolve to nothing in the index.
    public func dangling(in record: RawJSONValue, of kind: ResourceKind) throws -> [DanglingReference] {
        guard let root = record.objectValue else { return [] }
        return try dangling(root["_id"]?.stringValue, catalog.referenceValues(inMembers: root, of: kind), kind)
    }

    func dangling(
        _ recordID: String?, _ references: [ReferenceValue], _ kind: ResourceKind
    ) throws
        -> [DanglingReference]
    {
        let recordID = recordID ?? ""
        var out: [DanglingReference] = []
        for ref in references {
            let resolved: Bool
            if let field = ref.optionOfField {
                guard try keys.contains(field, space: Self.selectFieldSpace) else { continue }
                resolved = try keys.contains("\(field)\t\(ref.value)", space: Self.optionSpace)
            } else if ref.targetKinds == ["*"] {
                resolved = try keys.contains(ref.value, space: Self.anyKindSpace)
            } else if ref.naming == .slug {
                resolved = try ref.targetKinds.contains { kind in
                    guard let k = catalog.position(of: kind) else { return false }
                    return try keys.contains(ref.value, space: Self.slugSpace(k))
                }
            } else {
                resolved = try contains(ref.value, in: ref.targetKinds)
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
