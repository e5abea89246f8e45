/// A JSON value that can be read by key and index, whether a parsed tree (`JSONValue`) or bytes
/// read in place (`RawJSONValue`), so one walk over reference paths serves both.
public protocol JSONNavigable {
    associatedtype Members: JSONMembers where Members.Value == Self
    /// The members, when the value is an object.
    var objectValue: Members? { get }
    /// The elements, when the value is an array.
    var arrayValue: [Self]? { get }
    /// The string, when the value is a string.
    var stringValue: String? { get }
}

/// An object's members, looked up by key.
public protocol JSONMembers {
    associatedtype Value
    subscript(key: String) -> Value? { get }
}

extension JSONValue: JSONNavigable {}
extension JSONObject: JSONMembers {}
extension RawJSONValue: JSONNavigable {}
extension RawJSONObject: JSONMembers {}
