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
    env.merge(environment) { _, b in b }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    return (process, out, err)
}
