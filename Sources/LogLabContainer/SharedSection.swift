import LogLabCodecs
import LogLabCore
import LogLabTransforms

/// A container's shared section (format 2.1, see docs/FORMATS.md): what every frame of the
/// container references instead of the profile's side data. A transform model learned on the
/// container's first records (so this hour's users, nicknames and URLs become references
/// instead of text in every frame) and a zstd dictionary trained on those records' frame
/// payloads. A part the section leaves out is the profile's.
///
/// Layout: `u8 0x02`, `varint bodyLength`, body, `u32le CRC-32` of every byte before it.
/// Body: `u8 parts` (bit 0 model, bit 1 dictionary), then each part present, in that order,
/// as `u8 method`, `varint rawLength`, `varint storedLength`, stored bytes.
public struct SharedSection: Sendable, Equatable {
    public static let code: UInt8 = 2
    /// The container header flag saying a shared section follows the header.
    public static let headerFlag: UInt32 = 1
    public static let idSize = 16
    /// Largest raw part a reader accepts.
    public static let maxPartBytes = 1 << 28

    /// The writer learns the section from the container's first records: at most this many
    /// and at most `learnBytes` of them, every one sampled by the model learner (users and
    /// their values keep arriving: in a 100,000-record container of a 3 M records/day stream,
    /// the users of the first 30,000 records write 56 % of the records, those of the first
    /// 64 MiB, 76,105 records, 90 %). The byte bound binds first at 900-byte records.
    /// Measured there (block:1024, zstd:6): held back 30,000 records, ratio 44.95; 60,000,
    /// 48.73; 64 MiB, 50.38 (file framing 49.38).
    public static let learnRecords = 100_000
    public static let learnBytes = 64 << 20
    /// Dictionary sizes the writer tries (each at most a tenth of the samples' bytes: zstd
    /// needs many times the dictionary's size to train it); it keeps the one whose frames and
    /// stored part are smallest, or none when none pays (`chooseDictionary`).
    public static let dictionarySizes = [16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10]
    /// Dictionary training sample size: payloads are cut into pieces of this many bytes.
    static let sampleBytes = 2048

    /// Model part methods: zstd level 19 alone, or with the profile's serialized model as a
    /// raw-content dictionary (the part then costs about what the container adds to it).
    public enum ModelMethod: UInt8, Sendable { case zstd = 1, zstdOverProfile = 2 }
    /// Dictionary part methods.
    public enum DictionaryMethod: UInt8, Sendable { case stored = 0, zstd = 1 }

    public struct Part: Sendable, Equatable {
        public var method: UInt8
        public var rawLength: Int
        /// Range of the stored bytes in `bytes`.
        public var stored: Range<Int>
    }

    /// Every byte of the section, from its `0x02` through its CRC.
    public let bytes: [UInt8]
    /// The first 16 bytes of the SHA-256 of `bytes`; the container's index records it.
    public let id: [UInt8]
    public let model: Part?
    public let dictionary: Part?

    public var idHex: String { id.hexString }

    static let partCodec: CodecSpec = (try? CodecSpec(parsing: "zstd:19")) ?? CodecSpec("zstd")!

    /// Serializes a section from its parts' stored forms.
    static func make(model: (method: UInt8, raw: Int, stored: [UInt8])?,
                     dictionary: (method: UInt8, raw: Int, stored: [UInt8])?) throws -> SharedSection {
        var body = ByteWriter()
        body.u8((model != nil ? 1 : 0) | (dictionary != nil ? 2 : 0))
        for p in [model, dictionary] {
            guard let p else { continue }
            body.u8(p.method)
            body.varint(p.raw)
            body.varint(p.stored.count)
            body.append(p.stored)
        }
        var w = ByteWriter(capacity: body.count + 16)
        w.u8(code)
        w.varint(body.count)
        w.append(body.bytes)
        w.u32le(CRC32.checksum(w.bytes))
        return try parse(w.bytes)
    }

    /// Bytes of the section's start needed by `length(prefix:)`.
    static let prefixBytes = 11

    /// The section's total length from its first bytes (`prefixBytes`, or all there are).
    static func length(prefix: ArraySlice<UInt8>) throws -> Int {
        var r = ByteReader(prefix)
        do {
            guard try r.u8() == code else { throw ContainerError.corrupt("corrupt container: shared section expected after the header") }
            let body = try r.count(limit: 2 * maxPartBytes + 64)
            return r.position - prefix.startIndex + body + 4
        } catch let e as ByteReaderError {
            throw ContainerError.truncated("truncated container: shared section header: \(e.description)")
        }
    }

    /// Parses and checks a whole section (its CRC and its parts' bounds; not their contents).
    public static func parse(_ bytes: [UInt8]) throws -> SharedSection {
        func corrupt(_ what: String) -> ContainerError { ContainerError.corrupt("corrupt container: shared section \(what)") }
        guard bytes.count >= 7 else { throw ContainerError.truncated("truncated container: shared section cut short") }
        guard try length(prefix: bytes.prefix(prefixBytes)) == bytes.count else { throw corrupt("length does not match its header") }
        let crcAt = bytes.count - 4
        let crc = UInt32(bytes[crcAt]) | UInt32(bytes[crcAt + 1]) << 8 | UInt32(bytes[crcAt + 2]) << 16 | UInt32(bytes[crcAt + 3]) << 24
        guard crc == bytes.withUnsafeBytes({ CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<crcAt])) }) else {
            throw corrupt("checksum mismatch")
        }
        var r = ByteReader(bytes[0..<crcAt])
        do {
            _ = try r.u8()
            _ = try r.varint()
            let parts = try r.u8()
            guard parts & ~3 == 0 else {
                throw ContainerError(.unsupportedVersion, "container shared section holds unknown parts \(parts) (written by a newer version?)")
            }
            func part() throws -> Part {
                let method = try r.u8()
                let raw = try r.count(limit: maxPartBytes)
                let stored = try r.count(limit: r.remaining)
                let start = r.position
                _ = try r.bytes(stored)
                guard stored >= 1, raw >= 1 else { throw corrupt("part is empty") }
                return Part(method: method, rawLength: raw, stored: start..<(start + stored))
            }
            let model = parts & 1 != 0 ? try part() : nil
            let dictionary = parts & 2 != 0 ? try part() : nil
            guard r.isAtEnd else { throw corrupt("has \(r.remaining) trailing bytes") }
            let h = SHA256Hasher()
            h.update(bytes)
            return SharedSection(bytes: bytes, id: Array(h.finalize().prefix(idSize)), model: model, dictionary: dictionary)
        } catch let e as ByteReaderError {
            throw corrupt(e.description)
        }
    }

    private init(bytes: [UInt8], id: [UInt8], model: Part?, dictionary: Part?) {
        self.bytes = bytes
        self.id = id
        self.model = model
        self.dictionary = dictionary
    }

    /// One line for `inspect`.
    public var summary: String {
        var s = "shared section \(ByteSize.format(bytes.count)) id \(idHex.prefix(12))"
        if let m = model {
            s += ", model \(ByteSize.format(m.stored.count)) (\(ByteSize.format(m.rawLength)) raw\(m.method == ModelMethod.zstdOverProfile.rawValue ? ", over the profile's" : ""))"
        }
        if let d = dictionary { s += ", dictionary \(ByteSize.format(d.rawLength)) (\(ByteSize.format(d.stored.count)) stored)" }
        return s
    }
}

/// The shared section's contents, decoded for one profile (what coders use).
public final class SharedSectionContents: Sendable {
    public let section: SharedSection
    public let model: TransformModel?
    public let dictionary: ZstdDictionary?
    /// What the writer measured choosing the parts (nil for a section read back).
    public let choice: SharedSection.Choice?

    init(section: SharedSection, model: TransformModel?, dictionary: ZstdDictionary?, choice: SharedSection.Choice? = nil) {
        self.section = section
        self.model = model
        self.dictionary = dictionary
        self.choice = choice
    }

    /// Decodes `section` against `profile` (the model part may be stored over the profile's model).
    public static func decode(_ section: SharedSection, profile: Profile) throws -> SharedSectionContents {
        func bad(_ what: String) -> ContainerError { ContainerError.corrupt("corrupt container: shared section \(what)") }
        var model: TransformModel? = nil
        if let p = section.model {
            let stored = Array(section.bytes[p.stored])
            let raw: [UInt8]
            do {
                switch p.method {
                case SharedSection.ModelMethod.zstd.rawValue:
                    raw = try Decompressor(SharedSection.partCodec).decompress(stored, originalSize: p.rawLength)
                case SharedSection.ModelMethod.zstdOverProfile.rawValue:
                    let base = try ZstdDictionary(bytes: try profile.modelBytes())
                    raw = try Decompressor(SharedSection.partCodec, dictionary: base).decompress(stored, originalSize: p.rawLength)
                default:
                    throw ContainerError(.unsupportedVersion, "container shared section uses unknown model method \(p.method)")
                }
            } catch let e as ContainerError { throw e } catch {
                throw bad("model cannot be decompressed (written with another profile?): \(error)")
            }
            guard raw.count == p.rawLength else { throw bad("model has the wrong size") }
            do { model = try TransformModel(serialized: raw) } catch { throw bad("model cannot be loaded: \(error)") }
            guard model?.selection == profile.model.selection else {
                throw bad("model uses transforms \(model!.selection), the profile \(profile.model.selection)")
            }
        }
        var dictionary: ZstdDictionary? = nil
        if let p = section.dictionary {
            guard profile.codec.family == .zstd else { throw bad("holds a dictionary but the profile's codec is \(profile.codec)") }
            let stored = Array(section.bytes[p.stored])
            let raw: [UInt8]
            switch p.method {
            case SharedSection.DictionaryMethod.stored.rawValue:
                guard stored.count == p.rawLength else { throw bad("dictionary has the wrong size") }
                raw = stored
            case SharedSection.DictionaryMethod.zstd.rawValue:
                do { raw = try Decompressor(SharedSection.partCodec).decompress(stored, originalSize: p.rawLength) } catch {
                    throw bad("dictionary cannot be decompressed: \(error)")
                }
            default:
                throw ContainerError(.unsupportedVersion, "container shared section uses unknown dictionary method \(p.method)")
            }
            guard raw.count == p.rawLength else { throw bad("dictionary has the wrong size") }
            do { dictionary = try ZstdDictionary(bytes: raw) } catch { throw bad("dictionary cannot be loaded: \(error)") }
        }
        return SharedSectionContents(section: section, model: model, dictionary: dictionary)
    }

    /// Sizes of the model part both ways (measured, for the docs and `inspect -v`):
    /// zstd alone and zstd over the profile's model.
    public static func modelPartSizes(_ model: TransformModel, profile: Profile) throws -> (alone: Int, overProfile: Int) {
        let raw = model.serialized()
        let alone = try Compressor(SharedSection.partCodec).compress(raw).count
        let base = try ZstdDictionary(bytes: try profile.modelBytes())
        let over = try Compressor(SharedSection.partCodec, dictionary: base).compress(raw).count
        return (alone, over)
    }

    /// Learns a section from the container's first records (`SharedSection.head(of:)` of
    /// them): a model learned on them and, for a zstd profile, a dictionary trained on the
    /// payloads of their frames (of `recordsPerFrame`). Each part is kept only when it pays
    /// for itself on those frames (see `SharedSection.Choice`). The one way writer and lab learn it.
    public static func learn(from head: RecordBatch, profile: Profile, recordsPerFrame: Int) throws -> SharedSectionContents {
        let selection = profile.model.selection
        let frames = FrameGrouping.frames(of: head, perFrame: recordsPerFrame)
        var modelPart: SharedSection.StoredPart? = nil
        var choice = SharedSection.Choice(records: head.count, frames: frames.count)
        // Frames as the profile alone codes them: what every part must beat.
        var payloads = SharedSection.payloads(head, frames: frames, model: profile.model)
        var bytes = try SharedSection.compressedBytes(payloads, codec: profile.codec, dictionary: profile.dictionary)
        choice.profileFrameBytes = bytes.reduce(0, +)
        if !selection.isNone && head.count > 0 {
            // Scored on every held-back record: they are the records it will code.
            let m = FramePipeline.learnModel(from: head, selection: selection, sampleLimit: head.count,
                                             heldOut: false)
            let raw = m.serialized()
            let alone = try Compressor(SharedSection.partCodec).compress(raw)
            let base = try ZstdDictionary(bytes: try profile.modelBytes())
            let over = try Compressor(SharedSection.partCodec, dictionary: base).compress(raw)
            let part = over.count < alone.count
                ? (SharedSection.ModelMethod.zstdOverProfile.rawValue, raw.count, over)
                : (SharedSection.ModelMethod.zstd.rawValue, raw.count, alone)
            let own = SharedSection.payloads(head, frames: frames, model: m)
            let ownBytes = try SharedSection.compressedBytes(own, codec: profile.codec, dictionary: profile.dictionary)
            choice.modelFrameBytes = ownBytes.reduce(0, +)
            choice.modelPartBytes = part.2.count
            // The model stays when the frames it codes, with the part, are smaller than the
            // frames the profile's model codes.
            if choice.modelFrameBytes! + part.2.count < choice.profileFrameBytes {
                modelPart = part
                payloads = own
                bytes = ownBytes
            }
        }
        var dictPart: SharedSection.StoredPart? = nil
        if profile.codec.family == .zstd && head.count > 0 {
            let d = try SharedSection.chooseDictionary(payloads: payloads, bytes: bytes, profile: profile, choice: &choice)
            if let d {
                let raw = d.bytes
                let z = try Compressor(SharedSection.partCodec).compress(raw)
                dictPart = z.count < raw.count ? (SharedSection.DictionaryMethod.zstd.rawValue, raw.count, z)
                                               : (SharedSection.DictionaryMethod.stored.rawValue, raw.count, raw)
            }
        }
        let section = try SharedSection.make(model: modelPart, dictionary: dictPart)
        // Decoded back from its bytes: the writer codes with exactly what a reader will load.
        let read = try decode(section, profile: profile)
        return SharedSectionContents(section: section, model: read.model, dictionary: read.dictionary, choice: choice)
    }
}

extension SharedSection {
    typealias StoredPart = (method: UInt8, raw: Int, stored: [UInt8])

    /// What the writer measured on the held-back records' frames to choose the parts.
    public struct Choice: Sendable, Equatable {
        public struct Trial: Sendable, Equatable {
            /// Dictionary size asked for and the stored part's bytes.
            public var size: Int
            public var partBytes: Int
            /// The scored frames' codec output with it.
            public var frameBytes: Int
        }
        public var records: Int
        public var frames: Int
        /// The held-back frames' codec output with the profile's model and dictionary.
        public var profileFrameBytes = 0
        /// The same with the section's model (nil: none learned), and its stored part.
        public var modelFrameBytes: Int?
        public var modelPartBytes: Int?
        /// Frames that scored the dictionaries (the held-back ones, which trained them) and
        /// their codec output without a section dictionary.
        public var scoredFrames = 0
        public var scoredFrameBytes = 0
        public var trials: [Trial] = []

        /// One line: what each part saves or costs.
        public var summary: String {
            var s = "section chosen on \(records) held-back records (\(frames) frames): profile alone \(profileFrameBytes) B"
            if let f = modelFrameBytes, let p = modelPartBytes { s += "; own model \(f) B + part \(p) B" }
            if !trials.isEmpty {
                s += "; dictionaries on \(scoredFrames) scored frames (\(scoredFrameBytes) B without): "
                s += trials.map { "\($0.size >> 10) KiB \($0.frameBytes) B + part \($0.partBytes) B" }.joined(separator: ", ")
            }
            return s
        }
    }

    /// The payloads of `head`'s `frames` as `model` codes them.
    static func payloads(_ head: RecordBatch, frames: [Range<Int>], model: TransformModel) -> [[UInt8]] {
        var encoder = FrameEncoder(model: model)
        return frames.map { encoder.encode(head.slice($0)) }
    }

    /// Each payload's size compressed alone, as a frame stores it.
    static func compressedBytes<C: Collection>(_ payloads: C, codec: CodecSpec, dictionary: ZstdDictionary?) throws -> [Int]
        where C.Element == [UInt8] {
        let c = try Compressor(codec, dictionary: dictionary)
        return try payloads.map { try c.compress($0).count }
    }

    /// Dictionary training samples: payloads cut into `sampleBytes` pieces.
    static func samples<C: Collection>(_ payloads: C) -> RecordBatch where C.Element == [UInt8] {
        var samples = RecordBatch()
        for p in payloads {
            var at = 0
            while at < p.count { samples.append(p[at..<min(p.count, at + sampleBytes)]); at += sampleBytes }
        }
        return samples
    }

    /// The dictionary part's stored size: zstd when smaller.
    static func storedSize(_ dictionary: ZstdDictionary) throws -> Int {
        min(dictionary.bytes.count, try Compressor(partCodec).compress(dictionary.bytes).count)
    }

    /// The container dictionary that pays for itself, or nil (frames then use the profile's,
    /// if any): of the sizes of `dictionarySizes`, each trained on the held-back frames'
    /// `payloads`, the one whose frames (their codec output) and stored part are smallest,
    /// when that is less than the frames without it (`bytes`, each frame's codec output
    /// without a section dictionary). Scored on the frames it was trained on: those are the
    /// container's first frames, so their cost is exact; later frames gain less from it.
    /// The largest size searches zstd's segment size k; the others reuse its k and d.
    static func chooseDictionary(payloads: [[UInt8]], bytes: [Int], profile: Profile, choice: inout Choice) throws -> ZstdDictionary? {
        let training = samples(payloads)
        choice.scoredFrames = payloads.count
        choice.scoredFrameBytes = bytes.reduce(0, +)
        var best: ZstdDictionary? = nil
        var bestCost = choice.scoredFrameBytes
        // At most a tenth of the samples' bytes; below 1 KiB no dictionary is tried.
        let sizes = Set(dictionarySizes.map { min($0, training.totalBytes / 10) }).filter { $0 >= 1024 }.sorted(by: >)
        var options = DictionaryTrainingOptions(algorithm: .fastcover, level: profile.codec.level)
        for size in sizes {
            options.size = size
            guard let trained = try? DictionaryTrainer.train(samples: training, options: options) else { continue }
            (options.k, options.d) = (trained.k, trained.d)
            let d = trained.dictionary
            let part = try storedSize(d)
            let frameBytes = try compressedBytes(payloads, codec: profile.codec, dictionary: d).reduce(0, +)
            choice.trials.append(.init(size: size, partBytes: part, frameBytes: frameBytes))
            if frameBytes + part < bestCost { bestCost = frameBytes + part; best = d }
        }
        return best
    }

    /// The learning window: the writer holds back records while fewer than `records` are held
    /// and their bytes (with line ends) stay below `bytes`.
    public struct Window: Sendable, Equatable {
        public var records: Int
        public var bytes: Int
        public init(records: Int, bytes: Int) {
            self.records = max(1, records)
            self.bytes = max(1, bytes)
        }
        public static let standard = Window(records: learnRecords, bytes: learnBytes)

        /// Whether `count` records of `bytes` bytes fill the window (the writer stops holding back).
        public func isFull(count: Int, bytes held: Int) -> Bool { count >= records || held >= bytes }
    }

    /// How many of `records` the writer holds back to learn the section from (`Window.standard`).
    public static func headCount(of records: RecordBatch) -> Int {
        var bytes = 0
        for i in 0..<records.count {
            if Window.standard.isFull(count: i, bytes: bytes) { return i }
            bytes += records.range(of: i).count + 1
        }
        return records.count
    }
}
