import Archive
import Foundation
import JSONCore
import Session

/// What changed between two archives of a workspace, per kind: records added, removed and
/// changed (with the fields that changed, values shortened; a new `updatedAt` alone is no change).
///
/// Memory stays flat whatever the archives' size: each kind's records are first spread over
/// bucket files on disk by a hash of their id, with enough buckets (from the manifests' counts)
/// that one bucket of each archive fits in memory; buckets are then compared one at a time.
public struct ArchiveDiff: Sendable {
    /// Records per bucket the diff aims at.
    public var bucketSize = 5000
    /// Only this kind (nil: every kind either archive holds).
    public var kind: String?
    /// Where the buckets are written (removed afterwards).
    let scratch: URL

    public init(scratch: URL) { self.scratch = scratch }

    public struct FieldChange: Sendable, Codable, Equatable {
        public var field: String
        /// Compact JSON, shortened; nil when the field is absent on that side.
        public var old: String?
        public var new: String?

        public init(field: String, old: String?, new: String?) {
            self.field = field
            self.old = old
            self.new = new
        }
    }

    public struct Change: Sendable, Codable, Equatable {
        public enum What: String, Sendable, Codable { case added, removed, changed }
        public var kind: String
        public var id: String
        public var change: What
        /// For a changed record, the fields that differ.
        public var fields: [FieldChange]?
    }

    public struct KindCounts: Sendable, Codable, Equatable {
        public var kind: String
        public var added = 0
        public var removed = 0
        public var changed = 0
        public var unchanged = 0
        /// Why the kind was not compared: an export that could not read it to its end, in either
        /// archive (its missing records would read as removed or added).
        public var notCompared: String?
    }

    /// Compares `old` with `new`, calling `report` with each change (per kind, in id order within
    /// a bucket); answers the counts per kind.
    ///
    /// Both archives are verified first (`ArchiveGate`; partial ones are read). A kind either
    /// export left incomplete is counted as not compared, with why.
    public func run(old: URL, new: URL, report: (Change) throws -> Void) throws -> [KindCounts] {
        let oldManifest = try ArchiveGate.check(old, allowPartial: true)
        let newManifest = try ArchiveGate.check(new, allowPartial: true)
        var kinds = Set(oldManifest.kinds.keys).union(newManifest.kinds.keys)
        if let kind {
            guard kinds.contains(kind) else { throw MissingKind(kind: kind, available: kinds.sorted()) }
            kinds = [kind]
        }
        var incomplete: [String: String] = [:]
        for (side, manifest) in [("the older archive", oldManifest), ("the newer archive", newManifest)] {
            for (name, status) in manifest.kinds where !status.complete && kinds.contains(name) {
                incomplete[name] = incomplete[name] ?? "incomplete in \(side): \(status.error ?? "not read to its end")"
            }
        }
        kinds.subtract(incomplete.keys)
        var buckets: [String: Int] = [:]
        for name in kinds {
            let records = max(oldManifest.kinds[name]?.records ?? 0, newManifest.kinds[name]?.records ?? 0)
            buckets[name] = max(1, (records + bucketSize - 1) / bucketSize)
        }
        try makePrivateDirectory(scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try spread(old, side: "old", buckets: buckets)
        try spread(new, side: "new", buckets: buckets)
        var counts: [KindCounts] = []
        for name in kinds.sorted() {
            var count = KindCounts(kind: name)
            for bucket in 0..<(buckets[name] ?? 1) {
                var before = try load(name, side: "old", bucket: bucket)
                var changes: [Change] = []
                try forEachLine(file(name, "new", bucket)) { id, line in
                    guard let was = before.removeValue(forKey: id) else {
                        changes.append(Change(kind: name, id: id, change: .added))
                        return
                    }
                    // A record whose only change is its `updatedAt` stamp did not change.
                    let fields = was == line ? [] : try Self.fields(was, line).filter { $0.field != "updatedAt" }
                    if fields.isEmpty {
                        count.unchanged += 1
                    } else {
                        changes.append(Change(kind: name, id: id, change: .changed, fields: fields))
                    }
                }
                changes += before.keys.map { Change(kind: name, id: $0, change: .removed) }
                for change in changes.sorted(by: { $0.id < $1.id }) {
                    switch change.change {
                    case .added: count.added += 1
                    case .removed: count.removed += 1
                    case .changed: count.changed += 1
                    }
                    try report(change)
                }
            }
            counts.append(count)
        }
        for (name, why) in incomplete { counts.append(KindCounts(kind: name, notCompared: why)) }
        return counts.sorted { $0.kind < $1.kind }
    }

    /// Writes each record of the wanted kinds to its bucket file, in one pass over the archive.
    func spread(_ archive: URL, side: String, buckets: [String: Int]) throws {
        let reader = try ArchiveReader(url: archive)
        while let entry = try reader.next() {
            guard let name = Manifest.kind(ofRecordsPath: entry.path) else { continue }
            guard let count = buckets[name] else { continue }
            var handles: [FileHandle] = []
            for bucket in 0..<count {
                let url = file(name, side, bucket)
                _ = FileManager.default.createFile(
                    atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
                handles.append(try FileHandle(forWritingTo: url))
            }
            defer { for h in handles { try? h.close() } }
            var pending = [Data](repeating: Data(), count: count)
            var splitter = LineSplitter()
            try reader.readChunks { chunk in
                try splitter.feed(chunk) { line in
                    let id = NDJSONFile.id(of: line) ?? ""
                    let bucket = Self.bucket(of: id, count: count)
                    pending[bucket].append(contentsOf: line)
                    pending[bucket].append(0x0A)
                    if pending[bucket].count > 1 << 16 {
                        try handles[bucket].write(contentsOf: pending[bucket])
                        pending[bucket].removeAll(keepingCapacity: true)
                    }
                }
            }
            for (bucket, data) in pending.enumerated() where !data.isEmpty {
                try handles[bucket].write(contentsOf: data)
            }
        }
    }

    func file(_ kind: String, _ side: String, _ bucket: Int) -> URL {
        scratch.appendingPathComponent("\(side)-\(kind)-\(bucket).ndjson")
    }

    /// A stable bucket for an id (FNV-1a; Swift's hash is seeded per process).
    static func bucket(of id: String, count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }

    func load(_ kind: String, side: String, bucket: Int) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        try forEachLine(file(kind, side, bucket)) { id, line in out[id] = line }
        return out
    }

    func forEachLine(_ url: URL, _ body: (String, [UInt8]) throws -> Void) throws {
        try NDJSONFile.forEachLine(url) { line in try body(NDJSONFile.id(of: line) ?? "", line) }
    }

    /// The top-level fields whose values differ, in key order, values shortened.
    static func fields(_ old: [UInt8], _ new: [UInt8]) throws -> [FieldChange] {
        guard case .object(let a) = try JSONValue.parse(old), case .object(let b) = try JSONValue.parse(new) else {
            return []
        }
        var keys: [String] = []
        for member in a where !keys.contains(member.key) { keys.append(member.key) }
        for member in b where !keys.contains(member.key) { keys.append(member.key) }
        return keys.sorted().compactMap { key in
            // An absent field and a null one hold the same: nothing.
            guard (a[key] ?? .null) != (b[key] ?? .null) else { return nil }
            return FieldChange(field: key, old: a[key].map(shortened), new: b[key].map(shortened))
        }
    }

    package static func shortened(_ value: JSONValue) -> String {
        let text = value.text
        return text.count <= 60 ? text : String(text.prefix(57)) + "..."
    }
}
