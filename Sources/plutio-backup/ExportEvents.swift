import Foundation

/// The `--json` lines of `export`: one object per line on stdout, its type in `event`. The
/// README documents each; fields are only ever added.
enum ExportJSON {
    /// `{"event":"started","resumed":false,"staging":"…","kinds":41,"history":true}`
    struct Started: Encodable {
        let event = "started"
        var resumed: Bool
        /// The staging directory (kept until the archive is written).
        var staging: String
        /// Kinds that will be read.
        var kinds: Int
        /// Whether an earlier export of the workspace gives an ETA.
        var history: Bool
    }

    /// A page (or a batch of parents) of a kind is checkpointed.
    struct Progress: Encodable {
        let event = "progress"
        var kind: String
        var records: Int
        var calls: Int
    }

    /// A kind is read to its end, or refused (`error`).
    struct Kind: Encodable {
        let event = "kind"
        var kind: String
        var records: Int
        var calls: Int
        /// HTTP calls of this process so far, token and retried calls included.
        var totalCalls: Int
        var error: String?
    }

    /// File binaries are downloaded; `failed` names the file records whose binary is missing.
    struct Files: Encodable {
        let event = "files"
        var downloaded: Int
        var failed: [MissingFile]
    }

    struct MissingFile: Encodable {
        var fileId: String
        var reason: String
    }

    /// The archive is written and synced.
    struct Archive: Encodable {
        let event = "archive"
        var path: String
    }

    /// The last line: what the archive holds, and whether anything is missing (exit 3).
    struct Summary: Encodable {
        let event = "summary"
        var archive: String
        var records: Int
        var calls: Int
        var refused: [String]
        var missingBinaries: [String]
        var partial: Bool
    }

    /// One compact line: sorted keys, slashes unescaped.
    static func line(_ event: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(event)) ?? Data()) + Data("\n".utf8)
    }
}
