import JSONCore

/// A record as stored: its JSON object and the cached bytes the server sends for it.
struct StoredRecord: Sendable {
    private(set) var object: JSONObject
    private(set) var bytes: [UInt8]

    init(_ object: JSONObject) {
        self.object = object
        self.bytes = JSONValue.object(object).bytes
    }

    var id: String { object["_id"]?.stringValue ?? "" }
    var value: JSONValue { .object(object) }

    /// Whether a field holds `true`.
    func isTrue(_ key: String) -> Bool { object[key] == .bool(true) }
}

/// The live records of one kind in natural (insertion) order.
struct KindTable: Sendable {
    private(set) var order: [String] = []
    private(set) var records: [String: StoredRecord] = [:]

    var count: Int { order.count }

    subscript(id: String) -> StoredRecord? { records[id] }

    /// Appends a record at the end of the natural order.
    mutating func append(_ record: StoredRecord) {
        if records.updateValue(record, forKey: record.id) == nil { order.append(record.id) }
    }

    /// Replaces a record in place; its position does not change.
    mutating func replace(_ record: StoredRecord) {
        guard records[record.id] != nil else { return }
        records[record.id] = record
    }

    /// Removes a record; later records shift left.
    @discardableResult
    mutating func remove(_ id: String) -> StoredRecord? {
        guard let record = records.removeValue(forKey: id) else { return nil }
        if let i = order.firstIndex(of: id) { order.remove(at: i) }
        return record
    }

    /// Records in natural order.
    var inOrder: some Sequence<StoredRecord> { order.lazy.compactMap { records[$0] } }
}
