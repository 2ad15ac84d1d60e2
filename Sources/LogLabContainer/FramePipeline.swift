import Foundation
import LogLabCodecs
import LogLabCore
import LogLabTransforms

/// The one frame pipeline: records → transforms → frame payload → codec → framed bytes.
/// `ProfileTrainer` learns side data through it, `ContainerWriter` writes through it, and
/// the lab measures it (so a cell's bytes are the bytes `loglab compress` writes).
public enum FramePipeline {
    /// The one way to learn a model for a configuration.
    public static func learnModel(from records: RecordBatch, selection: TransformSelection,
                                  sampleLimit: Int? = nil, heldOut: Bool = true) -> TransformModel {
        TransformModel.learn(from: records, selection: selection, fieldSampleLimit: sampleLimit, heldOut: heldOut)
    }

    /// Records per container frame for a framing.
    public static func recordsPerFrame(_ framing: Framing) -> Int {
        switch framing {
        case .record: 1
        case .block(let n): max(1, min(n, ContainerFormat.maxRecordsPerFrame))
        case .file: ContainerFormat.maxRecordsPerFrame
        }
    }

    /// Records per dictionary sample: a dictionary pays for the start of small frames, so
    /// samples are frames of at most 8 records (one record for `record` framing).
    public static func recordsPerSample(_ framing: Framing) -> Int {
        min(recordsPerFrame(framing), 8)
    }

    /// The one way to build dictionary samples: the training records framed like the
    /// container frames them (at most `recordsPerSample` records) and encoded by the model,
    /// i.e. exactly the payloads the codec will see.
    public static func dictionarySamples(_ records: RecordBatch, model: TransformModel, framing: Framing) -> RecordBatch {
        let per = recordsPerSample(framing)
        var encoder = FrameEncoder(model: model)
        var samples = RecordBatch(reservingBytes: records.totalBytes + records.count * 4, records: (records.count + per - 1) / per)
        var start = 0
        while start < records.count {
            let end = min(start + per, records.count)
            samples.append(encoder.encode(records.slice(start..<end)))
            start = end
        }
        return samples
    }

    /// The one way to train a dictionary for a configuration.
    public static func trainDictionary(_ records: RecordBatch, model: TransformModel, framing: Framing,
                                       options: DictionaryTrainingOptions) throws -> TrainedDictionary {
        try DictionaryTrainer.train(samples: dictionarySamples(records, model: model, framing: framing), options: options)
    }

    /// The codec a container of `records` is written with when it has a shared section:
    /// learned from the records the writer holds back (`SharedSection.headCount`), as
    /// `ContainerWriter` does.
    public static func sharedCodec(_ codec: any FrameCodec, records: RecordBatch, perFrame: Int) throws -> any FrameCodec {
        let n = SharedSection.headCount(of: records)
        guard n > 0 else { return codec }
        return try codec.learnSharedSection(from: records.slice(0..<n), recordsPerFrame: perFrame)
    }

    /// A whole container of `records` built in memory on the calling thread, through the
    /// same frame grouping, frame encoding and layout as `ContainerWriter`.
    public struct Built {
        public var bytes: [UInt8]
        public var summary: ContainerSummary
        /// The codec's output, summed over frames (no headers, index or trailer).
        public var storedBytes: Int
        /// Bytes handed to the codec (frame payloads), summed.
        public var payloadBytes: Int
        public var frames: [EncodedFrame]
    }

    /// Builds a container from `records` split into `frames` (from `FrameGrouping.frames`).
    /// A codec with a shared section (`FrameCodec.learnSharedSection`) writes it after the header.
    public static func build(_ records: RecordBatch, frames: [Range<Int>], codec: any FrameCodec, coder: any FrameCoder,
                             verifyTransforms: Bool = true, keepFrames: Bool = false, finalNewline: Bool = true) throws -> Built {
        let field = codec.timestampField ?? ""
        let needle: TimeField? = field.isEmpty ? nil : TimeField(field)
        let perFrame = max(1, min(codec.recordsPerFrame, ContainerFormat.maxRecordsPerFrame))
        var out = ContainerAssembler.header(profileID: codec.profileID, recordsPerFrame: perFrame, shared: codec.sharedSection)
        var assembler = ContainerAssembler(recordsPerFrame: perFrame, timestampField: field, shared: codec.sharedSection)
        var stored = 0, payload = 0
        var kept: [EncodedFrame] = []
        for r in frames {
            let frame = try FrameCoding.encode(records.slice(r), coder: coder, verifyTransform: verifyTransforms, timestampField: needle)
            stored += frame.stored.count
            payload += Int(frame.header.payloadSize)
            if let sealed = assembler.add(frame, payloadImplicit: frame.payloadImplicit) { out += sealed }
            if keepFrames { kept.append(frame) }
        }
        let (tail, summary) = assembler.finish(finalNewline: finalNewline)
        out += tail
        return Built(bytes: out, summary: summary, storedBytes: stored, payloadBytes: payload, frames: kept)
    }
}
