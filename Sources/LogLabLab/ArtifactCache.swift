import Foundation
import LogLabCore

/// A trained dictionary or transform model, as cached and handed to the bench engine.
public struct TrainedArtifact: Sendable, Codable, Equatable {
    public var bytes: [UInt8]
    /// Training time in seconds (of the run that trained it; a cache hit keeps the original time).
    public var seconds: Double
    /// Free-form facts the trainer reports (chosen k and d, actual size, …).
    public var info: [String: String]

    public init(bytes: [UInt8], seconds: Double, info: [String: String] = [:]) {
        self.bytes = bytes
        self.seconds = seconds
        self.info = info
    }

    public var sha256: String { SHA256Hasher.hex(bytes) }
}

/// Content-addressed store of trained artifacts: the key is a hash of everything that
/// determines the artifact (training records, parameters, LogLab version), so a changed
/// input can never hit a stale entry. Entries are `<key>.bin` + `<key>.json`, written atomically.
public final class ArtifactCache: @unchecked Sendable {
    public let directory: String?
    public private(set) var hits = 0
    public private(set) var misses = 0
    private let lock = NSLock()

    /// `nil` disables caching (everything is trained afresh).
    public init(directory: String?) {
        self.directory = directory
    }

    public static func key(_ parts: [String]) -> String {
        SHA256Hasher.hex(Array(([LabVersion.current, LabVersion.cacheFormat] + parts).joined(separator: "\u{1F}").utf8))
    }

    struct Meta: Codable {
        var seconds: Double
        var info: [String: String]
        var sha256: String
    }

    public func lookup(_ key: String) -> TrainedArtifact? {
        guard let dir = directory,
              let bytes = try? Files.read("\(dir)/\(key).bin"),
              let metaBytes = try? Files.read("\(dir)/\(key).json"),
              let meta = try? JSONDecoder().decode(Meta.self, from: Data(metaBytes)),
              SHA256Hasher.hex(bytes) == meta.sha256 else { return nil }
        return TrainedArtifact(bytes: bytes, seconds: meta.seconds, info: meta.info)
    }

    public func store(_ artifact: TrainedArtifact, key: String) throws {
        guard let dir = directory else { return }
        try Files.writeAtomically(artifact.bytes, to: "\(dir)/\(key).bin")
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let meta = Meta(seconds: artifact.seconds, info: artifact.info, sha256: artifact.sha256)
        try Files.writeAtomically(Array(try enc.encode(meta)), to: "\(dir)/\(key).json")
    }

    /// The cached artifact for `key`, or the result of `train` (then stored).
    public func artifact(key: String, train: () throws -> TrainedArtifact) throws -> TrainedArtifact {
        if let hit = lookup(key) {
            lock.withLock { hits += 1 }
            return hit
        }
        let made = try train()
        lock.withLock { misses += 1 }
        try store(made, key: key)
        return made
    }
}

public enum LabVersion {
    /// Part of every cache key and measurement context: bump when training or measurement changes.
    public static let current = "0.2.0"
    static let cacheFormat = "cache-2"
}
