// Catalog: the resource kinds of the Plutio API and their reference fields.
//
// Loaded from schemas/catalog.json (bundled as a resource). The fake server, the exporter and
// the importer all read it: it is the single source of truth for paths, verbs, flags and the
// reference graph.
import JSONCore

/// An operation a kind supports.
public enum Verb: String, Codable, Sendable, CaseIterable {
    case list, create, update, delete, bulkUpdate, bulkDelete, archive, archiveOne, move, copy, deleteAll
}

/// How a kind takes part in backup and import.
public enum KindRole: String, Codable, Sendable {
    /// Backed up and imported.
    case data
    /// Backed up; matched to existing records in the target, never created.
    case mapped
    /// Computed by the server; not backed up.
    case derived
    /// Backed up as metadata (trash rows, archive rows); never imported.
    case metadata
}

/// Children that go to the trash with a record.
public struct Cascade: Codable, Sendable, Hashable {
    /// The child kind.
    public var kind: String
    /// The child field that holds the parent's `_id`.
    public var field: String
    /// The child's `entityType` field, which must name the parent's kind.
    public var typeKey: String?
}

/// Blocks the server creates with a new document.
public struct DefaultBlocks: Codable, Sendable, Hashable {
    /// Block types, in order.
    public var types: [String]
    /// Only for records whose fields have these values.
    public var when: [String: String]?
}

/// The record field that selects a record's slug.
public struct SlugSelector: Codable, Sendable, Hashable {
    /// The selecting field.
    public var field: String
    /// Field value to slug; absent means the value is the slug.
    public var values: [String: String]?
}

/// One resource kind of the API.
public struct ResourceKind: Codable, Sendable, Identifiable {
    /// The path segment, e.g. `task-groups`.
    public var name: String
    /// entityType slugs; the first is canonical.
    public var slugs: [String]
    public var slugFrom: SlugSelector?
    /// Field other records use to refer to this record by slug (roles).
    public var slugKey: String?
    public var verbs: Set<Verb>
    /// Verbs the real service may refuse with 403.
    public var restrictedVerbs: Set<Verb>
    public var role: KindRole
    public var archivable: Bool
    /// Whether records of this kind can be template bodies.
    public var templates: Bool
    /// A list must filter on one of these field sets (comments).
    public var scope: [[String]]?
    /// For scoped kinds: the kinds that own their records.
    public var parents: [String]
    public var listBy: String?
    /// Whether reads by `_id` are refused.
    public var idReadForbidden: Bool
    /// Create needs each inner list satisfied by one of its fields.
    public var required: [[String]]
    public var createDefaults: JSONValue?
    public var defaultBlocks: DefaultBlocks?
    public var blockTypes: [String]?
    public var ignoredOnWrite: [String]
    public var lifecycleStatus: Bool
    public var moveFields: [String]
    public var siblingScope: [String]
    public var cascade: [Cascade]
    public var matchBy: [String]
    public var importOptIn: Bool
    public var note: String?
    /// References declared for this kind (without the catalogue's common references).
    public var references: [Reference]
    /// Where records carry a downloadable binary (files), if they do.
    public var binary: Binary?
    /// Whether records carry a downloadable binary (files).
    public var hasBinary: Bool { binary != nil }

    /// Where a record's binary is: its URL field, and the values of its type field that have one.
    public struct Binary: Codable, Sendable, Equatable {
        public var urlField: String
        public var typeField: String
        public var downloadTypes: [String]
    }

    public var id: String { name }

    /// The canonical entityType slug, if the kind has one.
    public var slug: String? { slugs.first }

    /// Whether the kind supports `verb`.
    public func supports(_ verb: Verb) -> Bool { verbs.contains(verb) }

    /// Whether the kind's records are in backups.
    public var isBackedUp: Bool { role != .derived }

    /// The slug of one record of this kind (inbox groups and wiki entities vary by `type`).
    public func slug(of record: JSONValue) -> String? {
        if let selector = slugFrom, let value = record[selector.field]?.stringValue {
            if let values = selector.values { return values[value] ?? slug }
            return value
        }
        return slug
    }

    enum CodingKeys: String, CodingKey {
        case name, slugs, slugFrom, slugKey, verbs, restrictedVerbs, role, archivable, templates, scope, parents
        case listBy, idReadForbidden, required, createDefaults, defaultBlocks, blockTypes, ignoredOnWrite
        case lifecycleStatus, moveFields, siblingScope, cascade, matchBy, importOptIn, note, references, binary
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        slugs = try c.decode([String].self, forKey: .slugs)
        slugFrom = try c.decodeIfPresent(SlugSelector.self, forKey: .slugFrom)
        slugKey = try c.decodeIfPresent(String.self, forKey: .slugKey)
        verbs = try c.decode(Set<Verb>.self, forKey: .verbs)
        restrictedVerbs = try c.decodeIfPresent(Set<Verb>.self, forKey: .restrictedVerbs) ?? []
        role = try c.decodeIfPresent(KindRole.self, forKey: .role) ?? .data
        archivable = try c.decodeIfPresent(Bool.self, forKey: .archivable) ?? false
        templates = try c.decodeIfPresent(Bool.self, forKey: .templates) ?? false
        scope = try c.decodeIfPresent([[String]].self, forKey: .scope)
        parents = try c.decodeIfPresent([String].self, forKey: .parents) ?? []
        listBy = try c.decodeIfPresent(String.self, forKey: .listBy)
        idReadForbidden = try c.decodeIfPresent(Bool.self, forKey: .idReadForbidden) ?? false
        required = try c.decodeIfPresent([[String]].self, forKey: .required) ?? []
        createDefaults = try c.decodeIfPresent(JSONValue.self, forKey: .createDefaults)
        defaultBlocks = try c.decodeIfPresent(DefaultBlocks.self, forKey: .defaultBlocks)
        blockTypes = try c.decodeIfPresent([String].self, forKey: .blockTypes)
        ignoredOnWrite = try c.decodeIfPresent([String].self, forKey: .ignoredOnWrite) ?? []
        lifecycleStatus = try c.decodeIfPresent(Bool.self, forKey: .lifecycleStatus) ?? false
        moveFields = try c.decodeIfPresent([String].self, forKey: .moveFields) ?? []
        siblingScope = try c.decodeIfPresent([String].self, forKey: .siblingScope) ?? []
        cascade = try c.decodeIfPresent([Cascade].self, forKey: .cascade) ?? []
        matchBy = try c.decodeIfPresent([String].self, forKey: .matchBy) ?? []
        importOptIn = try c.decodeIfPresent(Bool.self, forKey: .importOptIn) ?? false
        note = try c.decodeIfPresent(String.self, forKey: .note)
        references = try c.decode([Reference].self, forKey: .references)
        binary = try c.decodeIfPresent(Binary.self, forKey: .binary)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(slugs, forKey: .slugs)
        try c.encode(verbs.map(\.rawValue).sorted(), forKey: .verbs)
        try c.encode(references, forKey: .references)
    }
}
