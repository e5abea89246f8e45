import ArchiveChecks
import ArgumentParser
import Backup
import Foundation
import Import
import PlutioAPI
import Restore

/// The exit codes, documented in `--help` and the README; mapped in one place, from error
/// types and cases (never from message text).
enum ExitStatus: Int32 {
    case ok = 0
    case failure = 1
    case usage = 2
    /// Something is missing from the archive (kinds Plutio refused, binaries that failed; the
    /// archive is written and its manifest names them), or from an import (its report names them).
    case partial = 3
    /// Bad credentials, or the API client is not enabled for the business.
    case authentication = 4
    /// The rate budget stayed exhausted; rerun later, the export resumes.
    case rateLimited = 5
    /// Interrupted (Ctrl-C); rerun with the same arguments to resume.
    case interrupted = 130

    /// At most 80 columns a line: ArgumentParser rewraps longer ones in `--help`.
    static let table = """
          0    success
          1    failure (the message says what to do); backup: every account failed
          2    usage error (the command line or the configuration file); refused by
               default: an import into a target that holds records already (--merge),
               a partial archive (--allow-partial), a restore that would have to
               guess which records of a kind it cannot list are live (--assume-gone),
               an archive older than the one a state directory imported last
          3    partial: an export lacking kinds Plutio refused or binaries that failed
               (the manifest names them); an import or restore whose records failed or
               could not be carried, a delta that left conflicts (STATE/report.ndjson
               names them); a backup in which some accounts failed while the others
               ran; a status with warnings
          4    authentication: bad client id or secret, or business not enabled
          5    rate budget exhausted: rerun later; an export or import resumes
          130  interrupted: rerun with the same arguments to resume
        """

    /// The status for an error thrown while parsing or running a command: help and version
    /// requests are `ok`, a command line that does not parse is `usage`.
    static func of(_ error: any Error) -> ExitStatus {
        switch error {
        case is ValidationError, is SettingsError, is MissingKind, is ConfigError, is TargetNotEmpty,
            is PartialArchive, is UnlistableKind, is DeltaRefused:
            return .usage
        case let outcome as Outcome: return outcome.status
        case is CancellationError: return .interrupted
        case let error as APIError:
            switch error.underlying {
            case .badCredentials, .businessNotEnabled, .unauthorized: return .authentication
            case .rateLimited: return .rateLimited
            default: return .failure
            }
        default:
            switch PlutioBackup.exitCode(for: error) {
            case .success: return .ok
            case .validationFailure: return .usage
            default: return .failure
            }
        }
    }

    /// The line for the user, or nil when the command has said everything already.
    static func message(for error: any Error) -> String? {
        if error is Outcome { return nil }
        if let e = error as? LocalizedError, let d = e.errorDescription { return d }
        return String(describing: error)
    }
}

/// A command's result that is not success, after it printed its own summary.
struct Outcome: Error {
    var status: ExitStatus
}
