import Archive
import Foundation

/// What `import`, `restore` and `diff` check of an archive before they use it: its format
/// (manifest and format version, every entry's checksum and size, every line, the binaries
/// against their index) and, unless the user accepts it, that the export that wrote it was
/// complete. A damaged, future-version or partial archive is refused before any API call.
public enum ArchiveGate {
    /// Verifies the archive at `url` and answers its manifest; throws `ArchiveError` when it is
    /// damaged or of a newer format, and `PartialArchive` when it lacks kinds or binaries and
    /// `allowPartial` is false.
    @discardableResult
    public static func check(
        _ url: URL, allowPartial: Bool, onRecord: (RecordLine) throws -> Void = { _ in }
    ) throws -> Manifest {
        let report = try ArchiveVerifier().verify(url, onRecord: onRecord)
        try require(report, url)
        if !allowPartial, let partial = PartialArchive(report.manifest, url) { throw partial }
        return report.manifest
    }

    /// Throws `ArchiveError.corrupt` when the format check found problems.
    static func require(_ report: FormatReport, _ url: URL) throws {
        guard report.isIntact else {
            throw ArchiveError.corrupt(
                path: url.path, entry: Manifest.entryName,
                reason: report.problems.prefix(3).joined(separator: "; ")
                    + (report.problems.count > 3 ? " (and \(report.problems.count - 3) more)" : ""))
        }
    }

    /// Reads the manifest only (its format version checked): what a quick look at every archive
    /// of a directory costs, before a full check of the ones that are used.
    public static func manifest(of url: URL) throws -> Manifest { try ArchiveVerifier.manifest(of: url) }
}

/// The archive was written by an export that did not finish every kind or every binary.
public struct PartialArchive: Error, LocalizedError, Sendable {
    public let path: String
    /// Kinds the export could not read to their end, with why.
    public let kinds: [(kind: String, reason: String)]
    /// File records whose binary is missing.
    public let binaries: [String]

    /// Nil when the manifest says the export was complete.
    public init?(_ manifest: Manifest, _ url: URL) {
        guard !manifest.complete else { return nil }
        path = url.path
        kinds = manifest.kinds.filter { !$0.value.complete }.sorted { $0.key < $1.key }
            .map { ($0.key, $0.value.error ?? "not read to its end") }
        binaries = manifest.files.failed
        if kinds.isEmpty, binaries.isEmpty { return nil }
    }

    /// What the archive lacks, in one line.
    public var lacks: String {
        var parts: [String] = []
        if !kinds.isEmpty {
            parts.append(
                "kinds " + kinds.prefix(5).map { "\($0.kind) (\($0.reason))" }.joined(separator: ", ")
                    + (kinds.count > 5 ? " and \(kinds.count - 5) more" : ""))
        }
        if !binaries.isEmpty {
            parts.append(
                "the binaries of \(binaries.count) file record(s), e.g. \(binaries.prefix(3).joined(separator: ", "))")
        }
        return parts.joined(separator: "; ")
    }

    public var errorDescription: String? {
        "\(path) is partial: the export that wrote it could not read \(lacks). Using it would leave that out "
            + "without a word. Take a new export (for a migration: start again with a new --state), or pass "
            + "--allow-partial to use it as it is."
    }
}
