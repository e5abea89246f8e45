import Crypto
import Foundation

extension SHA256.Digest {
    /// The digest as lowercase hex, as manifests record it.
    public var hex: String { map { String(format: "%02x", $0) }.joined() }
}

/// The lowercase hex SHA-256 of bytes.
public func sha256Hex(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).hex }

/// The lowercase hex SHA-256 of a file, read in 1 MiB chunks.
public func sha256Hex(ofFile url: URL) throws -> String {
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
    return hasher.finalize().hex
}
