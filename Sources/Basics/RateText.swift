import Foundation

// The `N/DURATION` and duration forms the command lines share (`--rate 1000/1h`, `--token-ttl 30s`);
// the rate limit is part of the API contract (§2.5), so the fake and the client parse it here.

/// Parses `90`, `90s`, `5m`, `1h`, `2d` or `250ms` into seconds.
public func parseDuration(_ text: String) -> TimeInterval? {
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
    for (suffix, factor) in units where text.hasSuffix(suffix) {
        let number = text.dropLast(suffix.count)
        if suffix == "s", number.hasSuffix("m") { continue }
        guard let v = Double(number), v > 0 else { return nil }
        return bounded(v * factor)
    }
    guard let v = Double(text), v > 0 else { return nil }
    return bounded(v)
}

/// A duration up to about 30,000 years: `inf`, `nan` and the like are not durations.
private func bounded(_ seconds: Double) -> TimeInterval? {
    seconds.isFinite && seconds <= 1e12 ? seconds : nil
}

/// Parses `N/DURATION` such as `1000/1h`, `60/6s`, `100/90`: a positive count per window.
public func parseRate(_ text: String) -> (limit: Int, window: TimeInterval)? {
    let parts = text.split(separator: "/")
    guard parts.count == 2, let n = Int(parts[0]), n > 0, let seconds = parseDuration(String(parts[1])) else {
        return nil
    }
    return (n, seconds)
}
