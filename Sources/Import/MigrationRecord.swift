import Foundation
import Session

/// `STATE/migrate.json`: the archive a migration exported, so that a rerun imports the same
/// archive (a second export would start a second import and duplicate the workspace).
public enum MigrationRecord {
    struct Record: Codable { var archive: String }

    /// The archive an earlier run of the migration wrote, or nil.
    public static func archive(in state: URL) throws -> URL? {
        let url = state.appendingPathComponent("migrate.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        let archive = URL(fileURLWithPath: try JSONDecoder().decode(Record.self, from: data).archive)
        guard FileManager.default.fileExists(atPath: archive.path) else {
            throw CocoaError(
                .fileNoSuchFile,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "This migration's archive \(archive.path) (named in \(url.path)) is gone; put it back, or start over with a new --state."
                ])
        }
        return archive
    }

    public static func save(archive: URL, in state: URL) throws {
        try makePrivateDirectory(state)
        try writePrivately(
            JSONEncoder.sorted.encode(Record(archive: archive.standardizedFileURL.path)),
            to: state.appendingPathComponent("migrate.json"))
    }
}
