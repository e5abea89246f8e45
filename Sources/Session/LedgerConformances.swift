import PlutioAPI
import StateStore

// The HTTP client paces itself by a `CallLedger` and remembers write routes in a
// `WriteRouteMemory`; StateStore keeps both in SQLite. The client knows nothing of SQLite: the
// two meet here.

extension RateLedger: CallLedger {}

extension WriteRouteBook: WriteRouteMemory {}
