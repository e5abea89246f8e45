import Catalog
import FakePlutio
import Foundation
import JSONCore

/// A workspace's records with their ids replaced by content, for tests that compare two
/// workspaces' graphs modulo ids (an import, a restore).
///
/// Each record loses its server-owned fields and has every reference of the catalogue replaced
/// by the content signature of the record it names (`kind:` + a hash of that record's
/// non-reference content), an option id by its label, and a reference to no live record
/// removed. Two workspaces hold the same graph when, kind by kind, the multisets of their
/// canonical records are equal.
public struct CanonicalGraph: Sendable {
    /// Canonical records (compact JSON, sorted keys), sorted, by kind.
    public var kinds: [String: [String]]

    /// How a comparison treats both sides alike.
    public struct Rules: Sendable {
        /// Kinds compared.
        public var kinds: Set<String>
        /// Fields removed from records of a kind before comparing (states a target keeps its own).
        public var ignored: [String: Set<String>] = [:]
        /// Fields removed from every record.
        public var ignoredEverywhere: Set<String> = []

        public init(kinds: Set<String>) { self.kinds = kinds }
    }

    /// - Parameters:
    ///   - excluded: ids of records left out of the comparison (a target's records from before an
    ///     import); references to them still resolve.
    ///   - aliases: fixed signatures for records that stand for each other without equal content
    ///     (the source's owner person and the target's).
    ///   - keep: which records of a kind are compared (all when nil).
    public static func of(
        _ workspace: Workspace, catalog: Catalog = .standard, rules: Rules, excluded: Set<String> = [],
        aliases: [String: String] = [:], keep: ((String, JSONObject) -> Bool)? = nil
    ) -> CanonicalGraph {
        var live: [String: [String: JSONObject]] = [:]
        var optionLabels: [String: String] = [:]
        for kind in catalog.kinds {
            var byID: [String: JSONObject] = [:]
            for object in workspace.objects(kind: kind.name) {
                guard let id = object["_id"]?.stringValue else { continue }
                byID[id] = object
                for option in object["options"]?.arrayValue ?? [] where kind.name == "custom-fields" {
                    if let id = option["_id"]?.stringValue,
                        let label = option["name"]?.stringValue ?? option["title"]?.stringValue
                    {
                        optionLabels[id] = label
                    }
                }
            }
            live[kind.name] = byID
        }
        var signatures: [String: String] = [:]
        func signature(_ kindName: String, _ id: String) -> String? {
            if let alias = aliases[id] { return alias }
            if let known = signatures[kindName + "/" + id] { return known }
            guard let object = live[kindName]?[id], let kind = catalog.kind(named: kindName) else { return nil }
            var content = stripped(kind, object, rules: rules)
            _ = catalog.remapReferences(in: &content, of: kind) { _ in nil }
            let text = JSONValue.object(content).sortedText
            let value = kindName + ":" + String(text.hashValue.magnitude, radix: 36) + ":" + String(text.prefix(40))
            signatures[kindName + "/" + id] = value
            return value
        }
        var kinds: [String: [String]] = [:]
        for name in rules.kinds.sorted() {
            guard let kind = catalog.kind(named: name) else { continue }
            var texts: [String] = []
            for (id, object) in live[name] ?? [:] where !excluded.contains(id) && keep?(name, object) ?? true {
                var record = stripped(kind, object, rules: rules)
                _ = catalog.remapReferences(in: &record, of: kind) { ref in
                    switch ref.naming {
                    case .slug: return ref.value
                    case .id:
                        if ref.optionOfField != nil {
                            return optionLabels[ref.value].map { "option:" + $0 } ?? ref.value
                        }
                        for target in ref.targetKinds {
                            if let s = signature(target, ref.value) { return s }
                        }
                        return nil
                    }
                }
                texts.append(JSONValue.object(record).sortedText)
            }
            kinds[name] = texts.sorted()
        }
        return CanonicalGraph(kinds: kinds)
    }

    /// A record without its server-owned, derived and ignored fields, with nulls, `false` flags
    /// and option ids (custom-field options compare by label) left out.
    static func stripped(_ kind: ResourceKind, _ object: JSONObject, rules: Rules) -> JSONObject {
        var out = JSONObject()
        let ignored = rules.ignoredEverywhere.union(rules.ignored[kind.name] ?? [])
            .union(Catalog.derivedFields[kind.name] ?? []).union(Catalog.serverOwnedFields)
        for member in object where !ignored.contains(member.key) {
            if member.value == .null { continue }
            if ["isArchived", "isTemplate"].contains(member.key), member.value == .bool(false) { continue }
            out[member.key] = member.value
        }
        if kind.name == "custom-fields", case .array(let options)? = out["options"] {
            out["options"] = .array(
                options.map { option in
                    guard case .object(var o) = option else { return option }
                    o["_id"] = nil
                    return .object(o)
                })
        }
        return out
    }

    /// The kinds whose canonical records differ, with a few examples from each side.
    public func differences(
        from other: CanonicalGraph, examples: Int = 2
    ) -> [String: (only: [String], otherOnly: [String])] {
        var out: [String: (only: [String], otherOnly: [String])] = [:]
        for name in Set(kinds.keys).union(other.kinds.keys) {
            let mine = kinds[name] ?? []
            let theirs = other.kinds[name] ?? []
            guard mine != theirs else { continue }
            var counts: [String: Int] = [:]
            for text in mine { counts[text, default: 0] += 1 }
            for text in theirs { counts[text, default: 0] -= 1 }
            let only = counts.filter { $0.value > 0 }.keys.sorted()
            let otherOnly = counts.filter { $0.value < 0 }.keys.sorted()
            out[name] = (Array(only.prefix(examples)), Array(otherOnly.prefix(examples)))
        }
        return out
    }
}

extension JSONValue {
    /// Compact JSON with every object's keys sorted: equal values, equal text.
    var sortedText: String {
        switch self {
        case .object(let o):
            let members = o.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }
            return "{"
                + members.map { JSONValue.string(.init($0.0)).text + ":" + $0.1.sortedText }
                .joined(separator: ",") + "}"
        case .array(let items): return "[" + items.map(\.sortedText).joined(separator: ",") + "]"
        // Numbers by value (`1.50` is `1.5`), strings by decoded value (`\u00e9` is `é`).
        case .number(let n): return "\(n.double)"
        case .string(let s): return JSONValue.string(JSONString(s.string)).text
        default: return text
        }
    }
}

extension CanonicalGraph {
    /// Kinds an import does not carry by design (contract §4.6, §9.2 step 14).
    public static let notCarriedByImports: Set<String> = [
        "businesses", "profiles", "dashboards", "dashboard-data", "block-groups", "schedules", "automations",
        "trash-bin", "archive",
    ]

    /// What an import's source and target may differ in, as its report says: lifecycle states the
    /// target keeps its own, files that became links, task numbers, template flags a target
    /// drops, and the blocks[] of dashboard pages a target neither keeps nor lets be updated.
    public static func importRules(_ config: FakeConfig, catalog: Catalog = .standard) -> Rules {
        var rules = Rules(kinds: Set(catalog.kinds.map(\.name)).subtracting(notCarriedByImports))
        rules.ignored = [
            "files": ["type", "handle"], "invoices": ["status"], "invoice-subscriptions": ["status"],
            "tasks": ["taskId"],
        ]
        if config.ignoresProposalContractStatus {
            rules.ignored["proposals"] = ["status"]
            rules.ignored["contracts"] = ["status"]
        }
        if !config.keepsTemplateFlag { rules.ignoredEverywhere = ["isTemplate"] }
        if !config.blockCreateAppendsToOwner, !config.allowsRestrictedWrites {
            rules.ignored["dashboard-pages"] = ["blocks"]
        }
        return rules
    }

    /// The kinds in which an imported workspace's graph differs from its source's (empty when
    /// equal modulo ids). The source's owner person stands for the target's, dashboards match
    /// by title and the roles the target had by slug; `targetBefore` is the target before the
    /// import (its records are left out); `skipped` are source records the import reported as
    /// skipped (checked separately).
    public static func importDifferences(
        source: Workspace, target: Workspace, targetBefore: Workspace, skipped: Set<String>, config: FakeConfig
    ) -> [String: (only: [String], otherOnly: [String])] {
        func aliases(_ ws: Workspace) -> [String: String] {
            var out: [String: String] = [:]
            for p in ws.objects(kind: "people") where p["role"]?.stringValue == "owner" {
                if let id = p["_id"]?.stringValue { out[id] = "owner" }
            }
            for d in ws.objects(kind: "dashboards") {
                if let id = d["_id"]?.stringValue { out[id] = "dashboard:" + (d["title"]?.stringValue ?? "") }
            }
            return out
        }
        var baseline = Set<String>()
        for kind in Catalog.standard.kinds {
            for o in targetBefore.objects(kind: kind.name) { if let id = o["_id"]?.stringValue { baseline.insert(id) } }
        }
        let baselineRoles = Set(targetBefore.objects(kind: "roles").compactMap { $0["slug"]?.stringValue })
        let rules = importRules(config)
        let from = of(
            source, rules: rules, aliases: aliases(source),
            keep: { kind, object in
                if skipped.contains(object["_id"]?.stringValue ?? "") { return false }
                if kind == "people", object["role"]?.stringValue == "owner" { return false }
                if kind == "roles", baselineRoles.contains(object["slug"]?.stringValue ?? "") { return false }
                return true
            })
        let to = of(target, rules: rules, excluded: baseline, aliases: aliases(target))
        return from.differences(from: to)
    }
}
