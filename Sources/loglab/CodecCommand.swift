import ArgumentParser
import Foundation
import LogLabCodecs
import LogLabCore
import LogLabContainer

func printErr(_ s: String) { Output.note(s) }

/// Reads `input` ("-": stdin) in chunks and writes the transformed bytes to `output`
/// ("-": stdout; a file is written under a temporary name and renamed at the end). One
/// buffer is reused for every chunk and bytes go straight to the descriptors: no copies
/// beyond the codec's own.
func pipe(input: String, output: String, chunkSize: Int = 1 << 20,
          _ body: (_ read: () throws -> UnsafeRawBufferPointer?, _ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
    let source = try InputFile(input)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
    defer { buffer.deallocate() }
    let read: () throws -> UnsafeRawBufferPointer? = {
        let n = try source.read(into: buffer)
        return n == 0 ? nil : UnsafeRawBufferPointer(rebasing: buffer[0..<n])
    }
    try Output.with(output) { out in
        try body(read) { try out.write($0) }
    }
}

struct CodecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Compress or decompress with one codec (streaming; stdin/stdout by default).",
        subcommands: [Compress.self, Decompress.self]
    )

    struct Compress: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compress",
            abstract: "Compress a stream.",
            discussion: """
            Codec spellings: gzip:1-9, xz:0-9[e][:crc32|:nocheck], brotli:0-11[:wNN], \
            zstd:-7..22[:longNN][:check|:nocheck][:magicless]. Output is the standard format of each \
            codec (decodable by gzip/xz/brotli/zstd), except zstd 'magicless' frames, which \
            only LogLab reads. Integrity: zstd streams carry their content checksum (':nocheck' \
            drops it), xz a CRC-64, gzip a CRC-32; raw brotli has no checksum at all, so a \
            damaged brotli stream can decode to wrong bytes without an error. Example: loglab codec compress --codec zstd:19 -i app.jsonl -o app.jsonl.zst
            """)

        @Option(help: "Codec spec, e.g. zstd:3, xz:9e, brotli:11:w24 (zstd streams carry a content checksum unless :nocheck).", transform: Parse.streamCodec) var codec: CodecSpec
        @Option(help: "zstd dictionary (.zdict or raw content).") var dictionary: String?
        @Option(help: "zstd compression threads beside the one reading and writing, as zstd -T (0: one thread does all).") var threads: Int = 1
        @OptionGroup var inputOptions: InputOptions
        @OptionGroup var outputOptions: BinaryOutputOptions
        @OptionGroup var global: GlobalOptions

        var input: String { inputOptions.input ?? "-" }
        var output: String { outputOptions.output ?? "-" }

        func validate() throws {
            if threads < 0 { throw ValidationError("--threads must be 0 or more") }
        }

        func run() throws {
            try outputOptions.checkTerminal()
            do {
                let spec = codec
                let dictionary = try self.dictionary.map { try ZstdDictionary(contentsOfFile: $0) }
                let compressor = try StreamCompressor(spec, dictionary: dictionary, workers: spec.family == .zstd ? threads : 0)
                try pipe(input: input, output: output) { read, write in
                    while let chunk = try read() { try compressor.write(chunk, to: write) }
                    try compressor.finish(to: write)
                }
            }
        }
    }

    struct Decompress: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decompress",
            abstract: "Decompress a stream.",
            discussion: "Without --codec, the codec is taken from the input's magic bytes (gzip, xz, zstd; standard input too), else from its extension (.br). Example: loglab codec decompress -i app.jsonl.zst -o app.jsonl")

        @Option(help: "Codec spec (only the family matters, plus zstd :magicless/:longNN; default: from the magic bytes, or the extension).", transform: Parse.codec) var codec: CodecSpec?
        @Option(help: "zstd dictionary (.zdict or raw content).") var dictionary: String?
        @OptionGroup var inputOptions: InputOptions
        @OptionGroup var outputOptions: OutputOptions
        @OptionGroup var global: GlobalOptions

        var input: String { inputOptions.input ?? "-" }
        var output: String { outputOptions.output ?? "-" }

        func run() throws {
            do {
                let dictionary = try self.dictionary.map { try ZstdDictionary(contentsOfFile: $0) }
                try pipe(input: input, output: output) { read, write in
                    let first = try read()
                    var spec = codec
                    if spec == nil {
                        // The magic bytes decide (standard input too); brotli has none, so its
                        // extension is the fallback.
                        let family = first.flatMap { CodecDetection.family(magic: Array($0.prefix(8))[...]) }
                            ?? (input == "-" ? nil : CodecDetection.family(forPath: input))
                        guard let family else {
                            throw CodecError.invalidSpec("cannot tell the codec of \(input == "-" ? "standard input" : input) from its first bytes: pass --codec")
                        }
                        spec = try CodecSpec(family: family)
                    }
                    let decompressor = try StreamDecompressor(spec!, dictionary: dictionary)
                    var chunk = first
                    while let c = chunk {
                        try decompressor.write(c, to: write)
                        chunk = try read()
                    }
                    try decompressor.finish(to: write)
                }
            }
        }
    }
}
