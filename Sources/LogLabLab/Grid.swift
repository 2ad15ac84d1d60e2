import Foundation
import LogLabCore

/// One cell of an experiment grid: what is measured, independent of how it is measured.
public struct LabCell: Sendable, Codable, Hashable {
    /// Name of the prepared dataset (a per-day test set is "name@dayN").
    public var dataset: String
    public var framing: Framing
    /// Canonical transform-selection spelling.
    public var transforms: String
    /// Canonical codec spelling.
    public var codec: String
    public var dictionary: DictionaryVariant?
    /// Whether the container carries a shared section (`loglab compress --shared-section`).
    public var sharedSection: Bool

    public init(dataset: String, framing: Framing, transforms: String, codec: String, dictionary: DictionaryVariant? = nil,
                sharedSection: Bool = false) {
        self.dataset = dataset
        self.framing = framing
        self.transforms = transforms
        self.codec = codec
        self.dictionary = dictionary
        self.sharedSection = sharedSection
    }

    enum CodingKeys: String, CodingKey { case dataset, framing, transforms, codec, dictionary, sharedSection }

    // `sharedSection` is written only when set, and absent reads as false: journals and
    // reports from before the axis existed keep their cells.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(dataset: try c.decode(String.self, forKey: .dataset), framing: try c.decode(Framing.self, forKey: .framing),
                  transforms: try c.decode(String.self, forKey: .transforms), codec: try c.decode(String.self, forKey: .codec),
                  dictionary: try c.decodeIfPresent(DictionaryVariant.self, forKey: .dictionary),
                  sharedSection: try c.decodeIfPresent(Bool.self, forKey: .sharedSection) ?? false)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(framing, forKey: .framing)
        try c.encode(transforms, forKey: .transforms)
        try c.encode(codec, forKey: .codec)
        try c.encodeIfPresent(dictionary, forKey: .dictionary)
        if sharedSection { try c.encode(true, forKey: .sharedSection) }
    }

    /// Stable identity, also the journal key.
    public var key: String {
        "\(dataset) | \(framing) | \(transforms) | \(codec) | \(dictionary?.key ?? "no-dict")" + (sharedSection ? " | shared" : "")
    }

    /// The configuration without the dataset, for tables: "zstd:19 + fastcover 110 KiB, transforms all".
    public var label: String {
        var s = codec
        if let d = dictionary { s += " + " + d.label }
        if transforms != "none" { s += ", transforms " + transforms }
        if sharedSection { s += ", shared section" }
        return s
    }

    public var codecFamily: String { String(codec.split(separator: ":").first ?? "") }

    /// The numeric level, when the spelling has one ("xz:9e" → 9).
    public var codecLevel: Int? {
        let parts = codec.split(separator: ":")
        guard parts.count > 1 else { return nil }
        return Int(parts[1].prefix { $0.isNumber || $0 == "-" })
    }

    /// The level a dictionary for this cell is trained at.
    public var dictionaryTrainingLevel: Int? {
        guard let d = dictionary else { return nil }
        return d.level ?? codecLevel ?? 3
    }

    /// The same cell with something changed, for ablation pairs.
    func with(transforms t: String? = nil, dictionary d: DictionaryVariant?? = nil) -> LabCell {
        var c = self
        if let t { c.transforms = t }
        if let d { c.dictionary = d }
        return c
    }
}

public enum GridExpansion {
    /// Codec families that take a trained dictionary.
    public static let dictionaryFamilies: Set<String> = ["zstd"]

    /// A one-paragraph description of the grid (for `loglab run --dry-run`). Per-day splits
    /// count one test set per day.
    public static func describe(_ spec: ExperimentSpec) -> String {
        var names: [String] = []
        for d in spec.datasets {
            if case .days(_, _, let test, true) = d.split { names += test.map { "\(d.name)@day\($0)" } } else { names.append(d.name) }
        }
        let cells = Self.cells(spec: spec, datasets: names)
        let dicts = spec.dictionaries.map { $0?.label ?? "none" }
        return """
        \(spec.name)\(spec.quick ? " (quick)" : ""): \(cells.count) cells, \(spec.trials) trial(s) after \(spec.warmup) warm-up
          test sets: \(names.joined(separator: ", "))
          framings: \(spec.framings.map(\.description).joined(separator: ", "))
          transforms: \(spec.transforms.joined(separator: " | "))
          codecs: \(spec.codecs.joined(separator: ", "))
          dictionaries: \(dicts.joined(separator: " | "))\(spec.sharedSections == [false] ? "" : "\n  shared section: " + spec.sharedSections.map { $0 ? "yes" : "no" }.joined(separator: " | "))
          objective: \(spec.objective)\(spec.search == .auto ? "\n  search: auto (the profile search visits some of these cells, floors \(spec.searchFloors))" : "")
          spec hash: \(spec.specHash)
        """
    }

    /// Every cell, in a fixed order: dataset, framing, transforms, codec, dictionary, shared
    /// section. Codecs
    /// that cannot use a dictionary get one cell without; duplicates are removed.
    public static func cells(spec: ExperimentSpec, datasets: [String]) -> [LabCell] {
        var out: [LabCell] = []
        var seen = Set<String>()
        let dicts = spec.dictionaries.isEmpty ? [nil] : spec.dictionaries
        for ds in datasets {
            for framing in spec.framings {
                for t in spec.transforms {
                    for codec in spec.codecs {
                        let family = String(codec.split(separator: ":").first ?? "")
                        let choices: [DictionaryVariant?] = dictionaryFamilies.contains(family) ? dicts : [nil]
                        for d in choices {
                            for shared in spec.sharedSections {
                                let cell = LabCell(dataset: ds, framing: framing, transforms: t, codec: codec, dictionary: d,
                                                   sharedSection: shared)
                                if seen.insert(cell.key).inserted { out.append(cell) }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
