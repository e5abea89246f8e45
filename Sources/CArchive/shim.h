// The libarchive API for the Archive module. Only Sources/Archive imports this.
#include <archive.h>
#include <archive_entry.h>

// AE_IFREG is a macro of a cast expression, which Swift does not import.
static inline unsigned int carchive_regular_file_mode(void) { return AE_IFREG; }

// ARCHIVE_OK and friends are macros of plain integers; Swift imports them, but naming them
// here keeps every status code in one place.
static inline int carchive_ok(void) { return ARCHIVE_OK; }
static inline int carchive_eof(void) { return ARCHIVE_EOF; }
static inline int carchive_warn(void) { return ARCHIVE_WARN; }
