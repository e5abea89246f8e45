// MongoQuery: the Mongo-subset query language of the Plutio API.
//
// Parses a `q` document (operators `$or $and $in $nin $ne $eq $lt $lte $gt $gte $regex`
// with `$options`, `$elemMatch $size $exists`) and key=value filters, and matches them
// against JSON records with MongoDB's array semantics: a condition on a path matches when
// any value reached through arrays matches, and `null` matches a missing field.
import JSONCore

/// A parsed query that can be matched against records.
public struct MongoQuery: Sendable {
    let root: QueryNode

    /// Every field path named anywhere in the query, as written (e.g. `isArchived`, `name.first`).
    public let fieldPaths: Set<String>

    /// The query that matches everything.
    public static let all = MongoQuery(root: .and([]), fieldPaths: [])

    init(root: QueryNode, fieldPaths: Set<String>) {
        self.root = root
        self.fieldPaths = fieldPaths
    }

    /// Parses a `q` document.
    public init(_ document: JSONValue) throws(QueryError) {
        guard case .object(let object) = document else { throw QueryError.notAnObject }
        var paths = Set<String>()
        self.root = try QueryNode.parseDocument(object, paths: &paths)
        self.fieldPaths = paths
    }

    /// Parses `q` from its JSON text.
    public init(text: String) throws(QueryError) {
        let value: JSONValue
        do { value = try JSONValue.parse(text) } catch { throw QueryError.invalidJSON(error.reason) }
        try self.init(value)
    }

    /// A key=value filter: exact match on a dot path, array membership, and `true`/`false`
    /// or numerals matching booleans and numbers.
    public static func keyValue(path: String, value: String) -> MongoQuery {
        MongoQuery(root: .field(FieldPath(path), [.textEquals(value)]), fieldPaths: [path])
    }

    /// All of the given queries.
    public static func allOf(_ queries: [MongoQuery]) -> MongoQuery {
        MongoQuery(
            root: .and(queries.map(\.root)),
            fieldPaths: queries.reduce(into: Set<String>()) { $0.formUnion($1.fieldPaths) }
        )
    }

    /// Whether `record` matches.
    public func matches(_ record: JSONValue) -> Bool { root.matches(record) }

    /// The top-level conditions on `path` that are plain equalities or `$in` lists, with the
    /// values they accept; nil when the query does not pin `path` at its top level.
    ///
    /// Used for scope checks such as "comments need entityType and entityId".
    public func pinnedValues(of path: String) -> PinnedValues? {
        root.pinnedValues(of: path)
    }
}

/// How a query pins a field at its top level.
public enum PinnedValues: Sendable, Equatable {
    /// One value, by equality.
    case single(JSONValue)
    /// Any of several values, by `$in`.
    case list([JSONValue])
}

/// A query that cannot be used; the message names the problem.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidJSON(String)
    case notAnObject
    case unsupportedOperator(String)
    case badOperand(String)
    case badRegex(String)

    public var description: String {
        switch self {
        case .invalidJSON(let why): "q is not valid JSON (\(why))"
        case .notAnObject: "q must be a JSON object"
        case .unsupportedOperator(let op): "Unsupported operator \(op)"
        case .badOperand(let op): "Invalid operand for \(op)"
        case .badRegex(let pattern): "Invalid regular expression \(pattern)"
        }
    }
}
