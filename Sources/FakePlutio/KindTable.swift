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
    /// Ids of the records holding each string `entityId`: scoped lists pin it (contract §3.6),
    /// and without an index every batched comments page scanned the whole table.
    private(set) var byEntity: [String: Set<String>] = [:]
    /// Records whose `entityId` is there but not a string: always candidates (a key=value filter
    /// compares text, so `entityId=5` may match the number 5).
    private(set) var oddEntity: Set<String> = []

    var count: Int { order.count }

    subscript(id: String) -> StoredRecord? { records[id] }

    /// Appends a record at the end of the natural order.
    mutating func append(_ record: StoredRecord) {
        if let old = records.updateValue(record, forKey: record.id) {
            unindex(old)
        } else {
            order.append(record.id)
        }
        index(record)
    }

    /// Replaces a record in place; its position does not change.
    mutating func replace(_ record: StoredRecord) {
        guard let old = records[record.id] else { return }
        unindex(old)
        records[record.id] = record
        index(record)
    }

    /// Removes a record; later records shift left.
    @discardableResult
    mutating func remove(_ id: String) -> StoredRecord? {
        guard let record = records.removeValue(forKey: id) else { return nil }
        if let i = order.firstIndex(of: id) { order.remove(at: i) }
        unindex(record)
        return record
    }

    private mutating func index(_ record: StoredRecord) {
        guard let value = record.object["entityId"] else { return }
        if let entity = value.stringValue {
            byEntity[entity, default: []].insert(record.id)
        } else {
            oddEntity.insert(record.id)
        }
    }

    private mutating func unindex(_ record: StoredRecord) {
        guard let value = record.object["entityId"] else { return }
        guard let entity = value.stringValue else {
            oddEntity.remove(record.id)
            return
        }
        byEntity[entity]?.remove(record.id)
        if byEntity[entity]?.isEmpty == true { byEntity[entity] = nil }
    }

    /// The ids of records whose `entityId` is one of `entities` (all strings), or nil when some
    /// pinned value is not a string and the index cannot answer.
    func ids(withEntityIn entities: [JSONValue]) -> Set<String>? {
        var out = oddEntity
        for entity in entities {
            guard let text = entity.stringValue else { return nil }
            out.formUnion(byEntity[text] ?? [])
        }
        return out
    }

    /// The records among `ids`, in natural order.
    func inOrder(among ids: Set<String>) -> some Sequence<StoredRecord> {
        order.lazy.filter { ids.contains($0) }.compactMap { records[$0] }
    }

    /// Records in natural order.
    var inOrder: some Sequence<StoredRecord> { order.lazy.compactMap { records[$0] } }
}
