/// A small, fast, seedable generator (SplitMix64), so fakes and seeds replay exactly.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A probability draw.
    public mutating func chance(_ p: Double) -> Bool {
        p > 0 && Double(next() >> 11) / Double(1 << 53) < p
    }

    /// A uniform double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// Meteor-style 17-character ids, as Plutio uses (contract §2.6).
public enum MeteorID {
    static let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz".utf8)

    /// A new id drawn from `random`.
    public static func make(_ random: inout SeededRandom) -> String {
        var bytes = [UInt8](repeating: 0, count: 17)
        for i in 0..<17 { bytes[i] = alphabet[Int(random.next() % UInt64(alphabet.count))] }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `text` has the form of a Meteor id.
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 17 && text.utf8.allSatisfy { alphabet.contains($0) }
    }
}
