/// Every failure of the container layer: one line naming the cause (and the file, frame or
/// profile involved). The CLI prints `error: <description>` and exits non-zero.
public struct ContainerError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case notAContainer, unsupportedVersion, corrupt, truncated, profileMismatch
        case badProfile, dictionary, invalidInput, io, codec, usage
    }
    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    static func corrupt(_ what: String) -> ContainerError { ContainerError(.corrupt, what) }
    static func truncated(_ what: String) -> ContainerError { ContainerError(.truncated, what) }
}
