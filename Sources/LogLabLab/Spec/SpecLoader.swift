import Foundation
import LogLabCore

/// Loads an experiment spec: YAML, `include:` resolution (the including file's keys win,
/// mappings merge deeply), the `quick:` block when asked, then validation of every field.
/// Errors name the file, line and column of the offending node and say why.
public enum SpecLoader {
    static let topKeys = ["name", "question", "notes", "include", "datasets", "framings", "transforms", "codecs",
                          "dictionaries", "dictionary_counted", "shared_section", "trials", "warmup", "objective", "cost", "quick", "search"]

    public static func load(path: String, quick: Bool = false) throws -> ExperimentSpec {
        let tree = try resolveIncludes(path: path, depth: 0, chain: [])
        let defaultName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try decode(tree, quick: quick, defaultName: defaultName, baseDirectory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    public static func parse(_ text: String, file: String = "spec.yaml", quick: Bool = false, baseDirectory: String = ".") throws -> ExperimentSpec {
        let node = try YNode.parse(text, file: file)
        let defaultName = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return try decode(node, quick: quick, defaultName: defaultName, baseDirectory: baseDirectory)
    }

    /// Reads `path` and merges what it includes beneath it. `name` is never inherited.
    static func resolveIncludes(path: String, depth: Int, chain: [String]) throws -> YNode {
        let canonical = URL(fileURLWithPath: path).standardizedFileURL.path
        guard !chain.contains(canonical) else {
            throw SpecError("include cycle: \((chain + [canonical]).joined(separator: " → "))", at: nil)
        }
        var node = try YNode.load(path: path)
        guard case .mapping(let pairs, let l) = node else {
            throw SpecError("a spec must be a mapping of keys (name:, datasets:, codecs:, …)", at: node.location)
        }
        if let inc = pairs.first(where: { $0.key == "include" }) {
            let rel = try inc.value.string("include")
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
            let target = rel.hasPrefix("/") ? rel : dir.appendingPathComponent(rel).path
            guard FileManager.default.fileExists(atPath: target) else {
                throw SpecError("include: no such spec '\(rel)'", at: inc.value.location)
            }
            var base = try resolveIncludes(path: target, depth: depth + 1, chain: chain + [canonical])
            if case .mapping(let bp, let bl) = base {
                base = .mapping(bp.filter { $0.key != "name" && $0.key != "include" }, bl)
            }
            node = YNode.merge(base, .mapping(pairs.filter { $0.key != "include" }, l))
        }
        return node
    }

    static func decode(_ root: YNode, quick: Bool, defaultName: String, baseDirectory: String) throws -> ExperimentSpec {
        var root = root
        let top = try MappingReader(root, context: "the spec", allowed: topKeys)
        if let q = top["quick"] {
            _ = try MappingReader(q, context: "quick", allowed: topKeys.filter { !["quick", "include", "name"].contains($0) })
            if quick {
                root = YNode.merge(root, q)
            }
        }
        let hash = SHA256Hasher.hex(Array(root.canonical.utf8) + Array("quick=\(quick)".utf8))
        let m = try MappingReader(root, context: "the spec", allowed: topKeys)

        let name = try m["name"]?.string("name") ?? defaultName
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw SpecError("name must be letters, digits, '-', '_' or '.', got '\(name)'", at: m["name"]?.location)
        }
        let question = try m["question"]?.string("question") ?? "Which configuration stores \(name) smallest?"
        let notes = try m["notes"]?.string("notes")

        let datasets = try decodeDatasets(try m.required("datasets"), baseDirectory: baseDirectory)
        let framings = try decodeFramings(m["framings"])
        let transforms = try decodeTransforms(m["transforms"])
        let codecs = try decodeCodecs(try m.required("codecs"))
        let dictionaries = try decodeDictionaries(m["dictionaries"])
        var search: SearchMode? = nil
        if let n = m["search"] {
            let s = try n.string("search")
            guard let v = SearchMode(rawValue: s) else {
                throw SpecError("search must be grid (every cell) or auto (the profile search over the grid's axes), got '\(s)'", at: n.location)
            }
            search = v == .grid ? nil : v
        }
        // The search counts the model and dictionary in every candidate's size; so does its report.
        var counted = search == .auto ? DictionaryAccounting.always : DictionaryAccounting.auto
        if let c = m["dictionary_counted"] {
            let s = try c.string("dictionary_counted")
            guard let v = DictionaryAccounting(rawValue: s) else {
                throw SpecError("dictionary_counted must be auto, always or never, got '\(s)'", at: c.location)
            }
            counted = v
        }
        let trials = try m["trials"]?.int("trials", min: 1, max: 1000) ?? 5
        let warmup = try m["warmup"]?.int("warmup", min: 0, max: 100) ?? 1
        var objective = try decodeObjective(m["objective"])
        if search == .auto {
            // The report's winner is the search's choice: the same floors as constraints.
            let has = { (ms: [Metric]) in objective.constraints.contains { $0.atLeast && ms.contains($0.metric) } }
            if !has([.compressMBps, .compressCPUMBps]) {
                objective.constraints.append(Constraint(metric: .compressCPUMBps, atLeast: true, value: SpeedFloors.standard.compressMBps))
            }
            if !has([.restoreMBps, .restoreCPUMBps]) {
                objective.constraints.append(Constraint(metric: .restoreCPUMBps, atLeast: true, value: SpeedFloors.standard.restoreMBps))
            }
        }
        let cost = try decodeCost(m["cost"])
        if dictionaries.contains(where: { $0 != nil }) && !codecs.contains(where: { GridExpansion.dictionaryFamilies.contains(String($0.split(separator: ":")[0])) }) {
            throw SpecError("dictionaries are listed but no codec takes one (only zstd does)", at: m["dictionaries"]?.location)
        }
        var spec = ExperimentSpec(name: name, question: question, notes: notes, datasets: datasets, framings: framings,
                                  transforms: transforms, codecs: codecs, dictionaries: dictionaries, dictionaryCounted: counted,
                                  trials: trials, warmup: warmup, objective: objective, cost: cost, quick: quick, specHash: hash,
                                  search: search)
        if let n = m["shared_section"] {
            var shared: [Bool] = []
            for item in n.items {
                let b = try item.bool("shared_section")
                if !shared.contains(b) { shared.append(b) }
            }
            guard !shared.isEmpty else { throw SpecError("shared_section is empty", at: n.location) }
            guard !shared.contains(true) || search != .auto else {
                throw SpecError("shared_section cannot be combined with search: auto (the search measures profiles, not containers)", at: n.location)
            }
            spec.sharedSections = shared
        }
        spec.baseDirectory = baseDirectory
        return spec
    }

    // MARK: datasets

    static func decodeDatasets(_ node: YNode, baseDirectory: String) throws -> [DatasetSpec] {
        guard case .sequence(let items, _) = node, !items.isEmpty else {
            throw SpecError("datasets must be a non-empty list", at: node.location)
        }
        var names = Set<String>()
        return try items.map { item in
            let r = try MappingReader(item, context: "a dataset",
                                      allowed: ["name", "generate", "path", "catalog", "optional", "skip", "limit", "split", "train", "train_records", "test_records"])
            let name = try r.required("name").string("dataset name")
            guard !name.isEmpty, !name.contains("|"), !name.contains("@") else {
                throw SpecError("dataset name must be non-empty without '|' or '@'", at: r["name"]?.location)
            }
            guard names.insert(name).inserted else {
                throw SpecError("dataset name '\(name)' is used twice", at: r["name"]?.location)
            }
            let sources = ["generate", "path", "catalog"].filter { r[$0] != nil }
            guard sources.count == 1 else {
                throw SpecError("dataset '\(name)' needs exactly one of generate, path or catalog", at: r.location)
            }
            let source = try decodeSource(r)
            let skip = try r["skip"]?.int("skip", min: 0)
            let limit = try r["limit"]?.int("limit", min: 1)
            let split: SplitSpec
            if let t = r["train"] {
                guard r["split"] == nil else {
                    throw SpecError("dataset '\(name)': use either split or train (a separate training source), not both", at: t.location)
                }
                let tr = try MappingReader(t, context: "train", allowed: ["generate", "path", "catalog", "optional", "skip", "limit"])
                guard ["generate", "path", "catalog"].filter({ tr[$0] != nil }).count == 1 else {
                    throw SpecError("dataset '\(name)': train needs exactly one of generate, path or catalog", at: tr.location)
                }
                split = .source(try decodeSource(tr), skip: try tr["skip"]?.int("train.skip", min: 0),
                                limit: try tr["limit"]?.int("train.limit", min: 1))
            } else {
                split = try decodeSplit(r["split"])
            }
            return DatasetSpec(name: name, source: source, skip: skip, limit: limit, split: split,
                               trainRecords: try r["train_records"]?.int("train_records", min: 1),
                               testRecords: try r["test_records"]?.int("test_records", min: 1))
        }
    }

    /// The one source key of a dataset (or of its `train:`): generate, path or catalog.
    static func decodeSource(_ r: MappingReader) throws -> DatasetSource {
        let optional = try r["optional"]?.bool("optional") ?? false
        if let g = r["generate"] { return .generated(try decodeGenerator(g)) }
        if let p = r["path"] {
            let path = try p.string("path")
            guard !path.isEmpty else { throw SpecError("path is empty", at: p.location) }
            return .file(path: path, optional: optional)
        }
        return .catalog(try r.required("catalog").string("catalog"), optional: optional)
    }

    /// Generator options (validated here for shape; the generator checks its own ranges).
    static let generatorKeys = ["records", "seed", "days", "start", "apps", "users", "functions", "anomalies_per_million",
                                "evolving", "new_users_per_day", "slice_rate", "slice_hour", "slice_curve"]

    static func decodeGenerator(_ node: YNode) throws -> [String: String] {
        let r = try MappingReader(node, context: "generate", allowed: generatorKeys)
        var out: [String: String] = [:]
        for (k, _, v) in r.pairs {
            switch k {
            case "records": out[k] = String(try v.int("generate.records", min: 1, max: 50_000_000))
            case "seed": out[k] = String(try v.int("generate.seed", min: 0))
            case "days": out[k] = String(try v.int("generate.days", min: 1, max: 366))
            case "apps", "users", "functions", "anomalies_per_million", "new_users_per_day", "slice_rate", "slice_hour": out[k] = String(try v.int("generate.\(k)", min: 0))
            case "evolving", "slice_curve": out[k] = String(try v.bool("generate.\(k)"))
            case "start":
                let s = try v.string("generate.start")
                guard s.count == 10, s.split(separator: "-").count == 3 else {
                    throw SpecError("generate.start must be a date like 2021-12-26, got '\(s)'", at: v.location)
                }
                out[k] = s
            default: out[k] = try v.string("generate.\(k)")
            }
        }
        guard out["records"] != nil else { throw SpecError("generate needs 'records'", at: node.location) }
        do { _ = try DefaultRecordProvider.generatorOptions(out) } catch { throw SpecError("\(error)", at: node.location) }
        return out
    }

    static func decodeSplit(_ node: YNode?) throws -> SplitSpec {
        guard let node else { return .fraction(0.5) }
        if case .scalar(let s, _, _) = node {
            if s == "same" { return .same }
            throw SpecError("split must be 'same' or a mapping with 'train' (fraction) or 'train_days'/'test_days'", at: node.location)
        }
        let r = try MappingReader(node, context: "split", allowed: ["train", "field", "train_days", "test_days", "each_test_day"])
        if let t = r["train"] {
            guard r["train_days"] == nil, r["test_days"] == nil else {
                throw SpecError("split: use either 'train' (a fraction) or 'train_days'/'test_days', not both", at: r.location)
            }
            let f = try t.double("split.train")
            guard f > 0, f < 1 else { throw SpecError("split.train is the training fraction and must be between 0 and 1 (exclusive), got \(f)", at: t.location) }
            return .fraction(f)
        }
        let trainDays = try days(try r.required("train_days"), "split.train_days")
        let testDays = try days(try r.required("test_days"), "split.test_days")
        if let overlap = Set(trainDays).intersection(testDays).min() {
            throw SpecError("day \(overlap) is in both train_days and test_days", at: r["test_days"]?.location)
        }
        return .days(field: try r["field"]?.string("split.field") ?? "timestamp", train: trainDays, test: testDays,
                     eachTestDay: try r["each_test_day"]?.bool("split.each_test_day") ?? false)
    }

    /// "1", [1, 2], "2-7".
    static func days(_ node: YNode, _ what: String) throws -> [Int] {
        var out: [Int] = []
        for item in node.items {
            let s = try item.string(what)
            let parts = s.split(separator: "-", omittingEmptySubsequences: false)
            if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) {
                guard a >= 1, b >= a else { throw SpecError("\(what): range '\(s)' must be N-M with 1 ≤ N ≤ M", at: item.location) }
                out += Array(a...b)
            } else {
                out.append(try item.int(what, min: 1))
            }
        }
        guard !out.isEmpty else { throw SpecError("\(what) is empty", at: node.location) }
        return Array(Set(out)).sorted()
    }

    // MARK: grid axes

    static func decodeFramings(_ node: YNode?) throws -> [Framing] {
        guard let node else { return [.record] }
        var out: [Framing] = []
        for item in node.items {
            let s = try item.string("framing")
            do {
                let f = try Framing(parsing: s)
                if !out.contains(f) { out.append(f) }
            } catch {
                throw SpecError("\(error)", at: item.location)
            }
        }
        guard !out.isEmpty else { throw SpecError("framings is empty", at: node.location) }
        return out
    }

    static func decodeTransforms(_ node: YNode?) throws -> [String] {
        guard let node else { return ["none"] }
        var out: [String] = []
        for item in node.items {
            let s = try item.string("transforms")
            for t in Spellings.expandTransforms(s) ?? [s] {
                do {
                    let c = try Spellings.transforms(t)
                    if !out.contains(c) { out.append(c) }
                } catch {
                    throw SpecError("\(error)", at: item.location)
                }
            }
        }
        guard !out.isEmpty else { throw SpecError("transforms is empty", at: node.location) }
        return out
    }

    /// Entries: "zstd:3", or `zstd: [1, 3, 19]`, or `{family: zstd, levels: [1, 3]}`.
    static func decodeCodecs(_ node: YNode) throws -> [String] {
        var out: [String] = []
        func add(_ spelling: String, _ at: SourceLocation) throws {
            do {
                let c = try Spellings.codec(spelling)
                if !out.contains(c) { out.append(c) }
            } catch {
                throw SpecError("\(error)", at: at)
            }
        }
        for item in node.items {
            switch item {
            case .scalar(let s, _, let l):
                try add(s, l)
            case .mapping(let pairs, let l):
                if pairs.contains(where: { $0.key == "family" }) {
                    let r = try MappingReader(item, context: "a codec entry", allowed: ["family", "levels"])
                    let fam = try r.required("family").string("family")
                    for lv in try r.required("levels").items {
                        try add("\(fam):\(try lv.string("level"))", lv.location)
                    }
                } else {
                    guard pairs.count == 1, let p = pairs.first else {
                        throw SpecError("a codec entry is 'family: [levels]' (one family per entry)", at: l)
                    }
                    guard Spellings.codecFamilies.contains(p.key) else {
                        throw SpecError("unknown codec family '\(p.key)'; known: \(Spellings.codecFamilies.joined(separator: ", "))", at: p.keyLocation)
                    }
                    if p.value.isNull {
                        throw SpecError("codec '\(p.key)' needs levels, like \(p.key): [1, 6]", at: p.value.location)
                    }
                    for lv in p.value.items {
                        try add("\(p.key):\(try lv.string("level"))", lv.location)
                    }
                }
            case .sequence(_, let l):
                throw SpecError("a codec entry is a spelling like 'zstd:3' or 'zstd: [1, 3]', not a nested list", at: l)
            }
        }
        guard !out.isEmpty else { throw SpecError("codecs is empty", at: node.location) }
        return out
    }

    static let trainers = ["fastcover", "cover", "legacy"]
    static let trainerParams = ["k", "d", "f", "steps", "accel", "split"]

    /// Entries: `none`, or a mapping with trainer, sizes, training_records, level, params.
    static func decodeDictionaries(_ node: YNode?) throws -> [DictionaryVariant?] {
        guard let node else { return [nil] }
        var out: [DictionaryVariant?] = []
        func add(_ v: DictionaryVariant?) { if !out.contains(v) { out.append(v) } }
        for item in node.items {
            if case .scalar(let s, _, let l) = item {
                guard s == "none" else { throw SpecError("a dictionary entry is 'none' or a mapping with trainer and sizes, got '\(s)'", at: l) }
                add(nil)
                continue
            }
            let r = try MappingReader(item, context: "a dictionary entry",
                                      allowed: ["trainer", "sizes", "training_records", "level", "params"])
            let trainer = try r["trainer"]?.string("trainer").lowercased() ?? "fastcover"
            guard trainers.contains(trainer) else {
                throw SpecError("unknown dictionary trainer '\(trainer)'; known: \(trainers.joined(separator: ", "))", at: r["trainer"]?.location)
            }
            let sizeNodes = try r.required("sizes").items
            let sizes = try sizeNodes.map { try $0.size("dictionary size", min: 256) }
            for (s, n) in zip(sizes, sizeNodes) where s > 1 << 20 {
                throw SpecError("dictionary size \(ByteSize.format(s)) is larger than 1 MiB, the trainer's limit", at: n.location)
            }
            let counts: [Int?] = try r["training_records"].map { try $0.items.map { n -> Int? in
                if case .scalar("all", _, _) = n { return nil }
                return try n.int("training_records", min: 5)
            } } ?? [nil]
            var level: Int? = nil
            if let lv = r["level"], try lv.string("level") != "cell" {
                level = try lv.int("dictionary level", min: -7, max: 22)
            }
            var params: [String: String] = [:]
            if let p = r["params"] {
                let pr = try MappingReader(p, context: "dictionary params", allowed: trainerParams)
                for (k, _, v) in pr.pairs {
                    switch k {
                    case "k":
                        let kv = try v.int("k (segment size; 0 searches)", min: 0, max: 2048)
                        guard kv == 0 || kv >= 16 else { throw SpecError("k must be 16…2048 (or 0 to search), got \(kv)", at: v.location) }
                        params[k] = String(kv)
                    case "d":
                        let d = try v.int("d (dmer size)", min: 0, max: 16)
                        guard d == 0 || d == 6 || d == 8 else { throw SpecError("d must be 6 or 8 (or 0 to search), got \(d)", at: v.location) }
                        params[k] = String(d)
                    case "f": params[k] = String(try v.int("f (fastcover log2 table size)", min: 1, max: 31))
                    case "steps": params[k] = String(try v.int("steps", min: 1, max: 1000))
                    case "accel": params[k] = String(try v.int("accel", min: 1, max: 10))
                    default:
                        let f = try v.double("split")
                        guard f > 0, f <= 1 else { throw SpecError("split must be in (0, 1], got \(f)", at: v.location) }
                        params[k] = String(f)
                    }
                }
                if trainer == "legacy", let bad = params.keys.sorted().first(where: { $0 != "split" && $0 != "k" && $0 != "d" }) {
                    throw SpecError("the legacy trainer takes no '\(bad)' parameter", at: p.location)
                }
            }
            for s in sizes {
                for n in counts {
                    add(DictionaryVariant(trainer: trainer, size: s, trainingRecords: n, level: level, params: params))
                }
            }
        }
        guard !out.isEmpty else { throw SpecError("dictionaries is empty", at: node.location) }
        return out
    }

    // MARK: objective and cost

    static func decodeObjective(_ node: YNode?) throws -> Objective {
        guard let node else { return Objective() }
        let r = try MappingReader(node, context: "objective", allowed: ["minimize", "maximize", "constraints"])
        var o = Objective()
        switch (r["minimize"], r["maximize"]) {
        case (.some, .some): throw SpecError("objective: give minimize or maximize, not both", at: r.location)
        case (let n?, nil), (nil, let n?):
            let s = try n.string("objective metric")
            guard let metric = Metric(rawValue: s) else {
                throw SpecError("unknown metric '\(s)'; known: \(Metric.allCases.map(\.rawValue).joined(separator: ", "))", at: n.location)
            }
            o.metric = metric
            o.minimize = r["minimize"] != nil
        case (nil, nil): break
        }
        if let c = r["constraints"] {
            o.constraints = try c.items.map { item in
                do { return try Constraint(parsing: try item.string("constraint")) } catch let e as SpecError {
                    throw SpecError(e.reason, at: item.location)
                }
            }
        }
        return o
    }

    static func decodeCost(_ node: YNode?) throws -> CostModel {
        var c = CostModel()
        guard let node else { return c }
        let r = try MappingReader(node, context: "cost", allowed: ["daily_volume", "retention_days", "storage_per_gb_month",
                                                                   "compute_per_core_hour", "restore_fraction", "days_per_month", "currency"])
        if let v = r["daily_volume"] {
            let b = try v.size("daily_volume")
            guard b > 0 else { throw SpecError("daily_volume must be more than 0 bytes", at: v.location) }
            c.dailyVolumeBytes = Double(b)
        }
        if let v = r["retention_days"] { c.retentionDays = try v.double("retention_days", positive: true) }
        if let v = r["storage_per_gb_month"] { c.storagePricePerGBMonth = try v.double("storage_per_gb_month", min: 0) }
        if let v = r["compute_per_core_hour"] { c.computePricePerCoreHour = try v.double("compute_per_core_hour", min: 0) }
        if let v = r["restore_fraction"] { c.restoreFraction = try v.double("restore_fraction", min: 0) }
        if let v = r["days_per_month"] {
            c.daysPerMonth = try v.double("days_per_month", positive: true)
            guard c.daysPerMonth <= 31 else { throw SpecError("days_per_month must be at most 31", at: v.location) }
        }
        if let v = r["currency"] { c.currency = try v.string("currency") }
        return c
    }
}
