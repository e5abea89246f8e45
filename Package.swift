// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "plutio-backup",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "plutio-backup", targets: ["plutio-backup"]),
        .executable(name: "plutio-fake", targets: ["plutio-fake"]),
        .library(name: "FakePlutio", targets: ["FakePlutio"]),
        .library(name: "Catalog", targets: ["Catalog"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Raw JSON values: a byte-level parser and an order-preserving value type.
        .target(name: "JSONCore"),
        // Small types every layer shares: sets of ids (in memory; StateStore keeps them on disk)
        // and the `N/DURATION` rate text of the API contract.
        .target(name: "Basics"),
        // The Mongo-subset query language of the API's `q` parameter and key=value filters.
        .target(name: "MongoQuery", dependencies: ["JSONCore"]),
        // Resource kinds and reference fields, read from schemas/catalog.json.
        .target(
            name: "Catalog",
            dependencies: ["JSONCore", "Basics"],
            resources: [.copy("Resources/catalog.json")]
        ),
        // libarchive, as a system library (Debian: libarchive-dev). Only Archive imports it.
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        // Versioned NDJSON-in-tar.zst archives: writer, reader, manifest, checks.
        .target(
            name: "Archive",
            dependencies: [
                "CArchive", "JSONCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Durable local state in SQLite: the rate ledger, export checkpoints and history, import journals, write routes.
        .target(
            name: "StateStore",
            dependencies: [
                "Basics", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // The Plutio API client: transport, auth, errors, retry, pacing and paging.
        .target(
            name: "PlutioAPI",
            dependencies: [
                "JSONCore", "Basics",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // What every use case opens: the state directory, the shared rate ledger, a paced client; private files.
        .target(name: "Session", dependencies: ["PlutioAPI", "StateStore", "Archive", "JSONCore", "Basics"]),
        // Archives read for people and before use: verify, inspect, diff, and the gate imports and restores pass.
        .target(
            name: "ArchiveChecks",
            dependencies: [
                "Session", "Archive", "Catalog", "JSONCore", "MongoQuery", "StateStore", "Basics",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // Export: a whole workspace read through the API into one archive, resumable, binaries included.
        .target(
            name: "Export",
            dependencies: [
                "Session", "PlutioAPI", "StateStore", "Archive", "Catalog", "JSONCore", "Basics",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // Import: an archive's object graph rebuilt in a target, ids remapped, with its plan, report and journal.
        .target(
            name: "Import",
            dependencies: [
                "Session", "ArchiveChecks", "PlutioAPI", "StateStore", "Archive", "Catalog", "JSONCore", "Basics",
            ]),
        // Restore: trash rows and archive selections recreated through Import, holders re-pointed, revert, undo.
        .target(
            name: "Restore",
            dependencies: [
                "Import", "Session", "ArchiveChecks", "PlutioAPI", "StateStore", "Archive", "Catalog", "JSONCore",
                "MongoQuery", "Basics",
            ]),
        // Backup: nightly exports of one or many accounts, with configuration, status, retention and pruning.
        .target(
            name: "Backup",
            dependencies: [
                "Export", "Session", "ArchiveChecks", "PlutioAPI", "StateStore", "Archive", "Catalog", "Basics",
                .product(name: "Yams", package: "Yams"),
            ]),
        // A faithful local fake of the Plutio API, and its seeder.
        .target(
            name: "FakePlutio",
            dependencies: [
                "JSONCore", "MongoQuery", "Catalog", "Basics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A fake on a local port and clients for it, for tests and benchmarks.
        .target(
            name: "FakeHarness",
            dependencies: [
                "FakePlutio", "PlutioAPI", "StateStore", "Session", "Export", "Import", "Catalog", "JSONCore",
            ]),
        .executableTarget(
            name: "plutio-fake",
            dependencies: [
                "FakePlutio", "Catalog", "Basics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "plutio-backup",
            dependencies: [
                "Export", "Import", "Restore", "Backup", "ArchiveChecks", "Session", "PlutioAPI", "Catalog",
                "MongoQuery", "Basics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "plutio-bench",
            dependencies: [
                "Export", "Import", "ArchiveChecks", "Session", "FakeHarness", "FakePlutio", "PlutioAPI", "Archive",
                "Catalog", "JSONCore", "Backup", "StateStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "JSONCoreTests", dependencies: ["JSONCore"]),
        // Runs the built executables.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "plutio-fake", "plutio-backup", "FakeHarness", "FakePlutio", "Archive", "Catalog", "JSONCore",
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "MongoQueryTests", dependencies: ["MongoQuery", "JSONCore"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "JSONCore"]),
        .testTarget(
            name: "StateStoreTests",
            dependencies: ["StateStore", "Basics", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "ArchiveTests", dependencies: ["Archive", "JSONCore", "Catalog"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "PlutioAPITests",
            dependencies: [
                "PlutioAPI", "StateStore", "Session", "FakePlutio", "FakeHarness", "Catalog", "JSONCore", "MongoQuery",
            ]
        ),
        .testTarget(name: "SessionTests", dependencies: ["Session", "Basics"]),
        .testTarget(name: "ArchiveChecksTests", dependencies: ["ArchiveChecks", "Archive", "Catalog", "JSONCore"]),
        .testTarget(
            name: "ExportTests",
            dependencies: [
                "Export", "ArchiveChecks", "PlutioAPI", "StateStore", "Session", "FakePlutio", "FakeHarness", "Catalog",
                "JSONCore", "Archive",
            ]),
        .testTarget(
            name: "ImportTests",
            dependencies: [
                "Import", "Export", "ArchiveChecks", "PlutioAPI", "StateStore", "Session", "FakePlutio", "FakeHarness",
                "Catalog", "JSONCore", "Archive",
            ]),
        .testTarget(
            name: "RestoreTests",
            dependencies: [
                "Restore", "Import", "Export", "ArchiveChecks", "PlutioAPI", "StateStore", "Session", "FakePlutio",
                "FakeHarness", "Catalog", "JSONCore", "Archive",
            ]),
        .testTarget(
            name: "BackupTests",
            dependencies: ["Backup", "Archive", "Export", "FakeHarness", "FakePlutio", "StateStore", "PlutioAPI"]),
        .testTarget(
            name: "FakePlutioTests",
            dependencies: [
                "FakePlutio", "Catalog", "JSONCore", "MongoQuery", "Basics",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)
