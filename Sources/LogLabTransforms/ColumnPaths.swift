extension FrameEncoder {
    /// The field path of column `c` of the frame this encoder made last (in the `columns`
    /// layout, stream 3 + c holds that column's values, and a recent-coded model column's side
    /// stream is `c` = capacity + its index); nil when there is no such column.
    /// Used to attribute compressed bytes to fields (`loglab explain`).
    public func columnPath(_ c: Int) -> String? {
        guard let field, c >= 0 else { return nil }
        let st = field.st
        let column = c >= st.capacity && c - st.capacity < st.modelColumnCount ? c - st.capacity : c
        guard column < st.columnCount else { return nil }
        return ShapePaths.display(st.path(column))
    }
}
