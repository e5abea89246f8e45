// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "plutio-backup",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Catalog", targets: ["Catalog"])
    ],
    dependencies: [],
    targets: [
        // Raw JSON values: a byte-level parser and an order-preserving value type.
        .target(name: "JSONCore"),
        // The Mongo-subset query language of the API's `q` parameter and key=value filters.
        .target(name: "MongoQuery", dependencies: ["JSONCore"]),
        // Resource kinds and reference fields, read from schemas/catalog.json.
        .target(
            name: "Catalog",
            dependencies: ["JSONCore"],
            resources: [.copy("Resources/catalog.json")]
        ),
        .testTarget(name: "JSONCoreTests", dependencies: ["JSONCore"]),
        .testTarget(name: "MongoQueryTests", dependencies: ["MongoQuery", "JSONCore"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "JSONCore"]),
    ]
)
