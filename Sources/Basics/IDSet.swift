import Synchronization

/// Sets of record ids (or other keys), in numbered spaces, that may live in memory or on disk.
///
/// The export's dedupe sets and the verifier's reference index hold a key or two per record; on
/// disk (StateStore's `DiskIDSet`) their memory stays flat however large the workspace is. Spaces
/// keep keys of different meaning apart without building composite strings.
public protocol IDSet: AnyObject, Sendable {
    /// Adds `ids` and answers, for each, whether it was new (a repeat within `ids` is not new).
    func insert(_ ids: [String], space: Int) throws -> [Bool]
    /// Adds one id without answering; may be buffered until the next question.
    func add(_ id: String, space: Int) throws
    /// Whether `id` was added to `space`.
    func contains(_ id: String, space: Int) throws -> Bool
}

extension IDSet {
    public func insert(_ ids: [String]) throws -> [Bool] { try insert(ids, space: 0) }
    public func add(_ id: String) throws { try add(id, space: 0) }
    public func contains(_ id: String) throws -> Bool { try contains(id, space: 0) }
}

/// An `IDSet` in memory.
public final class MemoryIDSet: IDSet {
    private let spaces: Mutex<[Int: Set<String>]>

    public init(_ ids: some Sequence<String> = []) { spaces = Mutex([0: Set(ids)]) }

    public func insert(_ ids: [String], space: Int) -> [Bool] {
        spaces.withLock { spaces in ids.map { spaces[space, default: []].insert($0).inserted } }
    }

    public func add(_ id: String, space: Int) { spaces.withLock { _ = $0[space, default: []].insert(id) } }

    public func contains(_ id: String, space: Int) -> Bool { spaces.withLock { $0[space]?.contains(id) == true } }
}
