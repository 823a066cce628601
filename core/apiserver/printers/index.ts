export { toTable, printerFor, type TableOptions, type IncludeObject } from "./to-table.js";
export { toPartialObjectMetadata, toPartialObjectMetadataList } from "./partial-object-metadata.js";
export { humanDuration, timestampSince } from "./human-duration.js";
export { summarizePod, type PodSummary } from "./pod-printer.js";
export type { Table, TableColumnDefinition, TableRow, TableRowCondition, PartialObjectMetadata, PartialObjectMetadataList } from "./table.js";
export type { TablePrinter, PrintContext, PrintedRow } from "./printer.js";
