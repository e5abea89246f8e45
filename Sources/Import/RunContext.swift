import Catalog
import Foundation
import PlutioAPI
import StateStore

/// What one journal run works with, for an import or a restore: a client of the target, the
/// catalogue, the run's journal, and the scratch directory (0700) its records are extracted to.
package struct RunContext: Sendable {
    package let client: PlutioClient
    package let catalog: Catalog
    package let journal: ImportJournal
    package let scratch: URL

    package init(client: PlutioClient, catalog: Catalog, journal: ImportJournal, scratch: URL) {
        self.client = client
        self.catalog = catalog
        self.journal = journal
        self.scratch = scratch
    }
}
