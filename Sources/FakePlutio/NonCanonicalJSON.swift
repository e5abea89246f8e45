import JSONCore

/// Writes a record as valid but non-canonical JSON (contract §10, `--non-canonical-bytes`): spaces
/// around separators, numbers as `1.50` and `1e3`, strings with `\u00e9` and `\/` escapes, and
/// the keys of every object in reverse order. The output depends only on the value, so a record
/// reads the same bytes every time; a client that keeps records byte for byte keeps these.
enum NonCanonicalJSON {
    static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let n): out += Array(numberText(n).utf8)
        case .string(let s): writeString(s.string, into: &out)
        case .array(let items):
            out += Array("[ ".utf8)
            for (i, item) in items.enumerated() {
                if i > 0 { out += Array(" , ".utf8) }
                write(item, into: &out)
            }
            out += Array(" ]".utf8)
        case .object(let object):
            out += Array("{ ".utf8)
            for (i, member) in object.reversed().enumerated() {
                if i > 0 { out += Array(",\t ".utf8) }
                writeString(member.key, into: &out)
                out += Array(" : ".utf8)
                write(member.value, into: &out)
            }
            out += Array(" }".utf8)
        }
    }

    /// `1.5` as `1.50`, `1000` as `1e3`; other numbers as written.
    static func numberText(_ n: JSONNumber) -> String {
        let text = n.text
        if text.contains("."), !text.contains("e"), !text.contains("E") { return text + "0" }
        guard let int = Int(text), int != 0, int % 10 == 0 else { return text }
        var mantissa = int
        var exponent = 0
        while mantissa % 10 == 0 {
            mantissa /= 10
            exponent += 1
        }
        return "\(mantissa)e\(exponent)"
    }

    /// Escapes every non-ASCII scalar as `\uXXXX` (surrogate pairs beyond the BMP) and `/` as `\/`.
    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += Array(#"\""#.utf8)
            case "\\": out += Array(#"\\"#.utf8)
            case "/": out += Array(#"\/"#.utf8)
            case "\n": out += Array(#"\n"#.utf8)
            case "\r": out += Array(#"\r"#.utf8)
            case "\t": out += Array(#"\t"#.utf8)
            default:
                if scalar.value < 0x20 || scalar.value > 0x7E {
                    for unit in String(scalar).utf16 { out += Array(hexEscape(unit).utf8) }
                } else {
                    out.append(UInt8(scalar.value))
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func hexEscape(_ unit: UInt16) -> String {
        let hex = String(unit, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}

extension FakePlutio {
    /// A record's bytes as the API serves them: canonical, or non-canonical when so configured.
    func served(_ record: StoredRecord) -> [UInt8] {
        config.nonCanonicalBytes ? NonCanonicalJSON.bytes(record.value) : record.bytes
    }

    /// The bytes the API serves for a record, for tests that compare what a client kept.
    public func servedBytes(_ object: JSONObject) -> [UInt8] {
        config.nonCanonicalBytes ? NonCanonicalJSON.bytes(.object(object)) : JSONValue.object(object).bytes
    }
}
