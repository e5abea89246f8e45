/// What the server owns in a record (contract §4.2, §4.8), known to both sides: the fake drops these
/// from writes, the importer never sends them.
extension Catalog {
    /// Fields of every record the server sets and ignores from clients.
    public static let serverOwnedFields: Set<String> = ["_id", "businessId", "createdBy", "createdAt", "updatedAt"]

    /// Fields the server derives per kind.
    public static let derivedFields: [String: Set<String>] = [
        "projects": ["taskCounts"], "dashboards": ["pages"], "wiki": ["tree"],
    ]

    /// Human numbers the server assigns on create as the next number of the business; PUT may set them.
    public static let numberFields: [String: String] = ["tasks": "taskId", "invoices": "invoiceId"]
}

extension Reference {
    /// The top-level key a reference path starts at: `client` for `client._id`, `assignedTo` for
    /// `assignedTo[]`.
    public static func topLevelKey(of path: String) -> String {
        String(path.prefix { $0 != "." && $0 != "[" })
    }
}
