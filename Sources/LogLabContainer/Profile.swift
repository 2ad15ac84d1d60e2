import Foundation
import LogLabCore
import LogLabCodecs
import LogLabTransforms

/// A frozen compression configuration: transform model, codec and level, framing, zstd
/// dictionary (embedded, or in a file beside the profile, checked by SHA-256), and metadata
/// for humans. Its id is the SHA-256 of the profile file's bytes. Load once, share freely.
public final class Profile: Sendable {
    public let metadata: ProfileMetadata
    public let model: TransformModel
    public let codec: CodecSpec
    public let framing: Framing
    public let dictionary: ZstdDictionary?
    /// The profile file's bytes (what `write` stores, what the id hashes).
    public let bytes: [UInt8]
    public let id: ProfileID

    /// Records per container frame implied by the framing.
    public var recordsPerFrame: Int { FramePipeline.recordsPerFrame(framing) }

    /// Bytes the transform model takes in the profile file (compressed since the `TMOZ` section).
    public var modelStoredBytes: Int {
        (try? ProfileFile.parse(bytes, name: "profile"))?.sections.first { $0.tag == "TMOZ" || $0.tag == "TMOD" }?.bytes.count ?? 0
    }

    /// The serialised transform model as the profile file holds it (the bytes its recorded
    /// SHA-256 names; container shared sections may be stored over them).
    public func modelBytes() throws -> [UInt8] {
        let file = try ProfileFile.parse(bytes, name: "profile")
        if let z = file.section("TMOZ") { return try ModelSection.decompress(z) }
        if let m = file.section("TMOD") { return m }
        throw ContainerError(.badProfile, "profile \(id.short): the transform model (TMOZ or TMOD) is missing")
    }

    /// Bytes of the dictionary the profile ships (embedded or beside it).
    public var dictionaryBytes: Int { dictionary?.bytes.count ?? 0 }

    private init(metadata: ProfileMetadata, model: TransformModel, codec: CodecSpec, framing: Framing,
                 dictionary: ZstdDictionary?, bytes: [UInt8]) {
        self.metadata = metadata
        self.model = model
        self.codec = codec
        self.framing = framing
        self.dictionary = dictionary
        self.bytes = bytes
        self.id = ProfileID.of(bytes)
    }

    /// Builds a profile. With `dictionaryFile`, the dictionary is referenced (by that file
    /// name, its SHA-256 and id) instead of embedded, and `write` stores it beside the profile.
    public static func make(codec: CodecSpec, framing: Framing, model: TransformModel,
                            dictionary: ZstdDictionary?, dictionaryFile: String? = nil,
                            timestampField: String?, training: ProfileMetadata.Training?,
                            source: [String: String]?, sharedSection: Bool = false) throws -> Profile {
        if dictionary != nil && codec.family != .zstd {
            throw ContainerError(.usage, "a dictionary needs a zstd codec, not \(codec)")
        }
        let modelBytes = model.serialized()
        let dictInfo = dictionary.map {
            ProfileMetadata.Dictionary(embedded: dictionaryFile == nil, file: dictionaryFile, bytes: $0.bytes.count,
                                       sha256: $0.sha256, zstdID: $0.id)
        }
        var metadata = ProfileMetadata(
            createdBy: "loglab \(LogLabVersion.current)", codec: codec.description, framing: framing.description,
            transforms: model.selection.description, transformModelBytes: modelBytes.count,
            transformModelSHA256: SHA256Hasher.hex(modelBytes), timestampField: timestampField,
            dictionary: dictInfo, training: training, source: source)
        if sharedSection { metadata.sharedSection = true }
        var sections = [ProfileFile.Section(tag: "META", bytes: try metadata.json()),
                        ProfileFile.Section(tag: "TMOZ", bytes: ModelSection.compress(modelBytes))]
        if let dictionary, dictionaryFile == nil {
            sections.append(ProfileFile.Section(tag: "ZDCT", bytes: dictionary.bytes))
        }
        let bytes = ProfileFile(sections: sections).serialized()
        return Profile(metadata: metadata, model: model, codec: codec, framing: framing,
                       dictionary: dictionary, bytes: bytes)
    }

    /// Loads and checks a profile; an external dictionary is looked up beside it.
    public static func load(path: String) throws -> Profile {
        let bytes: [UInt8]
        do { bytes = try Files.read(path) } catch {
            throw ContainerError(.badProfile, "cannot read profile: \(error)")
        }
        let dir = (path as NSString).deletingLastPathComponent
        return try parse(bytes, name: path) { file in
            try Files.read(dir.isEmpty ? file : dir + "/" + file)
        }
    }

    /// Parses a profile's bytes; `readDictionary` loads an external dictionary file by name.
    public static func parse(_ bytes: [UInt8], name: String,
                             readDictionary: (String) throws -> [UInt8]) throws -> Profile {
        let file = try ProfileFile.parse(bytes, name: name)
        let id = ProfileID.of(bytes)
        func bad(_ what: String) -> ContainerError { ContainerError(.badProfile, "\(name) (profile \(id.short)): \(what)") }
        guard let metaBytes = file.section("META") else { throw bad("the META section is missing") }
        let modelBytes: [UInt8]
        if let z = file.section("TMOZ") {
            do { modelBytes = try ModelSection.decompress(z) } catch { throw bad("cannot read the compressed transform model: \(error)") }
        } else if let m = file.section("TMOD") {
            modelBytes = m
        } else {
            throw bad("the transform model (TMOZ or TMOD) is missing")
        }
        let metadata = try ProfileMetadata.parse(metaBytes, name: name)
        guard metadata.format == "loglab-profile" else { throw bad("metadata format is '\(metadata.format)'") }
        let codec: CodecSpec
        let framing: Framing
        do {
            codec = try CodecSpec(parsing: metadata.codec)
            framing = try Framing(parsing: metadata.framing)
        } catch {
            throw bad("\(error)")
        }
        guard SHA256Hasher.hex(modelBytes) == metadata.transformModelSHA256 else {
            throw bad("the transform model does not match its recorded SHA-256")
        }
        let model: TransformModel
        do { model = try TransformModel(serialized: modelBytes) } catch {
            throw bad("cannot load the transform model: \(error)")
        }
        var dictionary: ZstdDictionary? = nil
        if let info = metadata.dictionary {
            var dictBytes: [UInt8]
            if info.embedded {
                guard let d = file.section("ZDCT") else { throw bad("the embedded dictionary (ZDCT) is missing") }
                dictBytes = d
            } else {
                guard let f = info.file, Self.isValidDictionaryName(f) else {
                    throw bad("the dictionary is neither embedded nor named by a relative path inside the profile's folder")
                }
                do { dictBytes = try readDictionary(f) } catch {
                    throw ContainerError(.dictionary, "\(name): missing dictionary '\(f)' (sha256 \(info.sha256.prefix(12)), id \(info.zstdID)): \(error)")
                }
            }
            let sha = SHA256Hasher.hex(dictBytes)
            guard sha == info.sha256 else {
                throw ContainerError(.dictionary, "\(name): wrong dictionary: sha256 \(sha.prefix(12)), the profile needs \(info.sha256.prefix(12)) (id \(info.zstdID))")
            }
            do { dictionary = try ZstdDictionary(bytes: dictBytes) } catch {
                throw ContainerError(.dictionary, "\(name): cannot load the dictionary: \(error)")
            }
            dictBytes = []
        }
        return Profile(metadata: metadata, model: model, codec: codec, framing: framing,
                       dictionary: dictionary, bytes: bytes)
    }

    /// An external dictionary is named relative to the profile's folder: a file there or in
    /// a subfolder, never an absolute path or one that climbs out with `..`.
    public static func isValidDictionaryName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix("/") && !name.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == ".." || $0.isEmpty }
    }

    /// Writes the profile atomically (and its external dictionary beside it, if any), then
    /// loads it back from disk: a profile that cannot load (or whose dictionary is not found)
    /// is an error here, not when the first container is restored.
    public func write(to path: String) throws {
        if let info = metadata.dictionary, !info.embedded, let file = info.file, let dictionary {
            guard Self.isValidDictionaryName(file) else {
                throw ContainerError(.usage, "dictionary file '\(file)': give a path relative to the profile's folder, without '..'")
            }
            let dir = (path as NSString).deletingLastPathComponent
            let dictPath = dir.isEmpty ? file : dir + "/" + file
            let a = URL(fileURLWithPath: dictPath).standardizedFileURL.resolvingSymlinksInPath().path
            let b = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            guard a != b else {
                throw ContainerError(.usage, "the dictionary file and the profile are the same file (\(path)): give the dictionary another name")
            }
            try Files.writeAtomically(dictionary.bytes, to: dictPath)
        }
        try Files.writeAtomically(bytes, to: path)
        guard Files.kind(of: path) == "regular file" else { return }   // standard output, a pipe
        let loaded: Profile
        do { loaded = try Profile.load(path: path) } catch {
            throw ContainerError(.badProfile, "the profile written to \(path) does not load: \(error)")
        }
        guard loaded.id == id, loaded.dictionary?.sha256 == dictionary?.sha256 else {
            throw ContainerError(.badProfile, "the profile written to \(path) does not read back as written")
        }
    }

    /// One line for messages and `inspect`.
    public var summary: String {
        var s = "profile \(id.short): \(codec), \(framing), transforms \(model.selection)"
        if let d = metadata.dictionary {
            s += ", dictionary \(ByteSize.format(d.bytes)) id \(d.zstdID)\(d.embedded ? "" : " in \(d.file ?? "?")")"
        }
        if metadata.sharesSection { s += ", shared section" }
        return s
    }
}

/// The production `FrameCodec`: a loaded profile shared by every thread; each thread gets
/// its own `FrameCoder` (transform scratch buffers and codec contexts).
public final class ProfileCodec: FrameCodec {
    public let profile: Profile
    public let timestampField: String?
    /// `encodeMessage` appends a CRC-32 (4 bytes) to each message.
    public let messageChecksum: Bool
    /// The container's shared section its frames reference (nil: the profile alone).
    public let shared: SharedSectionContents?
    let coders = CoderPool()
    /// The shared section last decoded through this codec: a container opened again (or
    /// another with the same section) reuses it instead of decoding its model again.
    private let decodedSection = DecodedSectionCache()

    public init(profile: Profile, timestampField: String? = nil, messageChecksum: Bool = false,
                shared: SharedSectionContents? = nil) {
        self.profile = profile
        self.timestampField = timestampField ?? profile.metadata.timestampField
        self.messageChecksum = messageChecksum
        self.shared = shared
    }

    public var profileID: ProfileID { profile.id }
    public var recordsPerFrame: Int { profile.recordsPerFrame }
    public var sharedSection: SharedSection? { shared?.section }
    public var sharesSectionByDefault: Bool { profile.metadata.sharesSection }

    public func makeCoder() throws -> any FrameCoder { ProfileFrameCoder(profile: profile, shared: shared) }

    public func sharing(_ section: SharedSection) throws -> any FrameCodec {
        ProfileCodec(profile: profile, timestampField: timestampField, messageChecksum: messageChecksum,
                     shared: try decodedSection.contents(section, profile: profile))
    }

    public func learnSharedSection(from head: RecordBatch, recordsPerFrame: Int) throws -> any FrameCodec {
        ProfileCodec(profile: profile, timestampField: timestampField, messageChecksum: messageChecksum,
                     shared: try SharedSectionContents.learn(from: head, profile: profile, recordsPerFrame: recordsPerFrame))
    }
}

/// One decoded shared section, reused for sections with the same bytes (decoding depends on
/// the bytes and the profile only).
final class DecodedSectionCache: @unchecked Sendable {
    private let lock = NSLock()
    private var last: SharedSectionContents?

    func contents(_ section: SharedSection, profile: Profile) throws -> SharedSectionContents {
        if let c = lock.withLock({ last }), c.section.bytes == section.bytes { return c }
        let c = try SharedSectionContents.decode(section, profile: profile)
        lock.withLock { last = c }
        return c
    }
}

/// One thread's encoder/decoder pair and codec contexts (created on first use).
public final class ProfileFrameCoder: FrameCoder {
    let profile: Profile
    var encoder: FrameEncoder
    var decoder: FrameDecoder
    var compressor: Compressor?
    var decompressor: Decompressor?

    let dictionary: ZstdDictionary?
    public let sharedSectionID: [UInt8]?

    /// With `shared`, its parts replace the profile's (a part it leaves out stays the profile's).
    public init(profile: Profile, shared: SharedSectionContents? = nil) {
        self.profile = profile
        let model = shared?.model ?? profile.model
        dictionary = shared?.dictionary ?? profile.dictionary
        sharedSectionID = shared?.section.id
        encoder = FrameEncoder(model: model)
        decoder = FrameDecoder(model: model)
    }

    public func transform(_ records: RecordBatch) throws -> [UInt8] { encoder.encode(records) }

    public func transform(_ records: RecordBatch, timeField: TimeField) throws -> (payload: [UInt8], times: TimeSpan) {
        encoder.encode(records, timeField: timeField)
    }

    public func untransform(_ payload: [UInt8], recordCount: Int) throws -> RecordBatch {
        try decoder.decode(payload, recordCount: recordCount)
    }

    public func untransformLines(_ payload: [UInt8], recordCount: Int, into out: inout [UInt8]) throws {
        try decoder.decodeLines(payload, recordCount: recordCount, into: &out)
    }

    /// Compares each record as it is decoded: no `RecordBatch` or copy per verified frame.
    public func restores(_ payload: [UInt8], exactly records: RecordBatch) -> Bool {
        decoder.restores(payload, exactly: records)
    }

    public func compress(_ payload: [UInt8]) throws -> [UInt8] {
        if compressor == nil { compressor = try Compressor(profile.codec, dictionary: dictionary) }
        return try compressor!.compress(payload)
    }

    public func decompress(_ stored: ArraySlice<UInt8>, payloadSize: Int) throws -> [UInt8] {
        if decompressor == nil { decompressor = try Decompressor(profile.codec, dictionary: dictionary) }
        return try decompressor!.decompress(stored, originalSize: payloadSize)
    }

    public func declaredPayloadSize(_ stored: ArraySlice<UInt8>) -> Int? {
        guard profile.codec.family == .zstd else { return nil }
        if decompressor == nil { decompressor = try? Decompressor(profile.codec, dictionary: dictionary) }
        return decompressor?.declaredSize(stored)
    }

    /// Records → one complete frame (header + stored bytes) for embedding services.
    public func encodeFrame(_ records: RecordBatch, verifyTransform: Bool = true) throws -> EncodedFrame {
        try FrameCoding.encode(records, coder: self, verifyTransform: verifyTransform,
                               timestampField: profile.metadata.timestampField.map(TimeField.init))
    }

    /// A frame made by `encodeFrame` → its records, checked.
    public func decodeFrame(_ frame: [UInt8]) throws -> RecordBatch {
        let header = try FrameHeader.parse(frame[...], frame: 0)
        let original = try FrameCoding.decode(header: header, stored: frame[ContainerFormat.frameHeaderSize...],
                                              coder: self, frame: 0)
        return FrameCoding.records(of: original)
    }
}

/// The `TMOZ` profile section: the serialised transform model, compressed.
/// Layout: `u8 method` (1 = zstd level 19, no dictionary), `varint rawLength`, compressed bytes.
enum ModelSection {
    static let codec: CodecSpec = (try? CodecSpec(parsing: "zstd:19")) ?? CodecSpec("zstd")!
    static let maxModelBytes = 1 << 30

    static func compress(_ model: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: model.count / 3 + 16)
        w.u8(1)
        w.varint(model.count)
        let z = (try? Compressor(codec).compress(model)) ?? []
        if z.isEmpty && !model.isEmpty {
            // Unreachable with a working zstd; keep the model readable anyway.
            return [0] + varintBytes(model.count) + model
        }
        w.append(z)
        return w.bytes
    }

    static func decompress(_ section: [UInt8]) throws -> [UInt8] {
        var r = ByteReader(section)
        let method = try r.u8()
        let length = try r.count(limit: maxModelBytes)
        let rest = try r.bytes(r.remaining)
        switch method {
        case 0:
            guard rest.count == length else { throw ContainerError(.badProfile, "model section size mismatch") }
            return Array(rest)
        case 1:
            return try Decompressor(codec).decompress(rest, originalSize: length)
        default:
            throw ContainerError(.badProfile, "unknown model compression method \(method)")
        }
    }

    private static func varintBytes(_ n: Int) -> [UInt8] {
        var w = ByteWriter()
        w.varint(n)
        return w.bytes
    }
}
