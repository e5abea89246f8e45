import Foundation

/// Reads the lines of a file (at most its first `limit` bytes) one at a time: a chunk at a time,
/// split by the archive's `LineSplitter`.
public struct LineReader {
    private let handle: FileHandle
    private var left: Int
    private var splitter = LineSplitter()
    private var lines: [[UInt8]] = []
    private var nextLine = 0
    /// Bytes read per chunk.
    public static let chunk = 1 << 20

    /// Reads `url` up to `limit` bytes (all of it when nil).
    public init(url: URL, limit: Int? = nil) throws {
        handle = try FileHandle(forReadingFrom: url)
        left = limit ?? Int.max
    }

    /// The next line without its newline; a last line without one is returned too.
    public mutating func next() throws -> [UInt8]? {
        while nextLine == lines.count {
            guard left > 0, let data = try handle.read(upToCount: min(Self.chunk, left)), !data.isEmpty else {
                try? handle.close()
                left = 0
                guard !splitter.remainder.isEmpty else { return nil }
                defer { splitter = LineSplitter() }
                return splitter.remainder
            }
            left -= data.count
            var split: [[UInt8]] = []
            try data.withUnsafeBytes { chunk in try splitter.feed(chunk) { split.append(Array($0)) } }
            lines = split
            nextLine = 0
        }
        defer { nextLine += 1 }
        return lines[nextLine]
    }
}
