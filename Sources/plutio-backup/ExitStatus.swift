import Archive
import ArgumentParser
import Foundation
import PlutioAPI
import StateStore

/// The exit codes, documented in `--help` and the README; mapped in one place.
enum ExitStatus: Int32 {
    case ok = 0
    case failure = 1
    case usage = 2
    /// Some kinds were refused by the server; the archive is written and names them.
    case partial = 3
    /// Bad credentials, or the API client is not enabled for the business.
    case authentication = 4
    /// The rate budget stayed exhausted; rerun later, the export resumes.
    case rateLimited = 5
    /// Interrupted (Ctrl-C); rerun with the same arguments to resume.
    case interrupted = 130

    static let table = """
          0    success
          1    failure (the message says what to do)
          2    usage error
          3    partial: some kinds were refused by Plutio; the archive and summary name them
          4    authentication: bad client id or secret, or business not enabled for the client
          5    rate budget exhausted: rerun later; an export resumes where it stopped
          130  interrupted; rerun with the same arguments to resume
        """

    /// The status for an error.
    static func of(_ error: any Error) -> ExitStatus {
        if error is ValidationError || error is SettingsError { return .usage }
        if let code = error as? ExitCode {
            if code == .validationFailure { return .usage }
            return ExitStatus(rawValue: code.rawValue) ?? .failure
        }
        if error is CleanExit { return .ok }
        if PlutioBackup.exitCode(for: error) == .validationFailure { return .usage }
        if error is CancellationError { return .interrupted }
        switch error as? APIError {
        case .badCredentials?, .businessNotEnabled?, .unauthorized?: return .authentication
        case .gaveUp(_, _, let last)? where last.contains("rate limit"): return .rateLimited
        case .rateLimited?: return .rateLimited
        default: return .failure
        }
    }

    /// One line for the user: what happened and what to do.
    static func message(for error: any Error) -> String {
        if let e = error as? LocalizedError, let d = e.errorDescription { return d }
        return String(describing: error)
    }
}
