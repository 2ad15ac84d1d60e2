/// # LogLabTransforms
///
/// Learned, reversible re-encodings of log records, restoring every byte.
///
/// ```
/// records ─► JSONSplitter ─► shape + value tokens ─► per-field codings ─► streams ─► frame bytes
///            (exact spelling)  (shape ids)            (derived → uuid /     (rows or columns)
///                                                      timestamp / integer
///                                                      → enum → text)
/// ```
///
/// * `TransformModel.learn(from:selection:)` measures the training records and decides, per
///   field path, the coding each selected transform would make cheapest (`FieldLearner`);
///   the model serialises into a versioned, checksummed blob for profiles.
/// * Each value coding (text, integer, timestamp, uuid, float) is one `ValueCoding` type in
///   `ValueCodings/`, owning its token test, cost estimate, encode, decode and model checks;
///   rules several share (tagged varints, embedded timestamps, substitution) are written
///   once there too.
/// * `FrameEncoder.encode(_:)` turns one frame (a record, a block, a whole file) into bytes
///   for a codec; `FrameDecoder.decode(_:recordCount:)` restores the exact records.
/// * Anything a transform cannot represent falls back without loss: a record that is not
///   JSON (or nests too deep, or has raw control bytes in strings) travels verbatim; a value
///   a coding cannot represent is escaped to text; an unseen shape travels literally once
///   per frame; an unseen field path gets a frame-local text column.
///
/// Frame kinds (first byte): 0 `none` records joined by `\n`; 1 `none` length-prefixed
/// records (some record holds `\n`); 2 field-aware rows; 3 field-aware columns (directory +
/// streams); 4 `legacy`; 5 `template` (text lines, see `TemplateEncoder`). Field-aware
/// layouts are described at `FieldCoderState`.
///
/// Plain-text training data (most records not JSON) is learnt by the `template` transform
/// instead: lines split into templates and typed variables (`TextLines/`), in the manner of
/// CLP, with the variables of each template slot in their own column; templates are learnt
/// per word skeleton in the manner of Drain (`TemplateLearner`), so words that vary (paths,
/// users) are variables too, named from a learnt vocabulary where the model knows them.
///
/// Each transform is a `TransformKind`, switched on or off through `TransformSelection`
/// (`all`, `none`, `legacy`, `shape,columns`, `all-derived`).
enum LogLabTransformsOverview {}
