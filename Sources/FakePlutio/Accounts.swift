/// A workspace on the fake server.
public struct FakeBusiness: Sendable, Hashable {
    /// The subdomain sent in the `Business` header.
    public var subdomain: String
    /// The record id of the business.
    public var id: String
}

/// An API client: credentials, the user acting for it, and the workspaces it may address.
public struct FakeAPIClient: Sendable, Hashable {
    public var clientID: String
    public var secret: String
    public var userID: String
    /// Subdomains this client is enabled for.
    public var businesses: [String]

    public init(clientID: String, secret: String, userID: String, businesses: [String]) {
        self.clientID = clientID
        self.secret = secret
        self.userID = userID
        self.businesses = businesses
    }
}

/// An account to create: a business and the API client enabled for it.
public struct AccountSpec: Sendable, Hashable {
    public var subdomain: String
    public var clientID: String
    public var secret: String
    /// Whether the business starts with only the fresh-account baseline (contract §4.8), as a
    /// migration target, instead of being seeded.
    public var empty: Bool

    public init(subdomain: String, clientID: String, secret: String, empty: Bool = false) {
        self.subdomain = subdomain
        self.clientID = clientID
        self.secret = secret
        self.empty = empty
    }

    /// Parses `SUBDOMAIN:CLIENT_ID:SECRET`, or `SUBDOMAIN:CLIENT_ID:SECRET:empty` (the secret may hold colons).
    public init?(parsing text: String) {
        let empty = text.hasSuffix(":empty")
        let spec = empty ? text.dropLast(":empty".count) : Substring(text)
        let parts = spec.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(subdomain: parts[0].lowercased(), clientID: parts[1], secret: parts[2], empty: empty)
    }
}
