import Foundation
import Logging
import Synchronization

/// Secrets this process knows (client secrets it resolved): every line it writes, log line or
/// error message, has them replaced by `[redacted]`.
enum Redaction {
    private static let secrets = Mutex<Set<String>>([])

    static func add(_ secret: String) {
        // A secret of a few characters would redact ordinary words ("wrong"); real ones are long.
        guard secret.count >= 8 else { return }
        secrets.withLock { _ = $0.insert(secret) }
    }

    static func apply(_ text: String) -> String {
        secrets.withLock { secrets in
            secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
        }
    }
}

/// swift-log's handler for commands that run unattended: one plain line per message on stderr,
/// `2026-12-01T03:00:02Z info backup: message key=value`, secrets redacted.
struct PlainLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = "\(Date().formatted(.iso8601)) \(event.level) \(label): \(event.message)"
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in all.keys.sorted() { line += " \(key)=\(all[key]!)" }
        FileHandle.standardError.write(Data((Redaction.apply(line) + "\n").utf8))
    }

    /// A logger of `label` at `level`.
    static func logger(_ label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { PlainLogHandler(label: $0) }
        logger.logLevel = level
        return logger
    }
}
