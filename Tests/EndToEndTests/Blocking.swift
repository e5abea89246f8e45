import Foundation

/// Runs blocking work (waiting for a child process, reading its pipes) on a thread of its own.
///
/// Tests must never block the two cooperative threads of this machine: the in-process fake
/// answers the child processes on them, so blocking both there starves the fake and hangs.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.start()
    }
}

/// The directory holding the built products (next to the test bundle).
let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

/// Starts a built product with piped stdout and stderr, without any PLUTIO_* variable of the
/// test's own environment, plus `environment`.
func launchProduct(
    _ name: String, _ arguments: [String], environment: [String: String] = [:]
) throws -> (
    Process, Pipe, Pipe
) {
    try launchProgram(products.appendingPathComponent(name), arguments, environment: environment)
}

/// Starts a program like `launchProduct`.
func launchProgram(
    _ program: URL, _ arguments: [String], environment: [String: String] = [:]
) throws -> (Process, Pipe, Pipe) {
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for key in env.keys where key.hasPrefix("PLUTIO_") { env[key] = nil }
    // The rate ledger is one per user by default: a test's runs keep theirs in their --state (as
    // a user's reruns share one), or in a directory of their own, never in the tester's home.
    if environment["XDG_STATE_HOME"] == nil, environment["PLUTIO_LEDGER"] == nil {
        if let i = arguments.firstIndex(of: "--state"), i + 1 < arguments.count {
            env["PLUTIO_LEDGER"] = arguments[i + 1]
        } else if let i = arguments.firstIndex(of: "--config"), i + 1 < arguments.count {
            env["PLUTIO_LEDGER"] =
                URL(fileURLWithPath: arguments[i + 1]).deletingLastPathComponent()
                .appendingPathComponent("ledger").path
        } else {
            env["XDG_STATE_HOME"] =
                FileManager.default.temporaryDirectory.appendingPathComponent("e2e-xdg-\(UUID().uuidString)").path
        }
    }
    // A late apply is looked for 2 s after a lost answer, not a minute (kill-and-resume tests).
    env["PLUTIO_LATE_APPLY_WINDOW"] = "2"
    env.merge(environment) { _, b in b }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    return (process, out, err)
}
