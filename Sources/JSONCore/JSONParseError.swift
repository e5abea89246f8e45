import Foundation

/// A JSON text that could not be parsed, with the byte offset where parsing stopped.
public struct JSONParseError: Error, LocalizedError, Sendable, Equatable {
    /// Byte offset of the problem.
    public var offset: Int
    /// What was wrong.
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var errorDescription: String? { "Invalid JSON at byte \(offset): \(reason)." }
}
