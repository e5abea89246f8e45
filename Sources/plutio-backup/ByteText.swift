import Foundation

/// A byte count as people read it ("11.7 MB"; "0 bytes", not "Zero KB"), in every command's output.
func byteText(_ count: Int) -> String {
    count == 0 ? "0 bytes" : ByteCountFormatter.string(fromByteCount: Int64(count), countStyle: .file)
}
