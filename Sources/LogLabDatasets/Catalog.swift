import Foundation
import LogLabCodecs
import LogLabCore
import Yams

/// `Datasets/catalog.yaml`: every dataset LogLab knows, where it comes from and what its bytes
/// must hash to. Paths are relative to the repository root (the folder that holds `Datasets/`).
public struct DatasetCatalog: Sendable, Codable, Equatable {
    public struct Generator: Sendable, Codable, Equatable {
        /// Generator name (`sdk-log`).
        public var name: String
        public var parameters: SdkLogGenerator.Options
    }

    public struct Entry: Sendable, Codable, Equatable {
        public var name: String
        /// What the data is: `synthetic sdk-log`, `web access log`, …
        public var kind: String
        /// Record format of the decompressed bytes (`jsonl`, `text`, …).
        public var format: String?
        /// File path, relative to the repository root; absent for generate-only entries.
        public var path: String?
        public var generator: Generator?
        /// SHA-256 of the decompressed bytes.
        public var sha256: String?
        public var records: Int?
        /// Size of the decompressed bytes.
        public var bytes: Int?
        public var license: String
        public var source: String?
        /// A missing optional dataset is reported, not an error.
        public var optional: Bool?
        /// How to make it (or a larger one).
        public var regenerate: String?
        public var notes: String?
    }

    public var datasets: [Entry]

    public init(datasets: [Entry]) { self.datasets = datasets }

    public static func load(path: String) throws -> DatasetCatalog {
        let text = String(decoding: try Files.read(path), as: UTF8.self)
        do {
            return try YAMLDecoder().decode(DatasetCatalog.self, from: text)
        } catch {
            throw DatasetError("\(path): not a valid dataset catalogue: \(error)")
        }
    }

    /// The catalogue of the checkout that contains `directory` (searching upwards for `Datasets/catalog.yaml`).
    public static func locate(from directory: String = FileManager.default.currentDirectoryPath) -> String? {
        var url = URL(fileURLWithPath: directory)
        for _ in 0..<8 {
            let candidate = url.appendingPathComponent("Datasets/catalog.yaml").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }

    /// Repository root for a catalogue file at `…/Datasets/catalog.yaml`.
    public static func root(ofCatalog path: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent().path
    }

    public func entry(named name: String) -> Entry? { datasets.first { $0.name == name } }

    /// A file path resolved against the repository root (absolute paths stay as they are).
    public static func resolve(_ path: String, root: String) -> String {
        path.hasPrefix("/") ? path : root + "/" + path
    }

    /// The records of the dataset `name`: its file when present, else generated from its parameters.
    public func records(named name: String, root: String) throws -> RecordBatch {
        guard let e = entry(named: name) else {
            throw DatasetError("no dataset '\(name)' in the catalogue (known: \(datasets.map(\.name).joined(separator: ", ")))")
        }
        if let p = e.path, FileManager.default.fileExists(atPath: Self.resolve(p, root: root)) {
            return try RecordSources.load(path: Self.resolve(p, root: root)).records
        }
        if let g = e.generator {
            guard g.name == "sdk-log" else { throw DatasetError("dataset '\(name)': unknown generator '\(g.name)'") }
            try g.parameters.validate()
            return SdkLogGenerator(options: g.parameters).generate()
        }
        throw DatasetError("dataset '\(name)' is missing: \(e.path.map { Self.resolve($0, root: root) } ?? "no path")")
    }

    public struct Check: Sendable, Equatable, CustomStringConvertible {
        public enum Status: String, Sendable { case ok, skipped, missing, mismatch, failed }
        public var name: String
        public var status: Status
        public var optional: Bool
        public var message: String

        /// Fatal: anything but ok, except a missing optional dataset.
        public var isFailure: Bool { !(status == .ok || status == .skipped || (status == .missing && optional)) }

        public var description: String {
            let tag = status == .missing && optional ? "missing (optional)" : status.rawValue
            return "\(name): \(tag)\(message.isEmpty ? "" : " — " + message)"
        }
    }

    /// Checks each dataset: its file's decompressed hash, size and record count; and, when
    /// `regenerate`, that generated datasets still come out of the generator with the same bytes
    /// (generate-only datasets are skipped otherwise).
    public func verify(root: String, regenerate: Bool = true) -> [Check] {
        datasets.map { verify($0, root: root, regenerate: regenerate) }
    }

    func verify(_ e: Entry, root: String, regenerate: Bool) -> Check {
        var check = Check(name: e.name, status: .ok, optional: e.optional ?? false, message: "")
        var problems: [String] = []
        var facts: [String] = []
        func compare(_ what: String, sha: String, records: Int, bytes: Int) {
            if let want = e.sha256, want != sha { problems.append("\(what) sha256 \(sha) ≠ \(want)") }
            if let want = e.records, want != records { problems.append("\(what) has \(records) records, catalogue says \(want)") }
            if let want = e.bytes, want != bytes { problems.append("\(what) has \(bytes) bytes, catalogue says \(want)") }
        }
        if let path = e.path {
            let full = Self.resolve(path, root: root)
            if !FileManager.default.fileExists(atPath: full) {
                check.status = .missing
                check.message = path
                return check
            }
            do {
                let reader = try RecordReader(path: full, format: e.format.flatMap { try? RecordFormat(parsing: $0) })
                var records = 0
                while let b = try reader.next() { records += b.count }
                compare("file", sha: reader.sha256 ?? "", records: records, bytes: reader.byteCount)
                facts.append("\(records) records, \(reader.byteCount) bytes")
            } catch {
                check.status = .failed
                check.message = "\(error)"
                return check
            }
        }
        if e.generator != nil, e.path == nil, !regenerate {
            check.status = .skipped
            check.message = "generated on demand; not regenerated"
            return check
        }
        if let g = e.generator, regenerate {
            guard g.name == "sdk-log" else {
                check.status = .failed
                check.message = "unknown generator '\(g.name)'"
                return check
            }
            do {
                try g.parameters.validate()
                let hasher = SHA256Hasher()
                var bytes = 0
                try SdkLogGenerator(options: g.parameters).write { hasher.update($0); bytes += $0.count }
                compare("regenerated", sha: hasher.finalize().hexString, records: g.parameters.records, bytes: bytes)
                facts.append("regenerated identically")
            } catch {
                check.status = .failed
                check.message = "\(error)"
                return check
            }
        }
        if !problems.isEmpty {
            check.status = .mismatch
            check.message = problems.joined(separator: "; ")
        } else {
            check.message = facts.joined(separator: ", ")
        }
        return check
    }
}

extension SdkLogGenerator.Options {
    enum CodingKeys: String, CodingKey {
        case records, start, days, seed, apps, users, functions, anomaliesPerMillion, evolving, newUsersPerDay
        case sliceRate, sliceHour, sliceCurve
    }

    /// Every key optional: missing ones take the defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SdkLogGenerator.Options()
        self.init(records: try c.decodeIfPresent(Int.self, forKey: .records) ?? d.records,
                  start: try c.decodeIfPresent(String.self, forKey: .start) ?? d.start,
                  days: try c.decodeIfPresent(Int.self, forKey: .days) ?? d.days,
                  seed: try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed,
                  apps: try c.decodeIfPresent(Int.self, forKey: .apps) ?? d.apps,
                  users: try c.decodeIfPresent(Int.self, forKey: .users) ?? d.users,
                  functions: try c.decodeIfPresent(Int.self, forKey: .functions) ?? d.functions,
                  anomaliesPerMillion: try c.decodeIfPresent(Int.self, forKey: .anomaliesPerMillion) ?? d.anomaliesPerMillion,
                  evolving: try c.decodeIfPresent(Bool.self, forKey: .evolving) ?? d.evolving,
                  newUsersPerDay: try c.decodeIfPresent(Int.self, forKey: .newUsersPerDay),
                  sliceRate: try c.decodeIfPresent(Int.self, forKey: .sliceRate),
                  sliceHour: try c.decodeIfPresent(Int.self, forKey: .sliceHour) ?? d.sliceHour,
                  sliceCurve: try c.decodeIfPresent(Bool.self, forKey: .sliceCurve) ?? d.sliceCurve)
    }
}
