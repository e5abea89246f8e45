/// A field of a record that holds the id (or slug) of another record.
///
/// Paths are dotted; a `[]` suffix marks an array whose elements are followed, e.g.
/// `companies[]._id`, `assignedTo[]`, `customFields[].value`. When `typeKey` is set, the target
/// kind is chosen by the entityType slug found under that key in the object holding the id.
public struct Reference: Codable, Sendable, Hashable {
    /// How the target is named.
    public enum Naming: String, Codable, Sendable { case id, slug }
    /// What the value is.
    public enum Form: String, Codable, Sendable { case id, option }

    /// One step of a path.
    public struct Step: Sendable, Hashable {
        public var key: String
        public var isArray: Bool
    }

    public var path: String
    /// Target kinds; `["*"]` means any kind.
    public var to: [String]
    public var typeKey: String?
    public var by: Naming
    public var form: Form
    /// For option values: the sibling key holding the custom field's `_id`.
    public var fieldKey: String?
    /// Whether the order of the ids matters (blocks[]).
    public var ordered: Bool
    /// The named cycle this edge closes; set in a second pass.
    public var secondPass: String?
    /// Set by the server; never written.
    public var serverSet: Bool
    /// Computed by the server; never written.
    public var derived: Bool
    /// The target is a template body.
    public var templateBody: Bool
    /// The target owns the record (a task its project, a block its document): `restore
    /// --with-children` takes the record along with its target, and recreates a missing target.
    public var owner: Bool

    /// The path split into steps.
    public var steps: [Step] {
        path.split(separator: ".").map { part in
            part.hasSuffix("[]")
                ? Step(key: String(part.dropLast(2)), isArray: true) : Step(key: String(part), isArray: false)
        }
    }

    /// Whether any kind may be the target.
    public var targetsAnyKind: Bool { to == ["*"] }

    /// Whether the importer sets this reference when it creates the record.
    public var isFirstPassEdge: Bool { secondPass == nil && !serverSet && !derived && !targetsAnyKind }

    enum CodingKeys: String, CodingKey {
        case path, to, typeKey, by, form, fieldKey, ordered, secondPass, serverSet, derived, templateBody, owner
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        to = try c.decode([String].self, forKey: .to)
        typeKey = try c.decodeIfPresent(String.self, forKey: .typeKey)
        by = try c.decodeIfPresent(Naming.self, forKey: .by) ?? .id
        form = try c.decodeIfPresent(Form.self, forKey: .form) ?? .id
        fieldKey = try c.decodeIfPresent(String.self, forKey: .fieldKey)
        ordered = try c.decodeIfPresent(Bool.self, forKey: .ordered) ?? false
        secondPass = try c.decodeIfPresent(String.self, forKey: .secondPass)
        serverSet = try c.decodeIfPresent(Bool.self, forKey: .serverSet) ?? false
        derived = try c.decodeIfPresent(Bool.self, forKey: .derived) ?? false
        templateBody = try c.decodeIfPresent(Bool.self, forKey: .templateBody) ?? false
        owner = try c.decodeIfPresent(Bool.self, forKey: .owner) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(to, forKey: .to)
        try c.encodeIfPresent(typeKey, forKey: .typeKey)
        try c.encodeIfPresent(secondPass, forKey: .secondPass)
    }
}
