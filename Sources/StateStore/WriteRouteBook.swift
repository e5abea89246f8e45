import Foundation
import GRDB

/// Which form of a single-record write a server takes, per API base, kind and verb (`single` or
/// `bulk`, contract §4.1): learned once, kept for every later run and process of the user.
public final class WriteRouteBook: Sendable {
    let database: StateDatabase
    /// The API base the routes are of.
    public let scope: String

    public init(database: StateDatabase, scope: String) {
        self.database = database
        self.scope = scope
    }

    /// The route learned for a kind's verb, or nil.
    public func route(kind: String, verb: String) throws(StateError) -> String? {
        try database.read { db in
            try String.fetchOne(
                db, sql: "SELECT route FROM write_route WHERE scope = ? AND kind = ? AND verb = ?",
                arguments: [scope, kind, verb])
        }
    }

    /// Records the route a kind's verb takes.
    public func remember(kind: String, verb: String, route: String) throws(StateError) {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO write_route (scope, kind, verb, route) VALUES (?, ?, ?, ?)
                    ON CONFLICT(scope, kind, verb) DO UPDATE SET route = excluded.route
                    """, arguments: [scope, kind, verb, route])
        }
    }
}
