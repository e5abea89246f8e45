import Basics
import Foundation
import Logging
import Synchronization

/// Secrets this process knows (client secrets it resolved): every line it writes, log line or
/// error message, has them replaced by `[redacted]`.
enum Redaction {
    private static let secrets = Mutex<Set<String>>([])

    static func add(_ secret: String) {
        // A secret of one to three characters would redact parts of every word; real ones are long.
        guard secret.count >= 4 else { return }
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
    /// A status line being redrawn on the terminal, cleared before each log line.
    var statusLine: StatusLine?
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = "\(Timestamp.string(Date())) \(event.level) \(label): \(event.message)"
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in all.keys.sorted() { line += " \(key)=\(all[key]!)" }
        let text = Redaction.apply(line) + "\n"
        if let statusLine {
            statusLine.above(text)
        } else {
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    /// A logger of `label` at `level`.
    static func logger(_ label: String, level: Logger.Level, statusLine: StatusLine? = nil) -> Logger {
        var logger = Logger(label: label) { PlainLogHandler(label: $0, statusLine: statusLine) }
        logger.logLevel = level
        return logger
    }
}

/// One line at the bottom of the terminal, redrawn in place (at most four times a second);
/// lines written above it clear it first and draw it again after.
final class StatusLine: Sendable {
    private let state = Mutex((text: "", drawn: ContinuousClock.Instant?.none))

    func show(_ text: String) {
        let draw = state.withLock { st -> Bool in
            st.text = text
            let now = ContinuousClock.now
            guard st.drawn.map({ now - $0 > .milliseconds(250) }) ?? true else { return false }
            st.drawn = now
            return true
        }
        if draw { FileHandle.standardError.write(Data(("\r\u{1B}[K" + Redaction.apply(text)).utf8)) }
    }

    func above(_ text: String) {
        let current = state.withLock { $0.text }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text + Redaction.apply(current)).utf8))
    }

    func clear() {
        state.withLock { $0.text = "" }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
