import Foundation
import JSONCore

/// The resource catalogue: every kind, its verbs and its references.
public struct Catalog: Sendable {
    /// Kinds in catalogue order.
    public let kinds: [ResourceKind]
    /// References every kind may carry (custom fields, businessId).
    public let commonReferences: [Reference]
    /// Named cycles and how the importer breaks each.
    public let secondPassCycles: [String: String]
    /// Slugs that name no collection (e.g. `receipt`).
    public let unmappedSlugs: Set<String>
    /// The API version the catalogue describes, e.g. `v1.11`.
    public let apiVersion: String

    private let byName: [String: Int]
    private let bySlug: [String: Int]
    /// Each kind's references grouped by path, in kind order.
    private let groups: [[ReferenceGroup]]
    private let kindBySlug: [String: String]

    struct File: Decodable {
        var catalogVersion: Int
        var apiVersion: String
        var unmappedSlugs: [String]?
        var secondPassCycles: [String: String]
        var commonReferences: [Reference]
        var kinds: [ResourceKind]
    }

    /// Parses and checks a catalogue document.
    public init(data: Data) throws(CatalogError) {
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw .unreadable(String(describing: error))
        }
        guard file.catalogVersion == 1 else { throw .unsupportedVersion(file.catalogVersion) }
        kinds = file.kinds
        commonReferences = file.commonReferences
        secondPassCycles = file.secondPassCycles
        unmappedSlugs = Set(file.unmappedSlugs ?? [])
        apiVersion = file.apiVersion
        var names: [String: Int] = [:]
        var slugs: [String: Int] = [:]
        for (i, kind) in file.kinds.enumerated() {
            guard names.updateValue(i, forKey: kind.name) == nil else {
                throw .invalid("kind \(kind.name) is listed twice")
            }
            for slug in kind.slugs {
                guard slugs.updateValue(i, forKey: slug) == nil else { throw .invalid("slug \(slug) names two kinds") }
            }
        }
        byName = names
        bySlug = slugs
        let kindBySlug = slugs.mapValues { file.kinds[$0].name }
        groups = file.kinds.map { ReferenceGroup.of($0.references + file.commonReferences, slugs: kindBySlug) }
        self.kindBySlug = kindBySlug
        try validateReferences()
    }

    /// The catalogue bundled with this build (schemas/catalog.json).
    public static func bundled() throws(CatalogError) -> Catalog {
        guard let url = Bundle.module.url(forResource: "catalog", withExtension: "json") else {
            throw .unreadable("catalog.json is missing from the Catalog resources; rebuild the package")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable("\(url.path): \(error)") }
        return try Catalog(data: data)
    }

    /// The bundled catalogue, loaded once. Crashes only if the build itself is broken.
    public static let standard: Catalog = {
        do { return try bundled() } catch { fatalError("The bundled resource catalogue is broken: \(error)") }
    }()

    /// The kind with this path segment.
    public func kind(named name: String) -> ResourceKind? {
        byName[name].map { kinds[$0] }
    }

    /// The kind's position in catalogue order.
    public func position(of name: String) -> Int? { byName[name] }

    /// The kind an entityType slug names.
    public func kind(forSlug slug: String) -> ResourceKind? {
        bySlug[slug].map { kinds[$0] }
    }

    /// The kind's own references followed by the common ones.
    public func references(of kind: ResourceKind) -> [Reference] {
        kind.references + commonReferences
    }

    /// A kind's references grouped by path.
    func referenceGroups(of kind: ResourceKind) -> [ReferenceGroup] {
        byName[kind.name].map { groups[$0] } ?? ReferenceGroup.of(references(of: kind), slugs: kindBySlug)
    }

    private func validateReferences() throws(CatalogError) {
        for kind in kinds {
            for ref in references(of: kind) where !ref.targetsAnyKind {
                for target in ref.to where byName[target] == nil {
                    throw .invalid("\(kind.name).\(ref.path) points at unknown kind \(target)")
                }
                if let cycle = ref.secondPass, secondPassCycles[cycle] == nil {
                    throw .invalid("\(kind.name).\(ref.path) names undeclared cycle \(cycle)")
                }
                if ref.by == .slug, let target = ref.to.first, kinds[byName[target]!].slugKey == nil {
                    throw .invalid("\(kind.name).\(ref.path) refers by slug but \(target) has no slugKey")
                }
            }
            for c in kind.cascade where byName[c.kind] == nil {
                throw .invalid("\(kind.name) cascades to unknown kind \(c.kind)")
            }
        }
    }
}

/// A catalogue that cannot be used.
public enum CatalogError: Error, LocalizedError, Sendable, Equatable {
    case unreadable(String)
    case unsupportedVersion(Int)
    case invalid(String)
    case unmarkedCycle([String])

    public var errorDescription: String? {
        switch self {
        case .unreadable(let why): "The resource catalogue cannot be read: \(why)."
        case .unsupportedVersion(let v):
            "The resource catalogue has version \(v); this build reads version 1. Use the catalogue shipped with this build."
        case .invalid(let why): "The resource catalogue is inconsistent: \(why). Fix schemas/catalog.json."
        case .unmarkedCycle(let kinds):
            "The reference graph has a cycle that no reference marks as secondPass, among: \(kinds.joined(separator: ", ")). Mark one edge of it in schemas/catalog.json."
        }
    }
}
