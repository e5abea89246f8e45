import Archive
import Basics
import Catalog
import Foundation
import JSONCore
import PlutioAPI
import StateStore

/// Building what a create sends from an archived record.
extension Importer {
    /// The body a create sends: server-owned, derived, number and second-pass fields out, blocks
    /// out, every reference remapped (what resolves nowhere dropped); files as links (§6).
    func createBody(_ kind: ResourceKind, _ source: JSONObject, target: Target) throws -> (JSONObject, [String]) {
        var body = JSONObject()
        let later = followUpFields(kind, source)
        for member in source {
            // A follow-up field that is an empty list has nothing to wait for: sent as it is.
            let waits = later.contains(member.key) && member.value.arrayValue?.isEmpty != true
            if Self.unsent.contains(member.key) || Catalog.derivedFields[kind.name]?.contains(member.key) == true
                || Catalog.numberFields[kind.name] == member.key || waits
            {
                continue
            }
            body[member.key] = member.value
        }
        if kind.name == "custom-fields", case .array(let options)? = body["options"] {
            body["options"] = .array(
                options.map { option in
                    // Fresh ids, never the source's: a server that keeps client ids keeps these.
                    guard case .object(var o) = option else { return option }
                    o["_id"] = .string(Self.freshID())
                    return .object(o)
                })
        }
        if kind.name == "files", !keepsFileHandles, let type = body["type"]?.stringValue, type != "link" {
            // Binaries cannot be uploaded (§6): the file comes back as a link to where it was.
            body["type"] = .string("link")
            body["handle"] = nil
        }
        let dropped = try remap(&body, kind, target: target)
        // No invitation is emailed unless asked for (§4.8): a create-only extra, never stored.
        if kind.name == "people", !invites { body["invite"] = false }
        return (body, dropped)
    }

    /// Top-level fields a record gets by PUT after every create, not on create: second-pass
    /// references (§9.3), `blocks[]` (set once the blocks exist), the invoice number (the server
    /// assigns its own on create), and a template row's block body (made after the row).
    func followUpFields(_ kind: ResourceKind, _ source: JSONObject) -> Set<String> {
        var fields = secondPassFields[kind.name] ?? []
        fields.insert("blocks")
        if kind.name == "invoices", let number = Catalog.numberFields[kind.name] { fields.insert(number) }
        if kind.name == "templates", source["entityType"]?.stringValue == "block" { fields.insert("entityId") }
        return fields
    }

    /// A new 17-character id in Plutio's alphabet.
    static func freshID() -> String {
        let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz")
        return String((0..<17).map { _ in alphabet.randomElement()! })
    }

    /// Top-level fields that hold second-pass references (§9.3), set by PUT after every create.
    /// A tree's parent field is not among them: trees are created top-down.
    static func secondPassFields(_ kind: ResourceKind, _ catalog: Catalog) -> Set<String> {
        let refs = catalog.references(of: kind)
        let firstPass = Set(refs.filter { $0.secondPass == nil }.map(\.path))
        return Set(
            refs.filter {
                $0.secondPass != nil && $0.path != "blocks[]" && !firstPass.contains($0.path)
                    && $0.path != treeFields[kind.name]
            }.map { Reference.topLevelKey(of: $0.path) })
    }

    /// Remaps every reference in `body` to target ids; answers the paths dropped.
    func remap(_ body: inout JSONObject, _ kind: ResourceKind, target: Target) throws -> [String] {
        var failure: (any Error)?
        let dropped = catalog.remapReferences(in: &body, of: kind) { ref in
            do {
                switch ref.naming {
                case .slug:
                    if target.roleSlugs.contains(ref.value) { return ref.value }
                    // A person needs a role: one the target would not let us see is sent as it is
                    // (the target may have it) rather than dropped; refused, it falls back.
                    if kind.name == "people", ref.path == "role", target.rolesUnverified {
                        return ref.value
                    }
                    return nil
                case .id:
                    if let field = ref.optionOfField {
                        // Only select-like fields hold option ids; other values are data.
                        guard target.optionFields.contains(field) else { return ref.value }
                        return try journal.targetIDs("custom-field-options", for: [ref.value])[ref.value]
                    }
                    for targetKind in ref.targetKinds {
                        if let id = try journal.targetIDs(targetKind, for: [ref.value])[ref.value] { return id }
                    }
                    return nil
                }
            } catch {
                failure = error
                return nil
            }
        }
        if let failure { throw failure }
        return dropped.map(\.path)
    }
}
