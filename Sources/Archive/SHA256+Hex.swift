import Crypto
import Foundation

extension SHA256.Digest {
    /// The digest as lowercase hex, as manifests record it.
    public var hex: String { map { String(format: "%02x", $0) }.joined() }
}

/// The lowercase hex SHA-256 of bytes.
public func sha256Hex(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).hex }
